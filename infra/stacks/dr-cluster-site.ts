import type { NodePoolName } from '../../cluster-manifests/src/scheduling.ts';
import { DEFAULT_REPOSITORY_PREFIXES } from '../../functions/core/dr/failover/gates/image-references.ts';
import type { ClusterConfig } from '../config/cluster-config.ts';
import { drClusterName } from '../config/dr-config.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import type { ClusterSite } from './cluster-site.ts';
import { drWorkloadIdentities } from './dr-cluster-identities.ts';

/**
 * Every pool has a node group in the standby cluster, created by its stack: the failover's capacity
 * gate requires each needed pool's group to exist (ACTIVE, maxSize enough), and scale-dr-node-groups
 * only updates groups (no CreateNodegroup, no iam:PassRole of the DR node role). On the primary the
 * compute group is the workflows' because spot-migration replaces it; no workflow replaces a group
 * of the DR cluster, so here the stack owns it. The storage pool holds PostgreSQL only (no MinIO on
 * the DR side), which the manifests pin to that pool as on the primary.
 */
export const DR_STACK_OWNED_POOLS = [
  'system',
  'storage',
  'compute',
] as const satisfies readonly NodePoolName[];

/** Pools that stand by empty: nothing runs on them until a failover applies the DR manifests. */
const EMPTY_AT_STANDBY: readonly NodePoolName[] = ['storage', 'compute'];

/**
 * The DR storage pool's failover size: PostgreSQL is its only workload there, one replica (the
 * DR_NODE_GROUP_SIZES of check-failover-gates and scale-dr-node-groups; the primary's storage size
 * would start a node per MinIO server that the DR side does not run).
 */
export const DR_FAILOVER_NODE_GROUP_SIZES: Readonly<Partial<Record<NodePoolName, number>>> = { storage: 1 };

/**
 * The standby's node groups at their minimum: the system pool at the primary's minSize (coredns,
 * the EBS CSI controller; dr-failback's standby returns it there), storage and compute at zero.
 * Instance types, disks and maxSize are the primary's, so a failover can reach the primary's sizes.
 */
export function drStandbyNodeGroups(primary: ClusterConfig['nodeGroups']): ClusterConfig['nodeGroups'] {
  const atMinimum = (pool: NodePoolName) => {
    const group = primary[pool];
    const minSize = EMPTY_AT_STANDBY.includes(pool) ? 0 : group.minSize;
    return { ...group, minSize, desiredSize: minSize };
  };
  return { system: atMinimum('system'), storage: atMinimum('storage'), compute: atMinimum('compute') };
}

/** Each pool's size at standby, `{"<pool>": <nodes>}`: where dr-failback's standby returns the groups. */
export function drStandbyNodeGroupSizes(primary: ClusterConfig['nodeGroups']): Record<NodePoolName, number> {
  const groups = drStandbyNodeGroups(primary);
  return { system: groups.system.minSize, storage: groups.storage.minSize, compute: groups.compute.minSize };
}

/** The standby EKS cluster in drRegion (issue 5): its own network, node groups at minimum, the DR identities, ECR pull-through. */
export function drClusterSite(config: EnvironmentConfig): ClusterSite {
  const { network } = config.dr;
  return {
    clusterName: drClusterName(config),
    resourcePrefix: `lakehouse-ops-${config.name}-dr-cluster`,
    cluster: {
      ...config.cluster,
      vpcCidr: network.vpcCidr,
      availabilityZones: network.availabilityZones,
      natGateways: network.natGateways,
      nodeGroups: drStandbyNodeGroups(config.cluster.nodeGroups),
    },
    stackOwnedPools: DR_STACK_OWNED_POOLS,
    identities: (scope) => drWorkloadIdentities(scope, config),
    pullThroughPrefixes: DEFAULT_REPOSITORY_PREFIXES,
  };
}
