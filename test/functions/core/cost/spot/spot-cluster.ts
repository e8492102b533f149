import { EKSClient } from '@aws-sdk/client-eks';
import type { V1Deployment, V1Node, V1Pod } from '@kubernetes/client-node';
import { afterEach, beforeEach } from 'vitest';
import { createKubernetesApi } from '../../../../../functions/commons/kubernetes/api.ts';
import type { SpotClusterDependencies } from '../../../../../functions/core/cost/spot/node-groups.ts';
import type { SpotMigrationPlan } from '../../../../../functions/core/cost/spot/plan.ts';
import { POOL_LABEL } from '../../../../../functions/core/cost/spot/pools.ts';
import type { NodeGroupConfig, NodeGroupScaler } from '../../../../../local/aws-sim/eks.ts';
import { type AwsSim, startAwsSim } from '../../../../../local/aws-sim/server.ts';
import { type KubeObject, type KubeSim, startKubeSim } from '../../../../../local/kube-sim/index.ts';
import { AWS_TEST_CREDENTIALS, TEST_REGION } from '../../../../functions/support/lambda.ts';
import { deployment } from '../../../../local/kube-sim/fixtures.ts';

/**
 * A cluster for the spot core: aws-sim's EKS node groups whose Nodes live in kube-sim (a scaler
 * that adds and removes a group's Nodes as its Auto Scaling group would, labelled and tainted as
 * EKS does), and builders for the lakehouse's pools and the workloads on them.
 */
export const CLUSTER = 'lakehouse-spot';
export const NODE_GROUP_LABEL = 'eks.amazonaws.com/nodegroup';
export const SPOT_TYPES = ['m6i.xlarge', 'm6a.xlarge', 'm5.xlarge', 'm5a.xlarge', 'm7i.xlarge', 'm7a.xlarge'];
export const COMPUTE_TAINT = { key: 'dedicated', value: 'compute', effect: 'NO_SCHEDULE' } as const;

const KUBERNETES_EFFECT = {
  NO_SCHEDULE: 'NoSchedule',
  NO_EXECUTE: 'NoExecute',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
} as const;

export function pool(
  name: string,
  capacityType: 'ON_DEMAND' | 'SPOT',
  desiredSize: number,
  extra: Partial<NodeGroupConfig> = {},
): NodeGroupConfig {
  return {
    name,
    instanceTypes: ['m6i.xlarge'],
    capacityType,
    minSize: 0,
    maxSize: 6,
    desiredSize,
    labels: { [POOL_LABEL]: name },
    ...extra,
  };
}

export const LAKEHOUSE_POOLS = (): NodeGroupConfig[] => [
  pool('system', 'ON_DEMAND', 2),
  pool('storage', 'ON_DEMAND', 2, {
    instanceTypes: ['i4i.xlarge'],
    taints: [{ ...COMPUTE_TAINT, value: 'storage' }],
  }),
  pool('compute', 'ON_DEMAND', 3, { taints: [COMPUTE_TAINT] }),
];

function kubeSimScaler(kube: () => KubeSim): NodeGroupScaler {
  return {
    async scale(_cluster, group, desiredSize) {
      const sim = kube();
      const members = (sim.list('v1', 'Node', undefined, `${NODE_GROUP_LABEL}=${group.name}`) as V1Node[])
        .map((node) => node.metadata?.name ?? '')
        .sort();
      for (let ordinal = members.length; ordinal < desiredSize; ordinal += 1) {
        sim.addNode({
          name: `${group.name}-${ordinal}`,
          nodeGroup: group.name,
          capacityType: group.capacityType,
          instanceType: group.instanceTypes[0],
          zone: `${TEST_REGION}${'abc'[ordinal % 3]}`,
          labels: { ...group.labels },
          taints: (group.taints ?? []).map((taint) => ({
            key: taint.key,
            ...(taint.value ? { value: taint.value } : {}),
            effect: KUBERNETES_EFFECT[taint.effect],
          })),
        });
      }
      for (const name of members.slice(desiredSize)) {
        for (const pod of sim.list('v1', 'Pod') as V1Pod[]) {
          if (pod.spec?.nodeName === name)
            sim.delete('v1', 'Pod', pod.metadata?.name ?? '', pod.metadata?.namespace);
        }
        sim.delete('v1', 'Node', name);
      }
      await sim.settle();
    },
  };
}

