import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClusterReader } from './fake-cluster-reader.ts';

/**
 * A plain-HTTP Kubernetes API over a FakeClusterReader's objects, serving only the GETs the
 * ClusterReader adapter makes (with `limit`/`continue` paging). It lets the adapter and the
 * handlers run end to end through client-node without the full local kube-sim.
 */
export interface FakeKubernetesApi {
  url: string;
  objects: FakeClusterReader;
  requests: { path: string; authorization: string | undefined }[];
  /** Idempotent, so a test can stop the server early to simulate a refused connection. */
  close(): Promise<void>;
  /** Makes every request whose path starts with `pathPrefix` fail with this status and Status body. */
  failWith(pathPrefix: string, code: number, reason: string, message: string): void;
}

export async function startFakeKubernetesApi(): Promise<FakeKubernetesApi> {
  const objects = new FakeClusterReader();
  const requests: FakeKubernetesApi['requests'] = [];
  const failures: { pathPrefix: string; code: number; reason: string; message: string }[] = [];

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    requests.push({ path: url.pathname, authorization: request.headers.authorization });
    const failure = failures.find((candidate) => url.pathname.startsWith(candidate.pathPrefix));
    respond(request, url, failure)
      .then(([code, body]) => {
        response.writeHead(code, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      })
      .catch((error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(error.message);
      });
  });

  async function respond(
    request: IncomingMessage,
    url: URL,
    failure: (typeof failures)[number] | undefined,
  ): Promise<[number, unknown]> {
    if (failure) return [failure.code, status(failure.code, failure.reason, failure.message)];
    if (request.method !== 'GET')
      return [405, status(405, 'MethodNotAllowed', `${request.method} not served`)];
    const selector = url.searchParams.get('labelSelector') ?? '';
    const parts = url.pathname.split('/').filter(Boolean);
    const route = parts.join('/');
    if (route === 'api/v1/nodes') return [200, page('NodeList', await objects.listNodes(), url)];
    const pods = route.match(/^api\/v1\/namespaces\/([^/]+)\/pods$/);
    if (pods) return [200, page('PodList', await objects.listPods(pods[1]!, selector), url)];
    const deployments = route.match(/^apis\/apps\/v1\/namespaces\/([^/]+)\/deployments$/);
    if (deployments) {
      return [200, page('DeploymentList', await objects.listDeployments(deployments[1]!, selector), url)];
    }
    const single: [RegExp, (namespace: string, name: string) => Promise<unknown>][] = [
      [
        /^apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/,
        (ns, name) => objects.readDeployment(ns, name),
      ],
      [
        /^apis\/apps\/v1\/namespaces\/([^/]+)\/statefulsets\/([^/]+)$/,
        (ns, name) => objects.readStatefulSet(ns, name),
      ],
      [
        /^api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)$/,
        (ns, name) => objects.readServiceAccount(ns, name),
      ],
      [
        /^apis\/batch\/v1\/namespaces\/([^/]+)\/cronjobs\/([^/]+)$/,
        (ns, name) => objects.readCronJob(ns, name),
      ],
    ];
    for (const [pattern, read] of single) {
      const match = route.match(pattern);
      if (!match) continue;
      const found = await read(match[1]!, match[2]!);
      return found ? [200, found] : [404, status(404, 'NotFound', `${parts.at(-2)} "${match[2]}" not found`)];
    }
    return [
      404,
      status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`),
    ];
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    requests,
    failWith: (pathPrefix, code, reason, message) => failures.push({ pathPrefix, code, reason, message }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function page(kind: string, items: unknown[], url: URL) {
  const limit = Number(url.searchParams.get('limit') ?? 0) || items.length;
  const start = Number(url.searchParams.get('continue') ?? 0);
  const end = start + limit;
  return {
    kind,
    apiVersion: 'v1',
    metadata: end < items.length ? { continue: String(end) } : {},
    items: items.slice(start, end),
  };
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
