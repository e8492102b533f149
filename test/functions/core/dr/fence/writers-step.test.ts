import type { V1CronJob, V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createKubernetesApi } from '../../../../../functions/commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../../../functions/commons/kubernetes/resources.ts';
import { readFenceRecord } from '../../../../../functions/core/dr/fence/fence-store.ts';
import type { FenceKey } from '../../../../../functions/core/dr/fence/outcome.ts';
import {
  defaultWriterNamespaces,
  FENCED_BY_ANNOTATION,
  fenceWriters,
  liftWriters,
  savedWritersSchema,
  type WritersStepDependencies,
} from '../../../../../functions/core/dr/fence/writers-step.ts';
import type { KubeObject } from '../../../../../local/kube-sim/index.ts';
import { useOffHoursLakehouse } from '../../cost/off-hours/off-hours-lakehouse.ts';

/** Beside the seeded platform: a CronJob that runs and one suspended by its owners. */
const EXTRA_OBJECTS = (): KubeObject[] =>
  [
    { name: 'compaction', suspend: false },
    { name: 'manual-reindex', suspend: true },
  ].map(({ name, suspend }) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 's5cmd' },
    spec: {
      schedule: '0 3 * * *',
      suspend,
      jobTemplate: {
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 's5cmd', image: 'peakcom/s5cmd:v2.3.0' }] },
          },
        },
      },
    },
  }));

const WORKERS = ['prefect-worker-default', 'prefect-worker-spot'];