export interface SpotCluster {
  kube(): KubeSim;
  aws(): AwsSim;
  dependencies(now?: () => Date): SpotClusterDependencies;
}

/** A fresh cluster per test, its node groups `groups()` with their Nodes joined. */
export function useSpotCluster(groups: () => NodeGroupConfig[] = LAKEHOUSE_POOLS): SpotCluster {
  let kube: KubeSim | undefined;
  let aws: AwsSim | undefined;
  let eks: EKSClient | undefined;
  beforeEach(async () => {
    kube = await startKubeSim();
    const scaler = kubeSimScaler(() => kube!);
    const seeded = groups();
    aws = await startAwsSim({
      region: TEST_REGION,
      clusters: [{ name: CLUSTER, version: '1.31', endpoint: kube.url, nodeGroups: seeded }],
      nodeGroupScaler: scaler,
    });
    for (const group of seeded) await scaler.scale(CLUSTER, group, group.desiredSize);
    eks = new EKSClient({ endpoint: aws.url, region: TEST_REGION, credentials: AWS_TEST_CREDENTIALS });
  });
  afterEach(async () => {
    eks?.destroy();
    await aws?.stop();
    await kube?.stop();
  });
  const started = <Value>(value: Value | undefined): Value => {
    if (value === undefined) throw new Error('the spot cluster is used outside a test');
    return value;
  };
  return {
    kube: () => started(kube),
    aws: () => started(aws),
    dependencies: (now) => ({
      eks: started(eks),
      kubernetes: createKubernetesApi({ server: started(kube).url, token: started(kube).token }),
      clusterName: CLUSTER,
      nodeGroupLabel: NODE_GROUP_LABEL,
      ...(now ? { now } : {}),
    }),
  };
}

/** A Deployment of `replicas` pods that can only run on the compute pool, as the Prefect workers. */
export function seedComputeWorkload(sim: KubeSim, name: string, replicas: number): V1Deployment {
  const object = deployment(name, replicas);
  object.metadata = { ...object.metadata, namespace: 'prefect' };
  object.spec!.template.spec = {
    ...object.spec!.template.spec!,
    nodeSelector: { [POOL_LABEL]: 'compute' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'compute', effect: 'NoSchedule' }],
  };
  return sim.apply(object as KubeObject) as V1Deployment;
}

export function podsOnGroup(sim: KubeSim, group: string): V1Pod[] {
  const nodes = new Set(
    (sim.list('v1', 'Node', undefined, `${NODE_GROUP_LABEL}=${group}`) as V1Node[]).map(
      (node) => node.metadata?.name,
    ),
  );
  return (sim.list('v1', 'Pod', 'prefect') as V1Pod[]).filter((pod) => nodes.has(pod.spec?.nodeName));
}

/** A clock that only moves when something sleeps, so budget backoffs are instant. */
export function virtualTime(start = '2026-11-26T01:05:00Z') {
  let now = Date.parse(start);
  return {
    now: () => new Date(now),
    advance: (milliseconds: number) => {
      now += milliseconds;
    },
    sleep: async (milliseconds: number) => {
      now += milliseconds;
    },
  };
}

/** A plan of compute to spot over two Nodes, as PlanSpotMigration returns it. */
export function samplePlan(overrides: Partial<SpotMigrationPlan> = {}): SpotMigrationPlan {
  const scaling = { minSize: 0, maxSize: 6, desiredSize: 2 };
  return {
    cluster: 'lakehouse-test',
    pool: 'compute',
    direction: 'to-spot',
    capacityType: 'SPOT',
    dryRun: false,
    requestedBy: 'ops@example.com',
    batchSize: 2,
    source: {
      name: 'compute',
      capacityType: 'ON_DEMAND',
      status: 'ACTIVE',
      instanceTypes: ['m6i.xlarge'],
      scaling,
    },
    target: {
      name: 'compute-spot',
      capacityType: 'SPOT',
      status: 'ABSENT',
      instanceTypes: SPOT_TYPES,
      scaling,
      exists: false,
    },
    sourceNodes: ['compute-0', 'compute-1'],
    alreadyMigrated: false,
    ...overrides,
  };
}
