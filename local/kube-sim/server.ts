import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Authenticator, Identity } from './auth.ts';
import type { AuthorizationMode } from './authorization.ts';
import { apiGroup, apiGroupList, apiResourceList, coreApiVersions, SERVER_VERSION } from './discovery.ts';
import { apiErrors, KubeApiError } from './errors.ts';
import type { FaultInjector } from './faults.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.ts';
import {
  type AuthorizationDependencies,
  authorizeNonResourceRequest,
  authorizeResourceRequest,
} from './request-authorization.ts';
import { type ApiResponse, handleResource } from './resource-handlers.ts';
import { parseRoute, type Route } from './routes.ts';

/**
 * The HTTP front of kube-sim: fault injection, authentication, routing, JSON responses, the audit
 * trail, and running the controllers after each successful write when they run synchronously.
 */
export interface AuditRecord {
  time: string;
  user: string;
  method: string;
  path: string;
  code: number;
}

export interface ServerDependencies extends AuthorizationDependencies {
  authenticator: Authenticator;
  /** AlwaysAllow: every authenticated request; RBAC: what the stored roles and bindings grant. */
  authorization: AuthorizationMode;
  faults: FaultInjector;
  audit: AuditRecord[];
  /** Called after each request that changed stored state (runs the controllers in sync mode). */
  afterWrite(): void;
}

const READ_METHODS = new Set(['GET', 'HEAD']);
/** Paths a scraper or load balancer reaches without credentials, as on a real control plane. */
const ANONYMOUS_ROUTES = new Set<Route['kind']>(['health', 'metrics', 'version']);

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, result: ApiResponse, headers: Record<string, string> = {}): void {
  const text =
    typeof result.body === 'string' && result.contentType ? result.body : JSON.stringify(result.body);
  response.writeHead(result.status, {
    'Content-Type': result.contentType ?? 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  response.end(text);
}

function serveDiscovery(
  route: Route,
  host: string,
  dependencies: ServerDependencies,
): ApiResponse | undefined {
  switch (route.kind) {
    case 'root':
      return {
        status: 200,
        body: {
          paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/metrics', '/readyz', '/version'],
        },
      };
    case 'health':
      return { status: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' };
    case 'version':
      return { status: 200, body: SERVER_VERSION };
    case 'metrics':
      return {
        status: 200,
        body: renderMetrics(dependencies.controllers.api),
        contentType: METRICS_CONTENT_TYPE,
      };
    case 'coreVersions':
      return { status: 200, body: coreApiVersions(host) };
    case 'groups':
      return { status: 200, body: apiGroupList() };
    case 'group': {
      const group = apiGroup(route.group);
      return group ? { status: 200, body: group } : undefined;
    }
    case 'resourceList': {
      const list = apiResourceList(route.group, route.version);
      return list ? { status: 200, body: list } : undefined;
    }
    default:
      return undefined;
  }
}

/** Field manager name when the client sends none: the user agent's program name, as the API server derives it. */
function defaultManager(request: IncomingMessage): string {
  const agent = request.headers['user-agent'] ?? '';
  return agent.split('/')[0]?.trim() || 'unknown';
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  dependencies: ServerDependencies,
): Promise<void> {
  const method = (request.method ?? 'GET').toUpperCase();
  const url = new URL(request.url ?? '/', 'http://kube-sim');
  let identity: Identity | undefined;
  const record = (code: number) =>
    dependencies.audit.push({
      time: new Date().toISOString(),
      user: identity?.user ?? 'system:anonymous',
      method,
      path: url.pathname,
      code,
    });
  try {
    const fault = dependencies.faults.take(method, url.pathname);
    if (fault) throw fault;
    const route = parseRoute(url.pathname);
    if (!route || !ANONYMOUS_ROUTES.has(route.kind))
      identity = dependencies.authenticator.authenticate(request.headers.authorization);
    if (!route) throw apiErrors.unknownPath(url.pathname);
    const rawBody = await readBody(request);
    // Health, version and metrics are served before authentication: nobody to authorize there.
    const caller = dependencies.authorization === 'RBAC' ? identity : undefined;
    let result: ApiResponse | undefined;
    if (route.kind === 'resource') {
      const revision = dependencies.controllers.api.store.revision;
      const apiRequest = {
        method,
        query: url.searchParams,
        contentType: request.headers['content-type'] ?? '',
        rawBody,
        manager: defaultManager(request),
      };
      if (caller) authorizeResourceRequest(dependencies, caller, route, apiRequest);
      result = handleResource(dependencies, route, apiRequest);
      // Controllers react to changes: a write that changed nothing (an identical apply) wakes none.
      if (dependencies.controllers.api.store.revision !== revision) dependencies.afterWrite();
    } else {
      if (caller) authorizeNonResourceRequest(dependencies.rbac, caller, method, url.pathname);
      if (!READ_METHODS.has(method)) throw apiErrors.methodNotAllowed(method, url.pathname);
      result = serveDiscovery(route, request.headers.host ?? '', dependencies);
    }
    if (!result) throw apiErrors.unknownPath(url.pathname);
    record(result.status);
    send(response, result);
  } catch (error) {
    const apiError =
      error instanceof KubeApiError ? error : apiErrors.internal((error as Error).message ?? String(error));
    record(apiError.code);
    const retryAfter = apiError.details?.retryAfterSeconds;
    send(
      response,
      { status: apiError.code, body: apiError.toStatus() },
      retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
    );
  }
}

/**
 * How long an idle keep-alive connection stays open. kube-apiserver keeps idle connections far
 * longer than Node's 5 s default; with that default, a client's pooled socket that sat idle through
 * a 5 s step (a restore Job) can be closed by the server just as the client reuses it, and the
 * request fails with "socket hang up".
 */
const KEEP_ALIVE_TIMEOUT_MS = 120_000;

export function createKubeServer(dependencies: ServerDependencies): Server {
  const server = createServer((request, response) => {
    void serve(request, response, dependencies);
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  return server;
}
