import type { PlatformLayout } from '../../functions/core/platform/layout.ts';
import type { AwsSim } from '../aws-sim/server.ts';
import type { KubeSim } from '../kube-sim/index.ts';

/**
 * Turns the seeded cluster into one the provision workflow has to build: the lakehouse namespaces
 * and everything in them are deleted (the namespace controller removes their contents), and the
 * node groups no longer match the environment's configuration: `removedNodeGroup` is deleted
 * (provision creates it again) while the others keep their seeded sizes. What stays is what the
 * ClusterStack provides: an ACTIVE cluster with at least one node group.
 */
export interface EmptyClusterOptions {
  readonly kube: KubeSim;
  readonly awsSim: AwsSim;
  readonly clusterName: string;
  readonly layout: PlatformLayout;
  readonly removedNodeGroup?: string;
}

export async function emptyCluster(options: EmptyClusterOptions): Promise<void> {
  const { kube, layout } = options;
  for (const namespace of [layout.prefect, layout.minio, layout.s5cmd, layout.monitoring].map(
    (part) => part.namespace,
  )) {
    if (kube.get('v1', 'Namespace', namespace)) kube.delete('v1', 'Namespace', namespace);
  }
  await kube.settle();
  const remaining = [layout.prefect, layout.minio, layout.s5cmd, layout.monitoring].filter((part) =>
    kube.get('v1', 'Namespace', part.namespace),
  );
  if (remaining.length > 0) {
    throw new Error(
      `emptyCluster: namespaces still present: ${remaining.map((part) => part.namespace).join(', ')}`,
    );
  }
  if (options.removedNodeGroup) {
    await options.awsSim.eks.removeNodeGroup(options.clusterName, options.removedNodeGroup);
  }
}
