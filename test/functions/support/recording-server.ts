import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP(S) server on a free loopback port that records every request it receives (method, path,
 * query, headers, body) and answers with whatever `respond` returns: the scripted peer of the
 * Kubernetes client's tests.
 */
export interface RecordedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The Authorization header, the one most tests look at. */
  authorization: string | undefined;
  body: string;
}

/** Status code and body (serialised as JSON unless a string), or `'hang'` to never answer. */
export type Answer = [number, unknown] | 'hang' | ((response: ServerResponse) => void);

export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  /** Idempotent, so a test can stop the server early to simulate a refused connection. */
  close(): Promise<void>;
}

export interface RecordingServerOptions {
  /** PEM key and certificate: serve https instead of http. */
  tls?: { key: string; cert: string };
}

export async function startRecordingServer(
  respond: (request: RecordedRequest) => Answer | Promise<Answer>,
  options: RecordingServerOptions = {},
): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const recorded: RecordedRequest = {
        method: request.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        authorization: request.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      Promise.resolve(respond(recorded))
        .then((answer) => send(response, answer))
        .catch((error: Error) => send(response, [500, error.message]));
    });
  };
  const server = options.tls ? createHttpsServer(options.tls, handle) : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function send(response: ServerResponse, answer: Answer): void {
  if (answer === 'hang') return;
  if (typeof answer === 'function') {
    answer(response);
    return;
  }
  const [code, body] = answer;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  response.end(text);
}

/** A Kubernetes Status body, as the API server sends with every error. */
export function kubernetesStatus(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** The 429 an eviction gets when the PodDisruptionBudget `budget` allows no disruption now. */
export function disruptionBudgetRefusal(budget: string, healthy: number): Record<string, unknown> {
  return kubernetesStatus(
    429,
    'TooManyRequests',
    "Cannot evict pod as it would violate the pod's disruption budget.",
    {
      causes: [
        {
          reason: 'DisruptionBudget',
          message: `The disruption budget ${budget} needs ${healthy} healthy pods and has ${healthy} currently`,
        },
      ],
      retryAfterSeconds: 10,
    },
  );
}