describe('fence step writers (kube-sim, dynalite)', () => {
  const lakehouse = useOffHoursLakehouse(EXTRA_OBJECTS);
  const key = (): FenceKey => ({
    environment: lakehouse.environment(),
    failoverId: '20260301T020000Z-a1b2c3',
    side: 'primary',
  });

  function dependencies(overrides: Partial<WritersStepDependencies> = {}): WritersStepDependencies {
    const api = lakehouse.api();
    return {
      kubernetes: api,
      probe: () => api.get(kubernetesResources.deployments.named('prefect', 'prefect-server')),
      table: lakehouse.snapshots(),
      layout: lakehouse.layout,
      namespaces: defaultWriterNamespaces(lakehouse.layout),
      clock: () => new Date('2026-03-01T02:05:00.000Z'),
      ...overrides,
    };
  }

  const deployment = (namespace: string, name: string) =>
    lakehouse.api().get<V1Deployment>(kubernetesResources.deployments.named(namespace, name));
  const cronJob = (name: string) =>
    lakehouse.api().get<V1CronJob>(kubernetesResources.cronJobs.named('s5cmd', name));
  const replicas = async (): Promise<Record<string, number | undefined>> =>
    Object.fromEntries(
      await Promise.all(
        WORKERS.map(async (name) => [name, (await deployment('prefect', name))?.spec?.replicas]),
      ),
    );

  it('scales the writers to zero and suspends CronJobs, leaves the stateful tier alone, and the lift gives back exactly what was there', async () => {
    const before = await replicas();
    expect(Object.values(before).every((count) => (count ?? 0) > 0)).toBe(true);
    const server = (await deployment('prefect', 'prefect-server'))?.spec?.replicas;

    const fenced = await fenceWriters(key(), dependencies());

    expect(fenced.status).toBe('fenced');
    expect(await replicas()).toEqual(Object.fromEntries(WORKERS.map((name) => [name, 0])));
    expect((await cronJob('compaction'))?.spec?.suspend).toBe(true);
    expect((await deployment('prefect', WORKERS[0]!))?.metadata?.annotations?.[FENCED_BY_ANNOTATION]).toBe(
      key().failoverId,
    );
    expect((await deployment('prefect', 'prefect-server'))?.spec?.replicas).toBe(server);
    const minio = await lakehouse
      .api()
      .get<V1StatefulSet>(kubernetesResources.statefulSets.named('minio', 'minio'));
    expect(minio?.spec?.replicas).toBe(4);
    expect(fenced.changes.map((change) => change.target)).not.toContain('Deployment prefect/prefect-server');
    const saved = await readFenceRecord(lakehouse.snapshots(), key(), 'writers', savedWritersSchema);
    expect(saved?.phase).toBe('fenced');
    expect(saved?.original.cronJobs).toEqual([{ namespace: 's5cmd', name: 'compaction', suspend: false }]);

    // A second fence finds everything at zero and keeps the saved counts.
    const again = await fenceWriters(key(), dependencies());
    expect(again.changes).toEqual([]);
    expect(
      (await readFenceRecord(lakehouse.snapshots(), key(), 'writers', savedWritersSchema))?.original,
    ).toEqual(saved?.original);

    const lifted = await liftWriters(key(), dependencies());

    expect(lifted.status).toBe('lifted');
    expect(await replicas()).toEqual(before);
    expect((await cronJob('compaction'))?.spec?.suspend).toBe(false);
    expect((await cronJob('manual-reindex'))?.spec?.suspend).toBe(true);
    expect(
      (await deployment('prefect', WORKERS[0]!))?.metadata?.annotations?.[FENCED_BY_ANNOTATION],
    ).toBeUndefined();
    expect((await readFenceRecord(lakehouse.snapshots(), key(), 'writers', savedWritersSchema))?.phase).toBe(
      'lifted',
    );
    expect((await liftWriters(key(), dependencies())).status).toBe('already-lifted');
  });

  it('continues after the Kubernetes API failed half-way, without losing the saved replica counts', async () => {
    const before = await replicas();
    const fault = lakehouse
      .sim()
      .faults.inject({ method: 'PATCH', pathPattern: `/deployments/${WORKERS[1]}`, status: 403, times: 1 });

    await expect(fenceWriters(key(), dependencies())).rejects.toThrow();
    expect(fault.hits).toBe(1);
    expect((await deployment('prefect', WORKERS[0]!))?.spec?.replicas).toBe(0);
    expect((await deployment('prefect', WORKERS[1]!))?.spec?.replicas).toBe(before[WORKERS[1]!]);

    const rerun = await fenceWriters(key(), dependencies());

    expect(rerun.status).toBe('fenced');
    expect(rerun.changes.map((change) => change.target)).toContain(`Deployment prefect/${WORKERS[1]}`);
    expect(rerun.changes.map((change) => change.target)).not.toContain(`Deployment prefect/${WORKERS[0]}`);
    const saved = await readFenceRecord(lakehouse.snapshots(), key(), 'writers', savedWritersSchema);
    for (const name of WORKERS)
      expect(saved?.original.workloads.find((workload) => workload.name === name)?.replicas).toBe(
        before[name],
      );
    await liftWriters(key(), dependencies());
    expect(await replicas()).toEqual(before);
  });

  it('reports an unreachable cluster instead of failing, and changes nothing', async () => {
    const lost = createKubernetesApi({ server: 'http://127.0.0.1:9', token: 'none' }, { timeoutMs: 500 });
    const result = await fenceWriters(
      key(),
      dependencies({
        kubernetes: lost,
        probe: () => lost.get(kubernetesResources.deployments.named('prefect', 'prefect-server')),
      }),
    );

    expect(result).toMatchObject({ status: 'unreachable', changes: [], saved: 0 });
    expect(result.detail).toContain('the Kubernetes API does not answer');
    expect(
      await readFenceRecord(lakehouse.snapshots(), key(), 'writers', savedWritersSchema),
    ).toBeUndefined();
  });

  it('throws, not `unreachable`, when the cluster answers but refuses the token', async () => {
    lakehouse.sim().faults.inject({ method: 'GET', pathPattern: 'prefect-server', status: 401 });
    await expect(fenceWriters(key(), dependencies())).rejects.toThrow(/401|Unauthorized/);
  });
});
