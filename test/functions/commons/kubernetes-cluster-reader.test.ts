import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKubernetesApi } from '../../../functions/commons/kubernetes/api.ts';
import { createClusterReader } from '../../../functions/commons/kubernetes-cluster-reader.ts';
import type { ClusterReader } from '../../../functions/core/kubernetes/cluster-reader.ts';
import { type FakeKubernetesApi, startFakeKubernetesApi } from '../support/fake-kubernetes-api.ts';
import { deployment, node, pod } from '../support/kubernetes-objects.ts';
import { rejectionOf } from '../support/rejection.ts';

describe('createClusterReader', () => {
  let api: FakeKubernetesApi;
  let reader: ClusterReader;

  beforeEach(async () => {
    api = await startFakeKubernetesApi();
    reader = createClusterReader(createKubernetesApi({ server: api.url, token: 'k8s-aws-v1.dGVzdA' }));
  });

  afterEach(() => api.close());

  it('lists every node across pages, sending the bearer token', async () => {
    api.objects.nodes = Array.from({ length: 1203 }, (_, index) => node(`node-${index}`));

    const nodes = await reader.listNodes();

    expect(nodes.map((item) => item.metadata?.name)).toEqual(
      api.objects.nodes.map((item) => item.metadata?.name),
    );
    expect(api.requests.filter((request) => request.path === '/api/v1/nodes')).toHaveLength(3);
    expect(api.requests.map((request) => request.query.get('limit'))).toEqual(['500', '500', '500']);
    expect(api.requests[0]?.authorization).toBe('Bearer k8s-aws-v1.dGVzdA');
  });

  it('lists pods and deployments by label selector', async () => {
    api.objects.pods = [pod('minio', 'minio-0', { labels: { app: 'minio' } }), pod('minio', 'other-0')];
    api.objects.deployments = [
      deployment('prefect', 'worker-a', { labels: { 'app.kubernetes.io/component': 'prefect-worker' } }),
      deployment('prefect', 'prefect-server'),
    ];

    const pods = await reader.listPods('minio', 'app=minio');
    const workers = await reader.listDeployments('prefect', 'app.kubernetes.io/component=prefect-worker');

    expect(pods.map((item) => item.metadata?.name)).toEqual(['minio-0']);
    expect(workers.map((item) => item.metadata?.name)).toEqual(['worker-a']);
    expect(api.requests.map((request) => request.query.get('labelSelector'))).toEqual([
      'app=minio',
      'app.kubernetes.io/component=prefect-worker',
    ]);
  });

  it('reads an existing object and resolves a missing one to undefined', async () => {
    api.objects.deployments = [deployment('prefect', 'prefect-server', { replicas: 3 })];

    expect((await reader.readDeployment('prefect', 'prefect-server'))?.spec?.replicas).toBe(3);
    expect(await reader.readStatefulSet('minio', 'minio')).toBeUndefined();
    expect(await reader.readServiceAccount('s5cmd', 's5cmd-executor')).toBeUndefined();
    expect(await reader.readCronJob('s5cmd', 's5cmd-executor')).toBeUndefined();
  });

  it('throws KubernetesApiError with the Status message when access is forbidden', async () => {
    api.failWith(
      '/apis/apps',
      403,
      'Forbidden',
      'deployments.apps is forbidden: User "lakehouse-ops" cannot get',
    );

    const error = await rejectionOf(reader.readDeployment('prefect', 'prefect-server'));

    expect(error).toMatchObject({
      name: 'KubernetesApiError',
      details: {
        httpStatusCode: 403,
        reason: 'Forbidden',
        operation: 'get deployment prefect/prefect-server',
      },
    });
    expect(error.message).toContain('cannot get');
  });

  it('throws TransientError when the API server is overloaded', async () => {
    api.failWith(
      '/api/v1/nodes',
      503,
      'ServiceUnavailable',
      'the server is currently unable to handle the request',
    );

    expect(await rejectionOf(reader.listNodes())).toMatchObject({ name: 'TransientError' });
  });

  it('throws TransientError when the API server refuses the connection', async () => {
    await api.close();

    expect(await rejectionOf(reader.listNodes())).toMatchObject({ name: 'TransientError' });
  });
});
