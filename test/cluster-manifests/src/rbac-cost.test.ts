import { EKSClient } from '@aws-sdk/client-eks';
import type { V1Node } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusterEnvironment,
  loadClusterEnvironment,
} from '../../../cluster-manifests/src/environments.ts';
import { buildEnvironment } from '../../../cluster-manifests/src/generate.ts';
import { lakehouseNamespaces } from '../../../cluster-manifests/src/namespaces.ts';
import { COST_GROUPS } from '../../../cluster-manifests/src/rbac.ts';
import { applyRightsizing } from '../../../functions/core/cost/apply/apply.ts';
import { planRightsizing } from '../../../functions/core/cost/apply/plan.ts';
import { rollbackRightsizing } from '../../../functions/core/cost/apply/rollback.ts';
import { applySettingsSchema } from '../../../functions/core/cost/apply/settings.ts';
import { applyWorkloadChanges } from '../../../functions/core/cost/off-hours/act.ts';
import { eksNodeGroupControl } from '../../../functions/core/cost/off-hours/node-groups.ts';
import { planOffHours } from '../../../functions/core/cost/off-hours/plan.ts';
import { offHoursSettingsSchema, resolveScope } from '../../../functions/core/cost/off-hours/settings.ts';
import { saveSnapshot } from '../../../functions/core/cost/off-hours/snapshot-store.ts';
import { verifyOffHours } from '../../../functions/core/cost/off-hours/verify.ts';
import type { WorkloadKind } from '../../../functions/core/cost/recommendation.ts';
import { kubernetesWorkloadSource } from '../../../functions/core/cost/rightsizing/workloads.ts';
import { drainSourceBatch } from '../../../functions/core/cost/spot/drain.ts';
import { drainInterruptedNode, findInterruptedNode } from '../../../functions/core/cost/spot/interruption.ts';
import { spotInterruptionEventSchema } from '../../../functions/core/cost/spot/interruption-event.ts';
import type { SpotClusterDependencies } from '../../../functions/core/cost/spot/node-groups.ts';
import { planSpotMigration } from '../../../functions/core/cost/spot/plan.ts';
import { spotMigrationRequestSchema } from '../../../functions/core/cost/spot/request.ts';
import { retireSourceGroup } from '../../../functions/core/cost/spot/retire.ts';
import { checkTargetGroup, ensureTargetGroup } from '../../../functions/core/cost/spot/target-group.ts';
import { verifyMigration } from '../../../functions/core/cost/spot/verify.ts';
import { type AwsSim, startAwsSim } from '../../../local/aws-sim/server.ts';
import type { KubeObject } from '../../../local/kube-sim/index.ts';
import { instanceIdOf } from '../../../local/kube-sim/nodes.ts';
import { KUBERNETES_VERSION, POOL_LABEL } from '../../../local/lakehouse/seed/node-pools.ts';
import { recommendationFor } from '../../functions/core/cost/apply/rightsizing-fixtures.ts';
import { spotInterruptionWarning } from '../../functions/core/cost/spot/spot-events.ts';
import {
  seedBudget,
  seedDeployment,
  seedStatefulSet,
} from '../../functions/core/remediation/playbooks/kube-sim-cluster.ts';
import { AWS_TEST_CREDENTIALS } from '../../functions/support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../functions/support/local-dynamodb.ts';
import { deployment } from '../../local/kube-sim/fixtures.ts';
import { environmentNodePools, type RbacCluster, startRbacCluster } from '../support/rbac-cluster.ts';

/**
 * The cost workflows' Kubernetes groups (cluster-manifests/src/rbac.ts COST_GROUPS) against the
 * calls their steps really make: each step's core runs as its group against an environment's
 * manifests in kube-sim with RBAC on, EKS in aws-sim (node groups like the environment's), the ops
 * table on dynalite. No call may be refused, and every grant must be used, in every namespace it is
 * granted in. A Deployment `rbac-web`, a StatefulSet `rbac-db` and a CronJob `rbac-cron` in each
 * namespace a workflow acts in give it something to act on everywhere it is allowed to.
 */
const NOW = new Date('2026-11-30T02:00:00.000Z');

function manifestsOf(environment: ClusterEnvironment) {
  return buildEnvironment(environment.name).files.flatMap((file) => file.documents);
}

/** A CronJob whose pod template is kube-sim's Deployment fixture's (container `main`, 100m / 128Mi, 256Mi). */
function cronJob(name: string, namespace: string): KubeObject {
  const template = deployment(name, 1).spec?.template;
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: { template: { ...template, spec: { ...template?.spec, restartPolicy: 'Never' } } },
      },
    },
  } as unknown as KubeObject;
}

