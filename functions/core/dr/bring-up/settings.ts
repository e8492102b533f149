import { type DrSite, drClusterEnvironment } from '../../../../cluster-manifests/src/dr-environment.ts';
import type { ClusterEnvironment } from '../../../../cluster-manifests/src/environments.ts';
import type { PlatformLayout } from '../../platform/layout.ts';
import { clusterEnvironmentFrom, type NodeGroupSpec } from '../../provision/settings.ts';
import { neededPoolsFrom, repositoryPrefixesFrom } from '../failover/settings.ts';

/** The DR site as the bring-up handlers' environment names it (functions/commons/environment.ts). */
export function drSiteFrom(env: {
  DR_CLUSTER_NAME: string;
  DR_REGION: string;
  REPLICA_BUCKET_NAME: string;
  DR_OBJECT_STORE_ENDPOINT?: string;
  DR_ECR_REGISTRY_ID?: string;
  DR_IMAGE_REPOSITORY_PREFIXES?: string;
}): DrSite {
  // The images gate's registry and prefixes: the manifests then run exactly the images it checked.
  const imageRegistry = env.DR_ECR_REGISTRY_ID && {
    registryId: env.DR_ECR_REGISTRY_ID,
    region: env.DR_REGION,
    prefixes: repositoryPrefixesFrom(env.DR_IMAGE_REPOSITORY_PREFIXES),
  };
  return {
    clusterName: env.DR_CLUSTER_NAME,
    region: env.DR_REGION,
    replicaBucket: env.REPLICA_BUCKET_NAME,
    ...(env.DR_OBJECT_STORE_ENDPOINT ? { objectStoreEndpoint: env.DR_OBJECT_STORE_ENDPOINT } : {}),
    ...(imageRegistry ? { imageRegistry } : {}),
  };
}

/**
 * The DR node groups as the failover wants them: each pool at the size the gate checked
 * (neededPoolsFrom: the primary's desired size unless DR_NODE_GROUP_SIZES says otherwise), within
 * the primary's bounds widened to hold it, so ensureNodeGroups sets exactly what the gate judged.
 */
export function drNodeGroupSpecs(
  primaryPools: readonly NodeGroupSpec[],
  sizesVariable?: string,
): NodeGroupSpec[] {
  return neededPoolsFrom(primaryPools, sizesVariable).map(({ spec, size }) => ({
    ...spec,
    minSize: Math.min(spec.minSize, size),
    maxSize: Math.max(spec.maxSize, size),
    desiredSize: size,
  }));
}

/**
 * The DR cluster's manifests environment: the primary's (PROVISION_ENVIRONMENT with the layout)
 * moved to the DR site (drClusterEnvironment).
 */
export function drEnvironmentFrom(
  env: Parameters<typeof drSiteFrom>[0] & { PROVISION_ENVIRONMENT: string },
  layout: PlatformLayout,
): ClusterEnvironment {
  const primary = clusterEnvironmentFrom(env.PROVISION_ENVIRONMENT, env.DR_CLUSTER_NAME, layout);
  return drClusterEnvironment(primary, drSiteFrom(env));
}
