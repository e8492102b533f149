import type { V1CronJob, V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { readAuditTrail } from '../../../../../functions/core/audit/audit-trail.ts';
import {
  applyNodeGroupChanges,
  applyWorkloadChanges,
} from '../../../../../functions/core/cost/off-hours/act.ts';
import {
  ASLEEP_REPLICAS_ANNOTATION,
  ASLEEP_SINCE_ANNOTATION,
  OFF_HOURS_ANNOTATION,
  WAKE_COMMAND_ANNOTATION,
} from '../../../../../functions/core/cost/off-hours/annotations.ts';
import { type OffHoursPlan, planOffHours } from '../../../../../functions/core/cost/off-hours/plan.ts';
import type { OffHoursRun } from '../../../../../functions/core/cost/off-hours/preflight.ts';
import {
  finishOffHours,
  saveSleepSnapshot,
} from '../../../../../functions/core/cost/off-hours/snapshot-steps.ts';
import { readSnapshot } from '../../../../../functions/core/cost/off-hours/snapshot-store.ts';
import { verifyOffHours } from '../../../../../functions/core/cost/off-hours/verify.ts';
import type { KubeObject } from '../../../../../local/kube-sim/index.ts';
import { CLUSTER, useOffHoursLakehouse } from './off-hours-lakehouse.ts';

/** Workloads beside the seeded platform: one annotated to stay, one CronJob that runs. */
const EXTRA_OBJECTS = (): KubeObject[] => [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'notebook', namespace: 'prefect', annotations: { [OFF_HOURS_ANNOTATION]: 'keep' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'notebook' } },
      template: {
        metadata: { labels: { app: 'notebook' } },
        spec: {
          nodeSelector: { 'lakehouse-ops.io/pool': 'system' },
          containers: [{ name: 'main', image: 'prefecthq/prefect:3.1.15-python3.12' }],
        },
      },
    },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'compaction', namespace: 's5cmd' },
    spec: {
      schedule: '0 3 * * *',
      suspend: false,
      jobTemplate: {
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 's5cmd', image: 'peakcom/s5cmd:v2.3.0' }] },
          },
        },
      },
    },
  },
];

const WORKERS = ['prefect-worker-default', 'prefect-worker-spot'];