function seedWorkloads(cluster: RbacCluster, namespaces: readonly string[]): void {
  for (const namespace of namespaces) {
    seedDeployment(cluster.sim, 'rbac-web', namespace, 1);
    seedStatefulSet(cluster.sim, 'rbac-db', namespace, 1, (set) => {
      const spec = set.spec?.template.spec;
      // The same container as the Deployment fixture's, so one recommendation fits every kind.
      const [container] = deployment('rbac-db', 1).spec?.template.spec?.containers ?? [];
      if (spec && container) spec.containers = [container];
    });
    cluster.sim.apply(cronJob('rbac-cron', namespace));
  }
}

/** EKS of the environment's cluster, its node groups the ones whose Nodes the RBAC cluster holds. */
async function startEks(environment: ClusterEnvironment, cluster: RbacCluster, extra: object[] = []) {
  const aws = await startAwsSim({
    region: environment.region,
    clusters: [
      {
        name: environment.clusterName,
        version: KUBERNETES_VERSION,
        endpoint: cluster.sim.url,
        nodeGroups: [...environmentNodePools(environment), ...(extra as never[])],
      },
    ],
  });
  const eks = new EKSClient({
    endpoint: aws.url,
    region: environment.region,
    credentials: AWS_TEST_CREDENTIALS,
  });
  return { aws, eks };
}

function useRbacEnvironment(
  name: string,
  seed: (cluster: RbacCluster, environment: ClusterEnvironment) => void,
) {
  const environment = loadClusterEnvironment(name);
  const state: { cluster?: RbacCluster; aws?: AwsSim; eks?: EKSClient } = {};
  beforeAll(async () => {
    state.cluster = await startRbacCluster(environment, manifestsOf(environment));
    seed(state.cluster, environment);
    await state.cluster.sim.settle();
    Object.assign(
      state,
      await startEks(environment, state.cluster, [
        // The pool's other capacity type, empty: the spot migration's destination.
        {
          name: 'compute-on-demand',
          instanceTypes: ['m6i.2xlarge'],
          capacityType: 'ON_DEMAND',
          minSize: 0,
          maxSize: 3,
          desiredSize: 0,
          labels: { [POOL_LABEL]: 'compute' },
        },
      ]),
    );
  }, 120_000);
  afterAll(async () => {
    state.eks?.destroy();
    await state.aws?.stop();
    await state.cluster?.sim.stop();
  });
  const started = () => {
    if (!state.cluster || !state.eks)
      throw new Error('the RBAC cluster is used before its beforeAll hook ran');
    return { cluster: state.cluster, eks: state.eks };
  };
  return { environment, started };
}

function expectExactly(cluster: RbacCluster, group: string, from: number): void {
  expect(cluster.denialsOf(group, from)).toEqual([]);
  expect(cluster.unusedGrantsOf(group)).toEqual([]);
}

