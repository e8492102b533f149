import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { type DrainProgress, drainSourceBatch } from '../../../../../functions/core/cost/spot/drain.ts';
import type { SpotClusterDependencies } from '../../../../../functions/core/cost/spot/node-groups.ts';
import { planSpotMigration, type SpotMigrationPlan } from '../../../../../functions/core/cost/spot/plan.ts';
import { CORDONED_BY_ANNOTATION } from '../../../../../functions/core/cost/spot/pools.ts';
import {
  type SpotMigrationRequest,
  spotMigrationRequestSchema,
} from '../../../../../functions/core/cost/spot/request.ts';
import { type Retirement, retireSourceGroup } from '../../../../../functions/core/cost/spot/retire.ts';
import { checkTargetGroup, ensureTargetGroup } from '../../../../../functions/core/cost/spot/target-group.ts';
import { verifyMigration } from '../../../../../functions/core/cost/spot/verify.ts';
import { seedBudget } from '../../remediation/playbooks/kube-sim-cluster.ts';
import {
  CLUSTER,
  NODE_GROUP_LABEL,
  podsOnGroup,
  SPOT_TYPES,
  seedComputeWorkload,
  useSpotCluster,
  virtualTime,
} from './spot-cluster.ts';

const EXECUTION = 'spot-migration-test';

function request(overrides: Partial<SpotMigrationRequest> = {}): SpotMigrationRequest {
  return spotMigrationRequestSchema.parse({
    pool: 'compute',
    direction: 'to-spot',
    instanceTypes: SPOT_TYPES,
    dryRun: false,
    requestedBy: 'test',
    ...overrides,
  });
}

/** The drain loop as the workflow runs it: batch after batch until done or blocked. */
async function drainAll(dependencies: SpotClusterDependencies, plan: SpotMigrationPlan, timeoutSeconds = 5) {
  const time = virtualTime();
  let progress: DrainProgress = { next: 0, done: false, blocked: false, cordoned: [], results: [] };
  let calls = 0;
  while (!progress.done && !progress.blocked) {
    progress = await drainSourceBatch({ ...dependencies, now: time.now }, plan, {
      next: progress.next,
      results: progress.results,
      timeoutSeconds,
      sleep: time.sleep,
    });
    calls += 1;
    if (plan.dryRun && progress.next >= plan.sourceNodes.length) break;
  }
  return { progress, calls };
}

/** The retirement loop: one move per call until the old group is gone. */
async function retireAll(dependencies: SpotClusterDependencies, plan: SpotMigrationPlan): Promise<string[]> {
  const phases: string[] = [];
  let previous: Partial<Retirement> = {};
  for (let call = 0; call < 10 && previous.phase !== 'deleted'; call += 1) {
    previous = await retireSourceGroup(dependencies, plan, {
      executionId: EXECUTION,
      deadline: previous.deadline,
    });
    phases.push(previous.phase ?? '');
  }
  return phases;
}

/** Ensure, then poll the new group until it is ready, as the workflow does. */
async function bringUpTarget(dependencies: SpotClusterDependencies, plan: SpotMigrationPlan) {
  const ensured = await ensureTargetGroup(dependencies, plan, { executionId: EXECUTION });
  const checks = [];
  for (let poll = 0; poll < 5; poll += 1) {
    const readiness = await checkTargetGroup(dependencies, plan, new Date(ensured.deadline));
    checks.push(readiness);
    if (readiness.ready) break;
  }
  return { ensured, checks };
}

async function migrate(dependencies: SpotClusterDependencies, overrides: Partial<SpotMigrationRequest> = {}) {
  const plan = await planSpotMigration(dependencies, request(overrides));
  const target = await bringUpTarget(dependencies, plan);
  const drained = await drainAll(dependencies, plan);
  const retired = await retireAll(dependencies, plan);
  const verification = await verifyMigration(dependencies, plan);
  return { plan, target, drained, retired, verification };
}

