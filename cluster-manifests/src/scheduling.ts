import type { V1Affinity, V1PodSpec, V1Toleration } from '@kubernetes/client-node';
import { type AppIdentity, selectorLabels } from './metadata.ts';

/**
 * The cluster's node pools as pods see them. The ClusterStack's managed node groups must carry these
 * labels and taints (so must local/lakehouse/seed/node-pools.ts, which uses the same values):
 * - system: on-demand, untainted: the Prefect server, monitoring, controllers.
 * - storage: on-demand, storage-optimised, tainted so that only MinIO and PostgreSQL land there.
 * - compute: spot, tainted so that only interruptible work (Prefect workers and their flow runs,
 *   s5cmd Jobs) lands there and nothing stateful is ever reclaimed with a node.
 */
export const POOL_LABEL = 'lakehouse-ops.io/pool';
export const CAPACITY_TYPE_LABEL = 'eks.amazonaws.com/capacityType';
export const HOSTNAME_TOPOLOGY = 'kubernetes.io/hostname';
export const ZONE_TOPOLOGY = 'topology.kubernetes.io/zone';

export type NodePoolName = 'system' | 'storage' | 'compute';

export const POOL_TAINTS: Record<
  Exclude<NodePoolName, 'system'>,
  { key: string; value: string; effect: 'NoSchedule' }
> = {
  storage: { key: 'dedicated', value: 'storage', effect: 'NoSchedule' },
  compute: { key: 'dedicated', value: 'compute', effect: 'NoSchedule' },
};

function toleration(pool: Exclude<NodePoolName, 'system'>): V1Toleration {
  const { key, value, effect } = POOL_TAINTS[pool];
  return { key, operator: 'Equal', value, effect };
}

type Placement = Pick<V1PodSpec, 'nodeSelector' | 'tolerations' | 'affinity'>;

export function onSystemPool(): Placement {
  return { nodeSelector: { [POOL_LABEL]: 'system' } };
}

export function onStoragePool(): Placement {
  return { nodeSelector: { [POOL_LABEL]: 'storage' }, tolerations: [toleration('storage')] };
}

/**
 * The spot compute pool: required by pool label and tolerated taint; spot capacity preferred rather
 * than required, so that a pool temporarily falling back to on-demand still runs the work.
 */
export function onComputePool(): Placement {
  return {
    tolerations: [toleration('compute')],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: POOL_LABEL, operator: 'In', values: ['compute'] }] },
          ],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            preference: {
              matchExpressions: [{ key: CAPACITY_TYPE_LABEL, operator: 'In', values: ['SPOT'] }],
            },
          },
        ],
      },
    },
  };
}

/**
 * At most one replica per node (hard), spread over zones where possible (soft): losing a node then
 * costs one replica, which is what the workload's PodDisruptionBudget is sized for.
 */
export function oneReplicaPerNode(identity: AppIdentity): V1Affinity {
  const labelSelector = { matchLabels: selectorLabels(identity) };
  return {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: HOSTNAME_TOPOLOGY, labelSelector }],
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: ZONE_TOPOLOGY, labelSelector } },
      ],
    },
  };
}

/** A placement plus one-replica-per-node anti-affinity, keeping the placement's node affinity. */
export function spreadOnPool(placement: Placement, identity: AppIdentity): Placement {
  return { ...placement, affinity: { ...placement.affinity, ...oneReplicaPerNode(identity) } };
}