describe('rbac of cost-optimise and spot (production)', () => {
  const { environment, started } = useRbacEnvironment('production', (cluster, environment) => {
    seedWorkloads(cluster, lakehouseNamespaces(environment));
    // A worker on the compute pool whose budget allows no eviction: the drains meet it.
    seedDeployment(cluster.sim, 'rbac-batch', environment.layout.prefect.namespace, 2, (object) => {
      const spec = object.spec?.template.spec;
      if (spec) spec.nodeSelector = { [POOL_LABEL]: 'compute' };
    });
    seedBudget(cluster.sim, environment.layout.prefect.namespace, 'rbac-batch', { maxUnavailable: 0 });
  });
  const dynamo = useLocalDynamoDb();
  const namespaces = lakehouseNamespaces(environment);
  const table = () => ({ dynamoDb: dynamo.client(), tableName: OPS_TABLE });
  const kinds: WorkloadKind[] = ['Deployment', 'StatefulSet', 'CronJob'];
  const names: Record<string, string> = {
    Deployment: 'rbac-web',
    StatefulSet: 'rbac-db',
    CronJob: 'rbac-cron',
  };

  it('lets right-sizing recommend for every namespace and plan, apply and roll back in the lakehouse ones, and no more', async () => {
    const { cluster } = started();
    const readFrom = cluster.sim.rbac.decisions.length;
    const reader = cluster.kubernetesAs(COST_GROUPS.rightsizing);
    // recommend: every namespace (none named), then a named scope.
    const everywhere = await kubernetesWorkloadSource(reader).discover([]);
    await kubernetesWorkloadSource(reader).discover(namespaces);
    const found = everywhere.workloads.map(
      (workload) => `${workload.namespace}/${workload.kind}/${workload.name}`,
    );
    for (const namespace of namespaces)
      for (const kind of kinds) expect(found).toContain(`${namespace}/${kind}/${names[kind]}`);

    const recommendations = [
      ...namespaces.flatMap((namespace) =>
        kinds.map((kind) => recommendationFor({ namespace, kind, name: names[kind] ?? '' })),
      ),
      // Recommended for, never changed: the plan skips it without a call.
      recommendationFor({ namespace: 'kube-system', name: 'coredns' }),
    ];
    const settings = applySettingsSchema.parse({ mode: 'on', requireApproval: true });
    const plan = await planRightsizing(
      {
        kubernetes: reader,
        history: table(),
        layout: environment.layout,
        settings,
        environment: environment.name,
        now: NOW,
      },
      { recommendations, dryRun: false, executionId: 'rbac-cost' },
    );
    expect(plan.changes).toHaveLength(namespaces.length * kinds.length);
    expect(plan.skipped.map((skipped) => skipped.reason)).toEqual([
      expect.stringMatching(/changes only the lakehouse namespaces .*kube-system is not one of them/),
    ]);
    expectExactly(cluster, COST_GROUPS.rightsizing, readFrom);

    const changeFrom = cluster.sim.rbac.decisions.length;
    const changer = {
      kubernetes: cluster.kubernetesAs(COST_GROUPS.rightsizingChange),
      history: table(),
      audit: table(),
      now: NOW,
    };
    const applied = await applyRightsizing(changer, {
      plan,
      approval: { status: 'APPROVED', approver: 'ops@example.com' },
      requestedBy: 'schedule',
      executionId: 'rbac-cost',
    });
    expect(applied.skipped).toEqual([]);
    expect(applied.applied).toHaveLength(plan.changes.length);
    const rollback = await rollbackRightsizing(changer, {
      applied: applied.applied,
      verdicts: [],
      rollbackAllReason: 'the watch failed',
      executionId: 'rbac-cost',
    });
    expect(rollback.rolledBack).toHaveLength(plan.changes.length);
    expectExactly(cluster, COST_GROUPS.rightsizingChange, changeFrom);
  });

  const spotDependencies = (group: string): SpotClusterDependencies => {
    const { cluster, eks } = started();
    return {
      eks,
      kubernetes: cluster.kubernetesAs(group),
      clusterName: environment.clusterName,
      nodeGroupLabel: environment.layout.nodes.nodeGroupLabel,
      now: () => NOW,
    };
  };
  /** Budget backoffs pass in no time: each sleep moves this clock. */
  const virtualClock = () => {
    let now = NOW.getTime();
    const sleep = async (milliseconds: number) => {
      now += milliseconds;
    };
    return { now: () => new Date(now), sleep };
  };

  it('lets spot-interruption find the Node of an instance and drain it through evictions, and no more', async () => {
    const { cluster } = started();
    const from = cluster.sim.rbac.decisions.length;
    const [node] = (cluster.sim.list('v1', 'Node') as V1Node[]).filter(
      (candidate) => candidate.metadata?.labels?.[POOL_LABEL] === 'compute',
    );
    if (!node) throw new Error('the compute pool has no Node');
    const instanceId = instanceIdOf(node.metadata?.name ?? '');
    const event = spotInterruptionEventSchema.parse(spotInterruptionWarning(instanceId, NOW.toISOString()));
    const found = await findInterruptedNode(cluster.kubernetesAs(COST_GROUPS.spotInterruption), event, {
      nodeGroupLabel: environment.layout.nodes.nodeGroupLabel,
      clusterName: environment.clusterName,
    });
    expect(found.node).toBe(node.metadata?.name);
    expectExactly(cluster, COST_GROUPS.spotInterruption, from);

    const clock = virtualClock();
    const drain = await drainInterruptedNode(
      cluster.kubernetesAs(COST_GROUPS.spotDrain),
      { ...found, node: found.node ?? '' },
      clock,
    );
    expect(drain.cordoned).toBe(true);
    expect(cluster.denialsOf(COST_GROUPS.spotDrain, from)).toEqual([]);
  });

  it('lets spot-migration plan, drain, retire, verify and reverse a pool, each step as its own group, and no more', async () => {
    const { cluster } = started();
    const from = cluster.sim.rbac.decisions.length;
    const request = (direction: 'to-on-demand' | 'to-spot') =>
      spotMigrationRequestSchema.parse({
        pool: 'compute',
        direction,
        dryRun: false,
        requestedBy: 'ops@example.com',
      });
    const plan = await planSpotMigration(
      spotDependencies(COST_GROUPS.spotMigration),
      request('to-on-demand'),
    );
    expect(plan.sourceNodes.length).toBeGreaterThan(0);
    await ensureTargetGroup(spotDependencies(COST_GROUPS.spotUncordon), plan, { executionId: 'rbac-cost' });
    await checkTargetGroup(
      spotDependencies(COST_GROUPS.spotMigration),
      plan,
      new Date(NOW.getTime() + 60_000),
    );

    const clock = virtualClock();
    const drained = await drainSourceBatch(
      { ...spotDependencies(COST_GROUPS.spotDrain), now: clock.now },
      plan,
      {
        next: 0,
        results: [],
        timeoutSeconds: 5,
        sleep: clock.sleep,
      },
    );
    expect(drained.results.map((result) => result.outcome)).toContain('blocked');
    await expect(
      retireSourceGroup(spotDependencies(COST_GROUPS.spotMigration), plan, { executionId: 'rbac-cost' }),
    ).rejects.toThrow(/is not drained/);
    await verifyMigration(spotDependencies(COST_GROUPS.spotMigration), plan);
    expectExactly(cluster, COST_GROUPS.spotMigration, from);
    expectExactly(cluster, COST_GROUPS.spotDrain, from);

    // Reversed: the old group is the destination again, and its Nodes the migration cordoned are freed.
    const reverse = await planSpotMigration(spotDependencies(COST_GROUPS.spotMigration), request('to-spot'));
    const ensured = await ensureTargetGroup(spotDependencies(COST_GROUPS.spotUncordon), reverse, {
      executionId: 'rbac-cost-reverse',
    });
    expect(ensured.uncordoned.length).toBeGreaterThan(0);
    expectExactly(cluster, COST_GROUPS.spotUncordon, from);
  });
});

