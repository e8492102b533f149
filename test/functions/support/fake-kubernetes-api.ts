import { FakeClusterReader } from './fake-cluster-reader.ts';
import {
  type Answer,
  kubernetesStatus,
  type RecordedRequest,
  startRecordingServer,
} from './recording-server.ts';

/**
 * A plain-HTTP Kubernetes API over a FakeClusterReader's objects, serving only the GETs the
 * ClusterReader adapter makes (with `limit`/`continue` paging). It lets the adapter and the
 * handlers run end to end through the real HTTP client without the full local kube-sim.
 */
export interface FakeKubernetesApi {
  url: string;
  objects: FakeClusterReader;
  requests: RecordedRequest[];
  /** Idempotent, so a test can stop the server early to simulate a refused connection. */
  close(): Promise<void>;
  /** Makes every request whose path starts with `pathPrefix` fail with this status and Status body. */
  failWith(pathPrefix: string, code: number, reason: string, message: string): void;
}

export async function startFakeKubernetesApi(): Promise<FakeKubernetesApi> {
  const objects = new FakeClusterReader();
  const failures: { pathPrefix: string; code: number; reason: string; message: string }[] = [];

  async function respond(request: RecordedRequest): Promise<Answer> {
    const failure = failures.find((candidate) => request.path.startsWith(candidate.pathPrefix));
    if (failure) return [failure.code, kubernetesStatus(failure.code, failure.reason, failure.message)];
    if (request.method !== 'GET')
      return [405, kubernetesStatus(405, 'MethodNotAllowed', `${request.method} not served`)];
    const selector = request.query.get('labelSelector') ?? '';
    const parts = request.path.split('/').filter(Boolean);
    const route = parts.join('/');
    if (route === 'api/v1/nodes') return [200, page('NodeList', await objects.listNodes(), request.query)];
    const pods = route.match(/^api\/v1\/namespaces\/([^/]+)\/pods$/);
    if (pods) return [200, page('PodList', await objects.listPods(pods[1]!, selector), request.query)];
    const deployments = route.match(/^apis\/apps\/v1\/namespaces\/([^/]+)\/deployments$/);
    if (deployments) {
      const items = await objects.listDeployments(deployments[1]!, selector);
      return [200, page('DeploymentList', items, request.query)];
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
      return found
        ? [200, found]
        : [404, kubernetesStatus(404, 'NotFound', `${parts.at(-2)} "${match[2]}" not found`)];
    }
    return [
      404,
      kubernetesStatus(404, 'NotFound', `the server could not find the requested resource (${request.path})`),
    ];
  }

  const server = await startRecordingServer(respond);
  return {
    url: server.url,
    objects,
    requests: server.requests,
    failWith: (pathPrefix, code, reason, message) => failures.push({ pathPrefix, code, reason, message }),
    close: server.close,
  };
}

function page(kind: string, items: unknown[], query: URLSearchParams) {
  const limit = Number(query.get('limit') ?? 0) || items.length;
  const start = Number(query.get('continue') ?? 0);
  const end = start + limit;
  return {
    kind,
    apiVersion: 'v1',
    metadata: end < items.length ? { continue: String(end) } : {},
    items: items.slice(start, end),
  };
}
