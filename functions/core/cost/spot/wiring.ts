import { eksClient } from '../../../commons/aws-clients.ts';
import { kubernetesApiFor } from '../../../commons/kubernetes-client.ts';
import { parsePlatformLayout } from '../../platform/layout.ts';
import type { SpotClusterDependencies } from './node-groups.ts';

/**
 * The clients the spot handlers share, built from their validated environment (the handlers stay
 * one call each; nothing here reads process.env).
 */
export function spotCluster(env: {
  readonly CLUSTER_NAME: string;
  readonly PLATFORM_LAYOUT?: string;
}): SpotClusterDependencies {
  return {
    eks: eksClient(),
    kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
    clusterName: env.CLUSTER_NAME,
    nodeGroupLabel: parsePlatformLayout(env.PLATFORM_LAYOUT).nodes.nodeGroupLabel,
  };
}
