import type { Construct } from 'constructs';
import type { NodePoolName } from '../../cluster-manifests/src/scheduling.ts';
import type { RepositoryPrefixes } from '../../functions/core/dr/failover/gates/image-references.ts';
import type { ClusterConfig } from '../config/cluster-config.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { STACK_OWNED_POOLS } from './cluster-node-groups.ts';
import type { WorkloadIdentity } from './cluster-pod-identity.ts';
import { lakehouseWorkloadIdentities } from './lakehouse-workload-identities.ts';

/**
 * Which of an environment's two clusters a ClusterStack builds: the primary (this file) or the
 * standby in drRegion (dr-cluster-site.ts). One ClusterStack class builds both, so the standby has
 * the primary's encryption, logging, add-ons, launch templates and access model by construction.
 */
export interface ClusterSite {
  readonly clusterName: string;
  /** Key aliases: `lakehouse-ops-<env>-cluster` or `lakehouse-ops-<env>-dr-cluster`. */
  readonly resourcePrefix: string;
  /** Network, version, endpoint access, admins and node group sizes of this cluster. */
  readonly cluster: ClusterConfig;
  /** The pools whose node group the stack creates; workflows own the others (cluster-node-groups.ts). */
  readonly stackOwnedPools: readonly NodePoolName[];
  readonly identities: (scope: Construct) => WorkloadIdentity[];
  /** Upstream registry -> ECR prefix: pull-through cache rules in the cluster's region, pulled through by its nodes. */
  readonly pullThroughPrefixes?: RepositoryPrefixes;
}

export function primaryClusterSite(config: EnvironmentConfig): ClusterSite {
  return {
    clusterName: config.clusterName,
    resourcePrefix: `lakehouse-ops-${config.name}-cluster`,
    cluster: config.cluster,
    stackOwnedPools: STACK_OWNED_POOLS,
    identities: (scope) => lakehouseWorkloadIdentities(scope, config),
  };
}