describe('spot migration core', () => {
  const cluster = useSpotCluster();
  const nodesOf = (group: string) =>
    cluster.kube().list('v1', 'Node', undefined, `${NODE_GROUP_LABEL}=${group}`) as V1Node[];

  describe('planSpotMigration', () => {
    it('plans the compute pool onto a new spot group with the old group Nodes to drain', async () => {
      const plan = await planSpotMigration(cluster.dependencies(), request({ batchSize: 1 }));

      expect(plan).toMatchObject({
        cluster: CLUSTER,
        pool: 'compute',
        capacityType: 'SPOT',
        batchSize: 1,
        alreadyMigrated: false,
        source: {
          name: 'compute',
          capacityType: 'ON_DEMAND',
          scaling: { minSize: 0, maxSize: 6, desiredSize: 3 },
        },
        target: { name: 'compute-spot', capacityType: 'SPOT', exists: false, instanceTypes: SPOT_TYPES },
        sourceNodes: ['compute-0', 'compute-1', 'compute-2'],
      });
    });

    it.each(['storage', 'system'])('refuses to move the %s pool (stateful tier) to spot', async (name) => {
      await expect(planSpotMigration(cluster.dependencies(), request({ pool: name }))).rejects.toMatchObject({
        name: 'SpotMigrationRefusedError',
        message: expect.stringMatching(
          new RegExp(`pool ${name} stays on on-demand capacity: the ${name} pool runs`),
        ),
      });
    });

    it('refuses fewer than six instance types for spot, and says where they came from', async () => {
      const { instanceTypes: _omitted, ...withoutTypes } = request();

      await expect(planSpotMigration(cluster.dependencies(), withoutTypes)).rejects.toThrow(
        /a spot node group needs at least 6 instance types .* got 1 \(m6i\.xlarge\) \(taken from compute: pass instanceTypes\)/,
      );
    });

    it('refuses instance types of two architectures', async () => {
      const mixed = [...SPOT_TYPES.slice(0, 5), 'm7g.xlarge'];

      await expect(
        planSpotMigration(cluster.dependencies(), request({ instanceTypes: mixed })),
      ).rejects.toThrow(/instance types must share one architecture .*arm64: m7g\.xlarge/);
    });

    it('refuses a pool no node group carries, naming the groups there are', async () => {
      await expect(planSpotMigration(cluster.dependencies(), request({ pool: 'gpu' }))).rejects.toThrow(
        'no node group of cluster lakehouse-spot carries label lakehouse-ops.io/pool=gpu (groups: system (ON_DEMAND), storage (ON_DEMAND), compute (ON_DEMAND))',
      );
    });

    it('plans only a verification for a pool already on the target capacity', async () => {
      const plan = await planSpotMigration(
        cluster.dependencies(),
        request({ pool: 'storage', direction: 'to-on-demand', instanceTypes: undefined }),
      );

      expect(plan).toMatchObject({
        alreadyMigrated: true,
        sourceNodes: [],
        target: { name: 'storage', exists: true },
      });
      expect(plan.source).toBeUndefined();
    });
  });

  it('migrates the pool to spot: new group up first, Nodes drained in batches, old group scaled to zero and deleted', async () => {
    seedComputeWorkload(cluster.kube(), 'worker', 4);
    expect(podsOnGroup(cluster.kube(), 'compute')).toHaveLength(4);

    const { target, drained, retired, verification } = await migrate(cluster.dependencies());

    expect(target.ensured).toMatchObject({ name: 'compute-spot', created: true, uncordoned: [] });
    expect(target.checks.map((check) => check.ready)).toEqual([false, true]);
    expect(drained.calls).toBe(2);
    expect(drained.progress.results.map((result) => result.outcome)).toEqual([
      'drained',
      'drained',
      'drained',
    ]);
    expect(drained.progress.results.reduce((sum, result) => sum + result.evicted, 0)).toBe(4);
    expect(podsOnGroup(cluster.kube(), 'compute-spot')).toHaveLength(4);
    expect(retired).toEqual(['scaling', 'deleting', 'deleting', 'deleted']);
    expect(nodesOf('compute')).toEqual([]);
    expect(verification).toEqual({ passed: true, checks: expect.any(Array) });
    const spotNode = nodesOf('compute-spot')[0];
    expect(spotNode?.metadata?.labels).toMatchObject({
      'eks.amazonaws.com/capacityType': 'SPOT',
      'lakehouse-ops.io/pool': 'compute',
    });
    expect(spotNode?.spec?.taints).toEqual([{ key: 'dedicated', value: 'compute', effect: 'NoSchedule' }]);
  });

  it('stops at a Node whose PodDisruptionBudget refuses, forces nothing, and finishes on a re-run once it allows', async () => {
    seedComputeWorkload(cluster.kube(), 'worker', 2);
    seedBudget(cluster.kube(), 'prefect', 'worker', { minAvailable: 2 });
    const plan = await planSpotMigration(cluster.dependencies(), request());
    await bringUpTarget(cluster.dependencies(), plan);

    const { progress } = await drainAll(cluster.dependencies(), plan);

    expect(progress).toMatchObject({ blocked: true, done: false });
    const blocked = progress.results.filter((result) => result.outcome === 'blocked');
    expect(blocked[0]?.left[0]).toEqual({
      pod: expect.stringMatching(/^prefect\/worker-/),
      reason: 'blocked by PodDisruptionBudget prefect/worker (0 disruptions allowed, 2 healthy of 2 needed)',
    });
    expect(podsOnGroup(cluster.kube(), 'compute')).toHaveLength(2);
    // Every old Node is cordoned, and marked as the migration's.
    expect(
      nodesOf('compute').map((node) => [
        node.spec?.unschedulable,
        node.metadata?.annotations?.[CORDONED_BY_ANNOTATION],
      ]),
    ).toEqual([
      [true, 'spot-migration'],
      [true, 'spot-migration'],
      [true, 'spot-migration'],
    ]);
    await expect(
      retireSourceGroup(cluster.dependencies(), plan, { executionId: EXECUTION }),
    ).rejects.toMatchObject({
      name: 'SpotSourceNotDrainedError',
      message: expect.stringMatching(
        /node group compute is not drained, so it is not removed: compute-\d still runs prefect\/worker-/,
      ),
    });

    seedBudget(cluster.kube(), 'prefect', 'worker', { maxUnavailable: 1 });
    const rerun = await migrate(cluster.dependencies());

    expect(rerun.plan.target).toMatchObject({ name: 'compute-spot', exists: true });
    expect(rerun.target.ensured.created).toBe(false);
    expect(rerun.verification.passed).toBe(true);
    expect(podsOnGroup(cluster.kube(), 'compute-spot')).toHaveLength(2);
  });

  it('reverses a stopped migration: the old Nodes are uncordoned and the new group is drained away', async () => {
    seedComputeWorkload(cluster.kube(), 'worker', 2);
    seedBudget(cluster.kube(), 'prefect', 'worker', { minAvailable: 2 });
    const forward = await planSpotMigration(cluster.dependencies(), request());
    await bringUpTarget(cluster.dependencies(), forward);
    await drainAll(cluster.dependencies(), forward);
    seedBudget(cluster.kube(), 'prefect', 'worker', { maxUnavailable: 1 });

    const back = await migrate(cluster.dependencies(), {
      direction: 'to-on-demand',
      instanceTypes: undefined,
    });

    expect(back.plan).toMatchObject({
      source: { name: 'compute-spot' },
      target: { name: 'compute', exists: true },
    });
    expect(back.target.ensured.uncordoned).toEqual(['compute-0', 'compute-1', 'compute-2']);
    expect(back.verification.passed).toBe(true);
    expect(nodesOf('compute').every((node) => !node.spec?.unschedulable)).toBe(true);
    expect(podsOnGroup(cluster.kube(), 'compute')).toHaveLength(2);
    expect(nodesOf('compute-spot')).toEqual([]);
  });

  it('moves a migrated pool back to on-demand on a new group, and is a verified no-op when run again', async () => {
    seedComputeWorkload(cluster.kube(), 'worker', 2);
    await migrate(cluster.dependencies());

    const back = await migrate(cluster.dependencies(), {
      direction: 'to-on-demand',
      instanceTypes: undefined,
    });
    const again = await migrate(cluster.dependencies(), {
      direction: 'to-on-demand',
      instanceTypes: undefined,
    });

    expect(back.plan).toMatchObject({
      source: { name: 'compute-spot' },
      target: { name: 'compute-on-demand' },
    });
    expect(back.verification.passed).toBe(true);
    expect(again.plan.alreadyMigrated).toBe(true);
    expect(again.retired).toEqual(['deleted']);
    expect(again.verification.passed).toBe(true);
  });

  it('changes nothing in a dry run, and reports what each Node would lose and what would block', async () => {
    seedComputeWorkload(cluster.kube(), 'worker', 2);
    seedBudget(cluster.kube(), 'prefect', 'worker', { minAvailable: 2 });
    const plan = await planSpotMigration(cluster.dependencies(), request({ dryRun: true }));

    const { progress } = await drainAll(cluster.dependencies(), plan);

    expect(progress.blocked).toBe(false);
    expect(progress.results).toHaveLength(3);
    expect(progress.results.flatMap((result) => result.left.map((left) => left.reason))).toEqual([
      expect.stringMatching(/^blocked by PodDisruptionBudget prefect\/worker/),
      expect.stringMatching(/^blocked by PodDisruptionBudget prefect\/worker/),
    ]);
    expect(nodesOf('compute').some((node) => node.spec?.unschedulable)).toBe(false);
    await expect(ensureTargetGroup(cluster.dependencies(), plan, { executionId: EXECUTION })).rejects.toThrow(
      'a dry run creates no node group',
    );
  });

  it('gives up on a new group that is not ready by its deadline', async () => {
    const plan = await planSpotMigration(cluster.dependencies(), request());
    const { deadline } = await ensureTargetGroup(cluster.dependencies(), plan, { executionId: EXECUTION });
    const late = () => new Date(Date.parse(deadline) + 1000);

    await expect(
      checkTargetGroup(cluster.dependencies(late), plan, new Date(deadline)),
    ).rejects.toMatchObject({
      name: 'SpotNodeGroupTimeoutError',
      message: expect.stringContaining('node group compute-spot not ready by'),
    });
  });

  it('fails verification while a pod needing the pool is Pending', async () => {
    const { plan } = await migrate(cluster.dependencies());
    const worker = seedComputeWorkload(cluster.kube(), 'worker', 1);
    cluster.kube().apply({
      ...worker,
      spec: {
        ...worker.spec!,
        template: {
          ...worker.spec!.template,
          spec: {
            ...worker.spec!.template.spec!,
            containers: [{ name: 'main', image: 'nginx:1.27', resources: { requests: { cpu: '64' } } }],
          },
        },
      },
    } as never);

    const verification = await verifyMigration(cluster.dependencies(), plan);

    expect(verification.passed).toBe(false);
    expect(verification.checks.find((check) => check.name === 'pending-pods')?.detail).toMatch(
      /^1 pod\(s\) needing pool compute are Pending: prefect\/worker-/,
    );
  });
});
