import { beforeEach, describe, expect, it } from 'vitest';
import { defaultPlatformLayout } from '../../../../functions/core/platform/layout.ts';
import { checkPrefect } from '../../../../functions/core/validation/prefect.ts';
import { FakeClusterReader } from '../../support/fake-cluster-reader.ts';
import { deployment } from '../../support/kubernetes-objects.ts';

const WORKER = { 'app.kubernetes.io/component': 'prefect-worker' };

describe('checkPrefect', () => {
  let reader: FakeClusterReader;
  const check = () => checkPrefect({ reader, layout: defaultPlatformLayout });

  beforeEach(() => {
    reader = new FakeClusterReader();
    reader.deployments = [
      deployment('prefect', 'prefect-server', { replicas: 3 }),
      deployment('prefect', 'prefect-worker-k8s', { replicas: 2, labels: WORKER }),
    ];
  });

  it('passes when the server has its 3 replicas and every worker is fully available', async () => {
    const result = await check();

    expect(result).toMatchObject({
      name: 'prefect',
      status: 'PASSED',
      observations: {
        server: { name: 'prefect-server', requiredReplicas: 3, available: 3 },
        workers: [{ name: 'prefect-worker-k8s', desired: 2, available: 2 }],
      },
    });
  });

  it('fails when the server has fewer available replicas than the layout requires', async () => {
    reader.deployments[0] = deployment('prefect', 'prefect-server', { replicas: 3, available: 2 });

    const result = await check();

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: 'Deployment prefect/prefect-server has 2 available replicas, needs 3',
    });
  });

  it('fails when a worker is not fully available', async () => {
    reader.deployments.push(
      deployment('prefect', 'prefect-worker-gpu', { replicas: 2, available: 1, labels: WORKER }),
    );

    const result = await check();

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: 'Deployment prefect/prefect-worker-gpu has 1 available replicas, needs 2',
    });
  });

  it('fails when no worker Deployment matches the selector', async () => {
    reader.deployments = [deployment('prefect', 'prefect-server', { replicas: 3 })];

    const result = await check();

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: 'no worker Deployments match app.kubernetes.io/component=prefect-worker in namespace prefect',
    });
  });

  it('fails when the server Deployment is missing', async () => {
    reader.deployments = reader.deployments.slice(1);

    const result = await check();

    expect(result).toMatchObject({ status: 'FAILED', detail: 'Deployment prefect/prefect-server not found' });
  });
});
