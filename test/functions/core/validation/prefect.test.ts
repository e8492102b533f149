import { beforeEach, describe, expect, it } from 'vitest';
import {
  ASLEEP_REPLICAS_ANNOTATION,
  ASLEEP_SINCE_ANNOTATION,
  WAKE_COMMAND_ANNOTATION,
} from '../../../../functions/core/cost/off-hours/annotations.ts';
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

describe('checkPrefect with off-hours', () => {
  let reader: FakeClusterReader;
  const check = () => checkPrefect({ reader, layout: defaultPlatformLayout });
  const asleep = (name: string, replicas: number) => {
    const worker = deployment('prefect', name, { replicas, labels: WORKER });
    worker.metadata!.annotations = {
      [ASLEEP_SINCE_ANNOTATION]: '2026-03-02T19:00:00.000Z',
      [ASLEEP_REPLICAS_ANNOTATION]: '2',
      [WAKE_COMMAND_ANNOTATION]: 'lakehouse-ops wake staging',
    };
    return worker;
  };

  beforeEach(() => {
    reader = new FakeClusterReader();
    reader.deployments = [deployment('prefect', 'prefect-server', { replicas: 3 })];
  });

  it('reports a worker the off-hours scale-down put at zero as asleep, naming the wake command, not FAILED', async () => {
    reader.deployments.push(asleep('prefect-worker-k8s', 0));

    const result = await check();

    expect(result).toMatchObject({
      status: 'PASSED',
      detail:
        'Prefect server has 3/3 available replicas and 0 worker Deployments are available; 1 asleep for off-hours (prefect-worker-k8s since 2026-03-02T19:00:00.000Z): wake early with lakehouse-ops wake staging',
      observations: {
        asleep: [
          {
            name: 'prefect-worker-k8s',
            since: '2026-03-02T19:00:00.000Z',
            replicasBefore: 2,
            wakeCommand: 'lakehouse-ops wake staging',
          },
        ],
      },
    });
  });

  it('still fails a worker scaled to zero without the off-hours mark', async () => {
    reader.deployments.push(
      asleep('prefect-worker-k8s', 0),
      deployment('prefect', 'prefect-worker-gpu', { replicas: 0, labels: WORKER }),
    );

    const result = await check();

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: 'Deployment prefect/prefect-worker-gpu is scaled to zero',
    });
  });

  it('judges a marked worker that was scaled up again like any other', async () => {
    const worker = asleep('prefect-worker-k8s', 2);
    worker.status = { replicas: 2, readyReplicas: 0, availableReplicas: 0 };
    reader.deployments.push(worker);

    const result = await check();

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: 'Deployment prefect/prefect-worker-k8s has 0 available replicas, needs 2',
    });
  });
});
