import type { V1Deployment } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createKubernetesApi, type KubernetesApi } from '../../../../functions/commons/kubernetes/api.ts';
import { isNotFound } from '../../../../functions/commons/kubernetes/errors.ts';
import { kubernetesResources } from '../../../../functions/commons/kubernetes/resources.ts';
import type { KubernetesConnection } from '../../../../functions/commons/kubernetes/transport.ts';
import { deployment, pod } from '../../support/kubernetes-objects.ts';
import {
  type Answer,
  disruptionBudgetRefusal,
  kubernetesStatus,
  type RecordedRequest,
  type RecordingServer,
  startRecordingServer,
} from '../../support/recording-server.ts';
import { rejectionOf } from '../../support/rejection.ts';

const { deployments, jobs, nodes, pods } = kubernetesResources;
const TOKEN = 'k8s-aws-v1.dGVzdA';
const worker = () => deployments.named('prefect', 'worker');

describe('createKubernetesApi', () => {
  let server: RecordingServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** An API client against a server that answers each request with `respond`. */
  async function apiAnswering(
    respond: (request: RecordedRequest) => Answer,
    options: { timeoutMs?: number } = {},
  ): Promise<{ api: KubernetesApi; requests: RecordedRequest[] }> {
    server = await startRecordingServer(respond);
    return {
      api: createKubernetesApi({ server: server.url, token: TOKEN }, options),
      requests: server.requests,
    };
  }

  const only = (requests: RecordedRequest[]): RecordedRequest => {
    expect(requests).toHaveLength(1);
    return requests[0]!;
  };

  /** The one request sent, checked to be `method` on `path`. */
  const onlyRequest = (requests: RecordedRequest[], method: string, path: string): RecordedRequest => {
    const request = only(requests);
    expect(request).toMatchObject({ method, path });
    return request;
  };

  describe('get', () => {
    it('reads the object at a typed path with the bearer token', async () => {
      const { api, requests } = await apiAnswering(() => [
        200,
        deployment('prefect', 'worker', { replicas: 2 }),
      ]);

      const found = await api.get(worker());

      expect(found?.spec?.replicas).toBe(2);
      expect(only(requests)).toMatchObject({
        method: 'GET',
        path: '/apis/apps/v1/namespaces/prefect/deployments/worker',
        authorization: `Bearer ${TOKEN}`,
      });
    });

    it('resolves to undefined when the object does not exist', async () => {
      const { api } = await apiAnswering(() => [
        404,
        kubernetesStatus(404, 'NotFound', 'deployments.apps "worker" not found'),
      ]);

      expect(await api.get(worker())).toBeUndefined();
    });

    it('throws KubernetesApiError when access is forbidden', async () => {
      const { api } = await apiAnswering(() => [
        403,
        kubernetesStatus(403, 'Forbidden', 'User "x" cannot get'),
      ]);

      expect(await rejectionOf(api.get(worker()))).toMatchObject({
        name: 'KubernetesApiError',
        message: 'get deployment prefect/worker: Kubernetes API answered 403 Forbidden: User "x" cannot get',
      });
    });

    it('throws KubernetesApiError when a 200 answer is not JSON (not an API server)', async () => {
      const { api } = await apiAnswering(() => [200, '<html>login</html>']);

      expect(await rejectionOf(api.get(worker()))).toMatchObject({
        name: 'KubernetesApiError',
        message: expect.stringContaining('a body that is not JSON: <html>login</html>'),
      });
    });
  });

  describe('list', () => {
    const pageOf = (names: string[], next?: string) => ({
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: next ? { continue: next } : {},
      items: names.map((name) => pod('minio', name)),
    });

    it('follows metadata.continue and sends the selectors and page size on every page', async () => {
      const { api, requests } = await apiAnswering(({ query }) =>
        query.get('continue') === 'page-2'
          ? [200, pageOf(['minio-2'])]
          : [200, pageOf(['minio-0', 'minio-1'], 'page-2')],
      );

      const found = await api.list(pods.inNamespace('minio'), {
        labelSelector: 'app=minio',
        fieldSelector: 'status.phase=Running',
        limit: 2,
      });

      expect(found.map((item) => item.metadata?.name)).toEqual(['minio-0', 'minio-1', 'minio-2']);
      expect(requests.map(({ path, query }) => [path, Object.fromEntries(query)])).toEqual([
        [
          '/api/v1/namespaces/minio/pods',
          { labelSelector: 'app=minio', fieldSelector: 'status.phase=Running', limit: '2' },
        ],
        [
          '/api/v1/namespaces/minio/pods',
          {
            labelSelector: 'app=minio',
            fieldSelector: 'status.phase=Running',
            limit: '2',
            continue: 'page-2',
          },
        ],
      ]);
    });

    it('asks for pages of 500 by default', async () => {
      const { api, requests } = await apiAnswering(() => [
        200,
        { kind: 'NodeList', metadata: {}, items: [] },
      ]);

      expect(await api.list(nodes.all())).toEqual([]);
      expect(only(requests).query.get('limit')).toBe('500');
    });

    it('lists again in one request when the continue token expired (410)', async () => {
      const { api, requests } = await apiAnswering(({ query }) => {
        if (query.get('continue'))
          return [410, kubernetesStatus(410, 'Expired', 'The provided continue parameter is too old')];
        return query.has('limit')
          ? [200, pageOf(['minio-0'], 'stale')]
          : [200, pageOf(['minio-0', 'minio-1'])];
      });

      const found = await api.list(pods.inNamespace('minio'), { limit: 1 });

      expect(found.map((item) => item.metadata?.name)).toEqual(['minio-0', 'minio-1']);
      expect(requests).toHaveLength(3);
      expect(Object.fromEntries(requests[2]!.query)).toEqual({});
    });

    it('throws TransientError when the API server is overloaded mid-list', async () => {
      const { api } = await apiAnswering(({ query }) =>
        query.get('continue')
          ? [503, kubernetesStatus(503, 'ServiceUnavailable', 'try later')]
          : [200, pageOf(['a'], 'next')],
      );

      expect(
        await rejectionOf(api.list(pods.inNamespace('minio'), { labelSelector: 'app=minio' })),
      ).toMatchObject({
        name: 'TransientError',
        details: { operation: 'list pods in minio (app=minio)', httpStatusCode: 503 },
      });
    });

    it('throws TransientError when the API server throttles (429 outside an eviction)', async () => {
      const { api } = await apiAnswering(() => [429, kubernetesStatus(429, 'TooManyRequests', 'slow down')]);

      expect(await rejectionOf(api.list(nodes.all()))).toMatchObject({ name: 'TransientError' });
    });
  });

  describe('create', () => {
    it('posts the object as JSON to the collection and returns what the server stored', async () => {
      const { api, requests } = await apiAnswering(({ body }) => [201, { ...JSON.parse(body), status: {} }]);
      const job = { metadata: { name: 'copy-1' }, spec: { template: { spec: { containers: [] } } } };

      const created = await api.create(jobs.inNamespace('s5cmd'), job);

      expect(created).toEqual({ ...job, status: {} });
      const request = onlyRequest(requests, 'POST', '/apis/batch/v1/namespaces/s5cmd/jobs');
      expect(request.headers['content-type']).toBe('application/json');
      expect(JSON.parse(request.body)).toEqual(job);
      expect(request.query.has('dryRun')).toBe(false);
    });

    it('asks for a server-side dry run with dryRun=All and names the field manager', async () => {
      const { api, requests } = await apiAnswering(({ body }) => [201, JSON.parse(body)]);

      await api.create(
        jobs.inNamespace('s5cmd'),
        { metadata: { name: 'copy-1' } },
        { dryRun: true, fieldManager: 'lakehouse-ops' },
      );

      expect(Object.fromEntries(only(requests).query)).toEqual({
        dryRun: 'All',
        fieldManager: 'lakehouse-ops',
      });
    });

    it('throws KubernetesConflictError when the object already exists', async () => {
      const { api } = await apiAnswering(() => [
        409,
        kubernetesStatus(409, 'AlreadyExists', 'jobs.batch "copy-1" already exists'),
      ]);

      const error = await rejectionOf(
        api.create(jobs.inNamespace('s5cmd'), { metadata: { name: 'copy-1' } }),
      );

      expect(error).toMatchObject({ name: 'KubernetesConflictError', details: { reason: 'AlreadyExists' } });
    });
  });

  describe('replace', () => {
    it('puts the whole object to its path', async () => {
      const { api, requests } = await apiAnswering(({ body }) => [200, JSON.parse(body)]);
      const updated: V1Deployment = deployment('prefect', 'worker', { replicas: 3 });

      expect(await api.replace(worker(), updated)).toEqual(updated);
      onlyRequest(requests, 'PUT', '/apis/apps/v1/namespaces/prefect/deployments/worker');
    });

    it('throws KubernetesConflictError carrying the Status when the resourceVersion is stale', async () => {
      const conflict = kubernetesStatus(
        409,
        'Conflict',
        'Operation cannot be fulfilled on deployments.apps "worker": the object has been modified; please apply your changes to the latest version and try again',
        { name: 'worker', group: 'apps', kind: 'deployments' },
      );
      const { api } = await apiAnswering(() => [409, conflict]);

      const error = await rejectionOf(api.replace(worker(), deployment('prefect', 'worker')));

      expect(error).toMatchObject({
        name: 'KubernetesConflictError',
        details: {
          operation: 'replace deployment prefect/worker',
          httpStatusCode: 409,
          reason: 'Conflict',
          status: conflict,
        },
      });
    });
  });

  describe('patch', () => {
    const WORKER_PATH = '/apis/apps/v1/namespaces/prefect/deployments/worker';

    it.each([
      ['merge', 'application/merge-patch+json'],
      ['strategic-merge', 'application/strategic-merge-patch+json'],
    ] as const)('sends a %s patch as %s', async (strategy, contentType) => {
      const { api, requests } = await apiAnswering(() => [
        200,
        deployment('prefect', 'worker', { replicas: 0 }),
      ]);

      const patched = await api.patch(worker(), { spec: { replicas: 0 } }, { strategy });

      expect(patched.spec?.replicas).toBe(0);
      const request = onlyRequest(requests, 'PATCH', WORKER_PATH);
      expect(request.headers['content-type']).toBe(contentType);
      expect(JSON.parse(request.body)).toEqual({ spec: { replicas: 0 } });
      expect(request.query.has('dryRun')).toBe(false);
    });

    it('sends a JSON patch as a list of operations with application/json-patch+json', async () => {
      const { api, requests } = await apiAnswering(() => [200, deployment('prefect', 'worker')]);
      const operations = [{ op: 'replace', path: '/spec/replicas', value: 1 }] as const;

      await api.patch(worker(), operations, { strategy: 'json', dryRun: true });

      const request = onlyRequest(requests, 'PATCH', WORKER_PATH);
      expect(request.headers['content-type']).toBe('application/json-patch+json');
      expect(JSON.parse(request.body)).toEqual(operations);
      expect(request.query.get('dryRun')).toBe('All');
    });

    it('sends a server-side apply with its field manager and force', async () => {
      const { api, requests } = await apiAnswering(() => [200, deployment('prefect', 'worker')]);

      await api.patch(worker(), deployment('prefect', 'worker'), {
        strategy: 'apply',
        fieldManager: 'lakehouse-ops',
        force: true,
      });

      const request = onlyRequest(requests, 'PATCH', WORKER_PATH);
      expect(request.headers['content-type']).toBe('application/apply-patch+yaml');
      expect(Object.fromEntries(request.query)).toEqual({ fieldManager: 'lakehouse-ops', force: 'true' });
    });

    it('refuses a JSON patch that is not a list, and a merge patch that is one, without a request', async () => {
      const { api, requests } = await apiAnswering(() => [200, {}]);

      expect(
        await rejectionOf(api.patch(worker(), { spec: {} } as never, { strategy: 'json' })),
      ).toMatchObject({
        name: 'InvalidInputError',
        message: expect.stringContaining('a JSON patch is a list of operations'),
      });
      expect(await rejectionOf(api.patch(worker(), [], { strategy: 'merge' }))).toMatchObject({
        name: 'InvalidInputError',
        message: expect.stringContaining("use strategy 'json'"),
      });
      expect(requests).toHaveLength(0);
    });

    it('throws KubernetesApiError with the Status message when the patch is invalid (422)', async () => {
      const { api } = await apiAnswering(() => [
        422,
        kubernetesStatus(
          422,
          'Invalid',
          'Deployment.apps "worker" is invalid: spec.replicas: Invalid value: -1',
        ),
      ]);

      const error = await rejectionOf(api.patch(worker(), { spec: { replicas: -1 } }, { strategy: 'merge' }));

      expect(error).toMatchObject({
        name: 'KubernetesApiError',
        details: {
          httpStatusCode: 422,
          reason: 'Invalid',
          operation: 'patch (merge) deployment prefect/worker',
        },
      });
    });
  });

  describe('delete', () => {
    it('deletes with DeleteOptions in the body and dryRun=All in the query', async () => {
      const success = { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name: 'copy-1' } };
      const { api, requests } = await apiAnswering(() => [200, success]);

      const result = await api.delete(jobs.named('s5cmd', 'copy-1'), {
        propagationPolicy: 'Background',
        dryRun: true,
      });

      expect(result).toEqual(success);
      const request = onlyRequest(requests, 'DELETE', '/apis/batch/v1/namespaces/s5cmd/jobs/copy-1');
      expect(JSON.parse(request.body)).toEqual({
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: 'Background',
      });
      expect(Object.fromEntries(request.query)).toEqual({ dryRun: 'All' });
    });

    it('throws KubernetesApiError that isNotFound recognises when the object is already gone', async () => {
      const { api } = await apiAnswering(() => [
        404,
        kubernetesStatus(404, 'NotFound', 'jobs.batch "copy-1" not found'),
      ]);

      const error = await rejectionOf(api.delete(jobs.named('s5cmd', 'copy-1')));

      expect(error.name).toBe('KubernetesApiError');
      expect(isNotFound(error)).toBe(true);
    });
  });

  describe('evict', () => {
    it('posts a policy/v1 Eviction to the pod eviction subresource', async () => {
      const { api, requests } = await apiAnswering(() => [201, { kind: 'Status', status: 'Success' }]);

      await api.evict('minio', 'minio-0', { dryRun: true });

      const request = onlyRequest(requests, 'POST', '/api/v1/namespaces/minio/pods/minio-0/eviction');
      expect(JSON.parse(request.body)).toEqual({
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: 'minio-0', namespace: 'minio' },
      });
      expect(request.query.get('dryRun')).toBe('All');
    });

    it('throws EvictionBlockedError, not TransientError, when a PodDisruptionBudget refuses (429)', async () => {
      const { api } = await apiAnswering(() => [429, disruptionBudgetRefusal('minio', 4)]);

      expect(await rejectionOf(api.evict('minio', 'minio-0'))).toMatchObject({
        name: 'EvictionBlockedError',
        details: { operation: 'evict pod minio/minio-0', retryAfterSeconds: 10 },
      });
    });
  });

  describe('connection', () => {
    it('asks a connection source before every request, so a refreshed token is used at once', async () => {
      server = await startRecordingServer(() => [200, { kind: 'NodeList', items: [] }]);
      const url = server.url;
      let token = 'k8s-aws-v1.first';
      const api = createKubernetesApi(async (): Promise<KubernetesConnection> => ({ server: url, token }));

      await api.list(nodes.all());
      token = 'k8s-aws-v1.second';
      await api.list(nodes.all());

      expect(server.requests.map((request) => request.authorization)).toEqual([
        'Bearer k8s-aws-v1.first',
        'Bearer k8s-aws-v1.second',
      ]);
    });

    it('throws TransientError when the API server refuses the connection', async () => {
      const { api } = await apiAnswering(() => [200, {}]);
      await server?.close();

      expect(await rejectionOf(api.get(worker()))).toMatchObject({
        name: 'TransientError',
        message: expect.stringContaining('get deployment prefect/worker: Kubernetes API unreachable'),
      });
    });

    it('throws TransientError when the API server does not answer within the timeout', async () => {
      const { api } = await apiAnswering(() => 'hang', { timeoutMs: 100 });

      expect(await rejectionOf(api.list(nodes.all()))).toMatchObject({
        name: 'TransientError',
        message: 'list nodes: Kubernetes API unreachable: no complete answer within 100 ms',
      });
    });
  });
});
