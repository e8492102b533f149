import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP proxy in front of an S3 endpoint that fails a share of the requests, the way a flaky
 * network or an overloaded S3 does: 500 InternalError, 503 SlowDown, or a connection reset. The
 * decisions come from a seeded generator, so a test sees the same sequence of faults every run.
 * It can also "restart": stop listening (clients get ECONNREFUSED), then come back on the same port.
 *
 * Requests are forwarded unchanged (Host header included), so SigV4 signatures made for the proxy's
 * address still verify at the upstream.
 */
export type FaultKind = 'error-500' | 'error-503' | 'reset';

export interface FaultProxyOptions {
  /** The S3 endpoint to forward to, e.g. http://127.0.0.1:4568. */
  upstream: string;
  /** Share of requests to fail, 0..1. Can be changed later with `setFailureRate`. */
  failureRate?: number;
  seed?: number;
  kinds?: readonly FaultKind[];
  /** Listen on this port (default: a free one). */
  port?: number;
}

/** One request as the proxy saw it: what it was and what the proxy did with it. */
export interface ProxiedRequest {
  method: string;
  /** Decoded path, without the query string. */
  path: string;
  query: string;
  outcome: FaultKind | 'forwarded';
  /** Upstream status code, for forwarded requests. */
  status?: number;
}

export interface S3FaultProxy {
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly log: readonly ProxiedRequest[];
  setFailureRate(rate: number): void;
  /** Stops listening and drops open connections; listens again on the same port after `downMs`. */
  restart(downMs: number): Promise<void>;
  /** Calls `listener` for each request, after its outcome is known. */
  onRequest(listener: (request: ProxiedRequest) => void): void;
  close(): Promise<void>;
}

const DEFAULT_KINDS: readonly FaultKind[] = ['error-500', 'error-503', 'reset'];

export async function startS3FaultProxy(options: FaultProxyOptions): Promise<S3FaultProxy> {
  const upstream = new URL(options.upstream);
  const random = seededRandom(options.seed ?? 1);
  const kinds = options.kinds ?? DEFAULT_KINDS;
  let failureRate = checkedRate(options.failureRate ?? 0);
  const log: ProxiedRequest[] = [];
  const listeners: ((request: ProxiedRequest) => void)[] = [];
  const sockets = new Set<Socket>();

  const record = (entry: ProxiedRequest) => {
    log.push(entry);
    for (const listener of listeners) listener(entry);
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://proxy');
    const entry: ProxiedRequest = {
      method: request.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.search,
      outcome: 'forwarded',
    };
    // Two draws per request whatever happens, so the sequence does not depend on the outcome.
    const fails = random() < failureRate;
    const kind = kinds[Math.floor(random() * kinds.length)] ?? 'error-500';
    if (fails) {
      entry.outcome = kind;
      record(entry);
      fail(kind, request, response);
      return;
    }
    forward(upstream, request, response, (status) => {
      entry.status = status;
      record(entry);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  const port = await listen(options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    setFailureRate(rate) {
      failureRate = checkedRate(rate);
    },
    async restart(downMs) {
      await stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await listen(port);
    },
    onRequest(listener) {
      listeners.push(listener);
    },
    close: stop,
  };
}

function fail(kind: FaultKind, request: IncomingMessage, response: ServerResponse): void {
  if (kind === 'reset') {
    request.socket.destroy();
    return;
  }
  const [status, code, message] =
    kind === 'error-503'
      ? [503, 'SlowDown', 'Please reduce your request rate.']
      : [500, 'InternalError', 'We encountered an internal error. Please try again.'];
  // Read the body first: answering mid-upload makes the client see EPIPE instead of the error.
  request.resume();
  request.once('end', () => {
    response.writeHead(status, { 'Content-Type': 'application/xml', Connection: 'close' });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`,
    );
  });
}

function forward(
  upstream: URL,
  request: IncomingMessage,
  response: ServerResponse,
  done: (status: number) => void,
): void {
  const outgoing = httpRequest(
    {
      hostname: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers: request.headers,
    },
    (upstreamResponse) => {
      const status = upstreamResponse.statusCode ?? 502;
      response.writeHead(status, upstreamResponse.headers);
      upstreamResponse.pipe(response);
      done(status);
    },
  );
  outgoing.on('error', () => {
    // The upstream went away mid-request: the client sees a reset, as it would without a proxy.
    request.socket.destroy();
    done(0);
  });
  request.pipe(outgoing);
}

function checkedRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`failure rate must be between 0 and 1, got ${rate}`);
  return rate;
}

/** mulberry32: tiny, fast, and good enough to spread faults evenly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