describe('off-hours sleep and wake (kube-sim, aws-sim EKS, dynalite)', () => {
  const lakehouse = useOffHoursLakehouse(EXTRA_OBJECTS);
  const clock = () => new Date('2026-03-02T19:00:00.000Z');

  function run(action: 'sleep' | 'wake', dryRun = false): OffHoursRun {
    return {
      action,
      dryRun,
      requestedBy: 'test',
      environment: lakehouse.environment(),
      clusterName: CLUSTER,
    };
  }

  function dependencies() {
    return {
      kubernetes: lakehouse.api(),
      nodeGroups: lakehouse.nodeGroups(),
      snapshots: { ...lakehouse.snapshots(), clock },
      layout: lakehouse.layout,
      scope: lakehouse.scope,
      clock,
    };
  }

  /** The workflow's steps for one action, in its order; returns the plan. */
  async function execute(
    action: 'sleep' | 'wake',
    options: { dryRun?: boolean; stopAfterWorkloads?: boolean } = {},
  ) {
    const deps = dependencies();
    const executionId = `execution-${action}-${Math.random().toString(16).slice(2)}`;
    const plan = await planOffHours(run(action, options.dryRun), deps);
    if (plan.noop) return plan;
    let savedVersion: number | undefined;
    if (action === 'sleep' && !plan.dryRun) {
      savedVersion = (
        await saveSleepSnapshot(plan, executionId, { snapshots: deps.snapshots, audit: deps.snapshots })
      ).version;
    }
    if (action === 'wake') await applyNodeGroupChanges(plan, executionId, 60, deps);
    if (action === 'wake' && !plan.dryRun) await settled(plan, 'node-groups');
    await applyWorkloadChanges(plan, 60, deps);
    if (options.stopAfterWorkloads) return plan;
    if (action === 'sleep') await applyNodeGroupChanges(plan, executionId, 60, deps);
    if (plan.dryRun) return plan;
    await settled(plan, action === 'sleep' ? 'all' : 'workloads');
    await finishOffHours(plan, savedVersion, deps);
    return plan;
  }

  async function settled(plan: OffHoursPlan, phase: 'all' | 'node-groups' | 'workloads') {
    await lakehouse.sim().settle();
    const progress = await verifyOffHours(plan, phase, '2030-01-01T00:00:00.000Z', dependencies());
    expect(progress).toEqual({ complete: true, waiting: [] });
  }

  const deployment = (namespace: string, name: string) =>
    lakehouse.sim().get('apps/v1', 'Deployment', name, namespace) as V1Deployment;
  const statefulSet = (namespace: string, name: string) =>
    lakehouse.sim().get('apps/v1', 'StatefulSet', name, namespace) as V1StatefulSet;
  const cronJob = (namespace: string, name: string) =>
    lakehouse.sim().get('batch/v1', 'CronJob', name, namespace) as V1CronJob;
  const sizes = async () =>
    Object.fromEntries(
      (await lakehouse.nodeGroups().list()).map(({ name, minSize, desiredSize, maxSize }) => [
        name,
        [minSize, desiredSize, maxSize],
      ]),
    );
  const podCount = (namespace: string) => lakehouse.sim().list('v1', 'Pod', namespace).length;
  const nodeCount = (group: string) =>
    lakehouse.sim().list('v1', 'Node', undefined, `eks.amazonaws.com/nodegroup=${group}`).length;

  it('saves the exact counts, scales workers to zero, suspends CronJobs and shrinks compute to zero', async () => {
    const plan = await execute('sleep');

    const snapshot = await readSnapshot(lakehouse.snapshots(), lakehouse.environment());
    expect(snapshot).toMatchObject({ phase: 'asleep', version: 1, asleepAt: '2026-03-02T19:00:00.000Z' });
    expect(snapshot?.state).toEqual({
      workloads: [
        { kind: 'Deployment', namespace: 'prefect', name: 'prefect-worker-default', replicas: 2 },
        { kind: 'Deployment', namespace: 'prefect', name: 'prefect-worker-spot', replicas: 2 },
      ],
      cronJobs: [{ namespace: 's5cmd', name: 'compaction', suspend: false }],
      nodeGroups: [{ name: 'compute', minSize: 0, desiredSize: 3, maxSize: 10 }],
    });
    for (const worker of WORKERS) {
      expect(deployment('prefect', worker).spec?.replicas).toBe(0);
      expect(deployment('prefect', worker).metadata?.annotations).toMatchObject({
        [ASLEEP_SINCE_ANNOTATION]: '2026-03-02T19:00:00.000Z',
        [ASLEEP_REPLICAS_ANNOTATION]: '2',
        [WAKE_COMMAND_ANNOTATION]: `lakehouse-ops wake ${lakehouse.environment()}`,
      });
    }
    expect(cronJob('s5cmd', 'compaction').spec?.suspend).toBe(true);
    // The s5cmd template was suspended before: nothing to save or restore.
    expect(
      cronJob('s5cmd', 's5cmd-executor').metadata?.annotations?.[ASLEEP_SINCE_ANNOTATION],
    ).toBeUndefined();
    expect(await sizes()).toEqual({ system: [2, 2, 4], storage: [4, 4, 8], compute: [0, 0, 10] });
    expect(nodeCount('compute')).toBe(0);
    expect(plan.kept).toEqual(
      expect.arrayContaining([
        {
          kind: 'Deployment',
          namespace: 'prefect',
          name: 'prefect-server',
          reason: 'stateful tier: the Prefect server',
        },
        {
          kind: 'StatefulSet',
          namespace: 'prefect',
          name: 'prefect-postgresql',
          reason: 'stateful tier: postgresql',
        },
        {
          kind: 'Deployment',
          namespace: 'prefect',
          name: 'notebook',
          reason: `annotated ${OFF_HOURS_ANNOTATION}: keep`,
        },
      ]),
    );
    const trail = await readAuditTrail(lakehouse.snapshots(), 'off-hours', lakehouse.environment());
    expect(trail).toEqual([expect.objectContaining({ action: 'save-snapshot', after: snapshot?.state })]);
  });

  it('leaves the stateful tier and annotated workloads exactly as they were', async () => {
    const before = {
      server: deployment('prefect', 'prefect-server'),
      postgres: statefulSet('prefect', 'prefect-postgresql'),
      minio: statefulSet('minio', 'minio'),
      notebook: deployment('prefect', 'notebook'),
    };
    const minioPods = podCount('minio');

    await execute('sleep');

    expect(deployment('prefect', 'prefect-server').metadata?.resourceVersion).toBe(
      before.server.metadata?.resourceVersion,
    );
    expect(statefulSet('prefect', 'prefect-postgresql').metadata?.resourceVersion).toBe(
      before.postgres.metadata?.resourceVersion,
    );
    expect(statefulSet('minio', 'minio').metadata?.resourceVersion).toBe(
      before.minio.metadata?.resourceVersion,
    );
    expect(deployment('prefect', 'notebook').spec?.replicas).toBe(1);
    expect(podCount('minio')).toBe(minioPods);
    expect(nodeCount('storage')).toBe(4);
  });

  it('wakes node groups and workloads back to exactly what was saved and clears the snapshot', async () => {
    const initialSizes = await sizes();
    await execute('sleep');
    const plan = await execute('wake');

    expect(plan.changes.nodeGroups).toEqual([
      {
        name: 'compute',
        from: { minSize: 0, desiredSize: 0, maxSize: 10 },
        to: { minSize: 0, desiredSize: 3, maxSize: 10 },
      },
    ]);
    expect(await sizes()).toEqual(initialSizes);
    expect(nodeCount('compute')).toBe(3);
    for (const worker of WORKERS) {
      const restored = deployment('prefect', worker);
      expect(restored.spec?.replicas).toBe(2);
      expect(restored.status?.availableReplicas).toBe(2);
      expect(restored.metadata?.annotations?.[ASLEEP_SINCE_ANNOTATION]).toBeUndefined();
      expect(restored.metadata?.annotations?.[WAKE_COMMAND_ANNOTATION]).toBeUndefined();
    }
    expect(cronJob('s5cmd', 'compaction').spec?.suspend).toBe(false);
    expect(cronJob('s5cmd', 's5cmd-executor').spec?.suspend).toBe(true);
    expect(await readSnapshot(lakehouse.snapshots(), lakehouse.environment())).toBeUndefined();
  });

  it('does not overwrite the saved counts with zeros when sleep runs again on a sleeping environment', async () => {
    await execute('sleep');
    const first = await readSnapshot(lakehouse.snapshots(), lakehouse.environment());

    const second = await planOffHours(run('sleep'), dependencies());

    expect(second.noop).toMatch(/^already asleep since 2026-03-02T19:00:00.000Z/);
    expect(second.changes).toEqual({ workloads: [], cronJobs: [], nodeGroups: [] });
    expect(second.saved).toEqual(first?.state);
    expect(await readSnapshot(lakehouse.snapshots(), lakehouse.environment())).toEqual(first);
  });

  it('finishes a sleep that failed half-way from the counts saved before it failed', async () => {
    await execute('sleep', { stopAfterWorkloads: true });
    expect(deployment('prefect', 'prefect-worker-default').spec?.replicas).toBe(0);

    const rerun = await execute('sleep');

    expect(rerun.stateBefore).toBe('falling-asleep');
    expect(rerun.changes.workloads).toEqual([]);
    expect(rerun.changes.nodeGroups.map((change) => change.name)).toEqual(['compute']);
    const snapshot = await readSnapshot(lakehouse.snapshots(), lakehouse.environment());
    expect(snapshot).toMatchObject({ phase: 'asleep', version: 2 });
    expect(snapshot?.state.workloads.map((workload) => workload.replicas)).toEqual([2, 2]);

    await execute('wake');
    for (const worker of WORKERS) expect(deployment('prefect', worker).spec?.replicas).toBe(2);
  });

  it('adds a workload created during the night to the snapshot without touching the saved ones', async () => {
    await execute('sleep');
    lakehouse.sim().apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'late-arrival', namespace: 'prefect' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'late' } },
        template: {
          metadata: { labels: { app: 'late' } },
          spec: {
            nodeSelector: { 'lakehouse-ops.io/pool': 'system' },
            containers: [{ name: 'main', image: 'prefecthq/prefect:3.1.15-python3.12' }],
          },
        },
      },
    } as KubeObject);

    await execute('sleep');
    await execute('wake');

    expect(deployment('prefect', 'late-arrival').spec?.replicas).toBe(3);
    for (const worker of WORKERS) expect(deployment('prefect', worker).spec?.replicas).toBe(2);
  });

  it('refuses to wake or sleep a primary the DR fence holds, dry run included, and changes nothing', async () => {
    await execute('sleep');
    const fenced = deployment('prefect', 'prefect-worker-default');
    lakehouse.sim().apply({
      ...fenced,
      metadata: {
        ...fenced.metadata,
        annotations: {
          ...fenced.metadata?.annotations,
          'lakehouse-ops.io/fenced-by': 'failover-20260302',
          'lakehouse-ops.io/fenced-since': '2026-03-02T18:00:00.000Z',
        },
      },
    } as KubeObject);
    const snapshotBefore = await readSnapshot(lakehouse.snapshots(), lakehouse.environment());

    for (const [action, dryRun] of [
      ['wake', false],
      ['wake', true],
      ['sleep', false],
    ] as const) {
      await expect(planOffHours(run(action, dryRun), dependencies())).rejects.toMatchObject({
        name: 'EnvironmentFencedError',
        message: `off-hours ${action} of ${lakehouse.environment()} is refused: its primary is fenced by failover failover-20260302 (1 objects marked, first Deployment prefect/prefect-worker-default); lift the fence with dr-failback first`,
      });
    }
    expect(deployment('prefect', 'prefect-worker-default').spec?.replicas).toBe(0);
    expect(await readSnapshot(lakehouse.snapshots(), lakehouse.environment())).toEqual(snapshotBefore);
  });

  it('says so and changes nothing when asked to wake an environment that is not asleep', async () => {
    const plan = await execute('wake');

    expect(plan.noop).toBe(
      `${lakehouse.environment()} is not asleep (no saved off-hours state): nothing to wake`,
    );
    expect(deployment('prefect', 'prefect-worker-default').spec?.replicas).toBe(2);
  });

  it('changes nothing in a dry run, but has every Kubernetes change validated by the server', async () => {
    const before = deployment('prefect', 'prefect-worker-default').metadata?.resourceVersion;
    const initialSizes = await sizes();
    const plan = await planOffHours(run('sleep', true), dependencies());

    const workloads = await applyWorkloadChanges(plan, 60, dependencies());
    const nodeGroups = await applyNodeGroupChanges(plan, 'dry-run-execution', 60, dependencies());

    expect([...workloads.results, ...nodeGroups.results].map((result) => result.outcome)).toEqual([
      'dry-run',
      'dry-run',
      'dry-run',
      'dry-run',
    ]);
    expect(deployment('prefect', 'prefect-worker-default').metadata?.resourceVersion).toBe(before);
    expect(cronJob('s5cmd', 'compaction').spec?.suspend).toBe(false);
    expect(await sizes()).toEqual(initialSizes);
    expect(await readSnapshot(lakehouse.snapshots(), lakehouse.environment())).toBeUndefined();
  });

  it('keeps a zero pool up while it runs a pod that is not put to sleep, and names the pod', async () => {
    const [computeNode] = lakehouse
      .sim()
      .list('v1', 'Node', undefined, 'eks.amazonaws.com/nodegroup=compute');
    lakehouse.sim().apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug-shell', namespace: 'monitoring' },
      spec: {
        nodeName: computeNode?.metadata?.name,
        containers: [{ name: 'shell', image: 'grafana/grafana:11.4.0' }],
      },
    } as KubeObject);

    const plan = await planOffHours(run('sleep'), dependencies());

    expect(plan.changes.nodeGroups).toEqual([]);
    expect(plan.kept).toContainEqual({
      kind: 'NodeGroup',
      name: 'compute',
      reason: 'its nodes run pods that stay awake: monitoring/debug-shell',
    });
  });
});
