import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { scalePrefectWorkers } from '../../../../../functions/core/remediation/playbooks/scale-prefect-workers.ts';
import {
  playbookEvent,
  podsOf,
  seedDeployment,
  stored,
  targetIn,
  useKubeSimCluster,
} from './kube-sim-cluster.ts';

describe('scalePrefectWorkers', () => {
  const cluster = useKubeSimCluster();
  const workers = targetIn('Deployment', 'prefect-worker', 'prefect');
  const run = (params: Record<string, unknown>, dryRun = false) =>
    scalePrefectWorkers(playbookEvent(workers, { params, dryRun }), cluster.dependencies());
  const replicas = () =>
    stored<V1Deployment>(cluster.sim(), 'apps/v1', 'Deployment', 'prefect-worker', 'prefect')?.spec?.replicas;

  it('adds `step` workers and the new pods start', async () => {
    seedDeployment(cluster.sim(), 'prefect-worker', 'prefect', 2);

    const result = await run({ step: 2, max: 10 });

    expect(result).toMatchObject({
      outcome: 'CHANGED',
      detail: 'scaled Deployment prefect/prefect-worker from 2 to 4 workers (bound 10)',
      before: { replicas: 2 },
      after: { replicas: 4 },
      changes: [
        { kind: 'Deployment', namespace: 'prefect', name: 'prefect-worker', change: 'replicas 2 -> 4' },
      ],
    });
    expect(replicas()).toBe(4);
    expect(podsOf(cluster.sim(), 'prefect', 'app=prefect-worker')).toHaveLength(4);
  });

  it('stops at `max`', async () => {
    seedDeployment(cluster.sim(), 'prefect-worker', 'prefect', 4);

    const result = await run({ step: 3, max: 5 });

    expect(result.changes[0]?.change).toBe('replicas 4 -> 5');
    expect(replicas()).toBe(5);
  });

  it('changes nothing in a dry run', async () => {
    seedDeployment(cluster.sim(), 'prefect-worker', 'prefect', 2);

    const result = await run({ max: 10 }, true);

    expect(result).toMatchObject({
      outcome: 'DRY_RUN',
      detail: 'would scale Deployment prefect/prefect-worker from 2 to 3 workers (bound 10) (dry run)',
      after: { replicas: 3 },
    });
    expect(replicas()).toBe(2);
  });

  it('refuses at the bound', async () => {
    seedDeployment(cluster.sim(), 'prefect-worker', 'prefect', 3);

    const result = await run({ max: 3 });

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: 'Deployment prefect/prefect-worker already runs 3 workers, the bound is 3',
    });
  });

  it('refuses a worker put to sleep by the off-hours scale-down, naming the wake command', async () => {
    seedDeployment(cluster.sim(), 'prefect-worker', 'prefect', 0, (object) => {
      object.metadata!.annotations = {
        'lakehouse-ops.io/asleep-since': '2026-11-25T20:00:00Z',
        'lakehouse-ops.io/asleep-replicas': '2',
        'lakehouse-ops.io/wake-command': 'lakehouse-ops wake staging',
      };
    });

    const result = await run({ max: 3 });

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail:
        'Deployment prefect/prefect-worker is asleep for off-hours since 2026-11-25T20:00:00Z: its backlog waits for the wake-up (early: lakehouse-ops wake staging)',
    });
    expect(replicas()).toBe(0);
  });

  it('refuses a worker the DR fence stopped, naming the failover', async () => {
    seedDeployment(cluster.sim(), 'prefect-worker', 'prefect', 0, (object) => {
      object.metadata!.annotations = {
        'lakehouse-ops.io/fenced-by': 'failover-20261125',
        'lakehouse-ops.io/fenced-since': '2026-11-25T20:00:00Z',
      };
    });

    const result = await run({ max: 3 });

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail:
        'Deployment prefect/prefect-worker is fenced by failover failover-20261125 since 2026-11-25T20:00:00Z: its workers start again when dr-failback lifts the fence',
    });
    expect(replicas()).toBe(0);
  });

  it('refuses a worker Deployment that does not exist', async () => {
    const result = await run({ max: 3 });

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: 'Deployment prefect/prefect-worker does not exist',
    });
  });
});
