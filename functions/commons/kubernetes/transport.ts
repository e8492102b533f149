import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ConfigurationError } from '../errors.ts';

/**
 * One HTTP exchange with a Kubernetes API server over node:http(s), nothing more: no retries (Step
 * Functions owns those), no fetch polyfill, and a deadline on the whole exchange.
 */

/** Where and as whom to reach a Kubernetes API server. */
export interface KubernetesConnection {
  /** `https://ABC.gr7.eu-west-1.eks.amazonaws.com`, or plain `http://127.0.0.1:6443` for the local kube-sim. */
  server: string;
  /** Base64 of the PEM CA bundle (EKS's certificateAuthority.data); required for https. */
  caData?: string;
  /** Bearer token: an EKS token (`k8s-aws-v1.`) in production. */
  token: string;
}

export interface HttpExchange {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. `/api/v1/nodes?limit=500`. */
  path: string;
  body?: string;
  contentType?: string;
}

export interface HttpAnswer {
  statusCode: number;
  body: string;
}

/** Thrown when the deadline passes; the `code` makes it a network failure (isNetworkError). */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
  }
}

/**
 * Keep-alive agents, one per server and CA, kept for the life of the execution environment: warm
 * invocations then skip the TCP and TLS handshakes. Idle sockets do not keep the process alive.
 */
const agents = new Map<string, HttpAgent>();

function agentFor(url: URL, connection: KubernetesConnection): HttpAgent {
  const key = `${url.origin}\n${connection.caData ?? ''}`;
  let agent = agents.get(key);
  if (!agent) {
    agent =
      url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, ca: certificateAuthority(connection) })
        : new HttpAgent({ keepAlive: true });
    agents.set(key, agent);
  }
  return agent;
}

function certificateAuthority(connection: KubernetesConnection): string {
  const pem = Buffer.from(connection.caData ?? '', 'base64').toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigurationError(
      `the certificate authority data for ${connection.server} is not a base64-encoded PEM certificate`,
      { server: connection.server },
    );
  }
  return pem;
}

function serverUrl(connection: KubernetesConnection, path: string): URL {
  let url: URL;
  try {
    // Appended, not resolved: a server URL may carry a path prefix (an API proxy) that must be kept.
    url = new URL(connection.server.replace(/\/+$/, '') + path);
  } catch {
    throw new ConfigurationError(`the Kubernetes API server "${connection.server}" is not a URL`, {
      server: connection.server,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(
      `the Kubernetes API server "${connection.server}" must be an https:// (or, locally, http://) URL`,
      { server: connection.server },
    );
  }
  return url;
}

export async function sendHttpRequest(
  connection: KubernetesConnection,
  exchange: HttpExchange,
  timeoutMs: number,
): Promise<HttpAnswer> {
  const url = serverUrl(connection, exchange.path);
  const headers: Record<string, string> = {
    Accept: 'application/json',
    Authorization: `Bearer ${connection.token}`,
    'User-Agent': 'lakehouse-ops',
  };
  if (exchange.body !== undefined) {
    headers['Content-Type'] = exchange.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(exchange.body));
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const agent = agentFor(url, connection);

  return await new Promise<HttpAnswer>((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(deadline);
      reject(error);
    };
    const request = send(url, { method: exchange.method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(deadline);
        resolve({ statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    // Covers connecting, sending and reading the whole body; a socket timeout alone would let a
    // server that trickles bytes hold the Lambda until its own timeout.
    const deadline = setTimeout(() => {
      reject(new RequestTimeoutError(timeoutMs));
      request.destroy();
    }, timeoutMs);
    request.on('error', fail);
    request.end(exchange.body);
  });
}