describe('rbac of off-hours (development)', () => {
  const { environment, started } = useRbacEnvironment('development', (cluster, environment) =>
    seedWorkloads(cluster, environment.offHoursNamespaces),
  );
  const dynamo = useLocalDynamoDb();
  const scope = resolveScope(offHoursSettingsSchema.parse({}), environment.layout);
  const run = (action: 'sleep' | 'wake') => ({
    action,
    dryRun: false,
    requestedBy: 'schedule',
    environment: environment.name,
    clusterName: environment.clusterName,
  });

  it('grants off-hours its scope: the namespaces its settings name', () => {
    expect(environment.offHoursNamespaces).toEqual(scope.namespaces);
  });

  it('lets off-hours put the scope to sleep and wake it, planning and checking as one group and scaling as another, and no more', async () => {
    const { cluster, eks } = started();
    const from = cluster.sim.rbac.decisions.length;
    const nodeGroups = eksNodeGroupControl({ eks, clusterName: environment.clusterName });
    const snapshots = { dynamoDb: dynamo.client(), tableName: OPS_TABLE };
    const reader = {
      kubernetes: cluster.kubernetesAs(COST_GROUPS.offHours),
      nodeGroups,
      layout: environment.layout,
    };
    const scaler = { kubernetes: cluster.kubernetesAs(COST_GROUPS.offHoursScale), nodeGroups };
    const deadline = new Date(Date.now() + 3_600_000).toISOString();

    const sleep = await planOffHours(run('sleep'), { ...reader, snapshots, scope });
    const slept = sleep.changes.workloads.map(
      (change) => `${change.namespace}/${change.kind}/${change.name}`,
    );
    for (const namespace of scope.namespaces) {
      expect(slept).toEqual(
        expect.arrayContaining([`${namespace}/Deployment/rbac-web`, `${namespace}/StatefulSet/rbac-db`]),
      );
    }
    await saveSnapshot(snapshots, {
      environment: environment.name,
      state: sleep.saved,
      expectedVersion: sleep.snapshotVersion,
      executionId: 'rbac-cost-sleep',
    });
    const asleep = await applyWorkloadChanges(sleep, scope.rolloutTimeoutSeconds, scaler);
    expect(asleep.results.every((result) => result.outcome === 'changed')).toBe(true);
    await cluster.sim.settle();
    // The node groups are resized through EKS only (resize-off-hours-node-groups, no access entry).
    expect((await verifyOffHours(sleep, 'workloads', deadline, reader)).waiting).toEqual([]);

    const wake = await planOffHours(run('wake'), { ...reader, snapshots, scope });
    expect(wake.missing).toEqual([]);
    const awake = await applyWorkloadChanges(wake, scope.rolloutTimeoutSeconds, scaler);
    expect(awake.results.length).toBe(sleep.changes.workloads.length + sleep.changes.cronJobs.length);
    // Before the controllers run, the rollouts are still waiting for their pods.
    expect((await verifyOffHours(wake, 'workloads', deadline, reader)).complete).toBe(false);

    expectExactly(cluster, COST_GROUPS.offHours, from);
    expectExactly(cluster, COST_GROUPS.offHoursScale, from);
  });
});

describe('rbac of off-hours (production)', () => {
  it('grants off-hours nothing where the environment never sleeps', () => {
    const environment = loadClusterEnvironment('production');
    const bound = manifestsOf(environment).filter((object) =>
      [COST_GROUPS.offHours, COST_GROUPS.offHoursScale].includes(object.metadata.name as never),
    );
    expect(environment.offHoursNamespaces).toEqual([]);
    expect(bound).toEqual([]);
  });
});
