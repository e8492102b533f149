import type { PlatformLayout } from '../../functions/core/platform/layout.ts';
import type { NodeGroupConfig, NodeGroupScaler } from '../aws-sim/eks.ts';
import type { KubeSim, Node, Pod } from '../kube-sim/index.ts';
import { NODE_POOLS, nodeName, poolNode } from './seed/node-pools.ts';

/**
 * What the Auto Scaling group behind a managed node group does when its desired size changes:
 * new instances register as Nodes of the group; on scale-in, EKS cordons and drains the
 * instances it terminates (their pods are rescheduled by their controllers) and the Nodes go away.
 */
export function kubeSimNodeGroupScaler(
  kube: KubeSim,
  region: string,
  layout: PlatformLayout,
): NodeGroupScaler {
  return {
    async scale(_clusterName: string, nodeGroup: NodeGroupConfig, desiredSize: number): Promise<void> {
      const pool = NODE_POOLS.find((candidate) => candidate.name === nodeGroup.name);
      if (!pool) throw new Error(`node group ${nodeGroup.name} is not one of the seeded pools`);
      const selector = `${layout.nodes.nodeGroupLabel}=${pool.name}`;
      const members = kube
        .list<Node>('v1', 'Node', undefined, selector)
        .map((node) => node.metadata.name ?? '');
      const taken = new Set(members);
      for (let ordinal = 0, count = members.length; count < desiredSize; ordinal += 1) {
        if (taken.has(nodeName(pool, ordinal, region))) continue;
        kube.addNode({
          ...poolNode(pool, ordinal, region, layout),
          instanceType: nodeGroup.instanceTypes[0],
        });
        count += 1;
      }
      // Newest instances go first, like the default termination policy for the newest launch.
      for (const name of members.sort().slice(desiredSize).reverse()) drainAndRemove(kube, name);
      await kube.settle();
    },
  };
}

function drainAndRemove(kube: KubeSim, name: string): void {
  kube.setNodeUnschedulable(name, true);
  for (const pod of kube.list<Pod>('v1', 'Pod')) {
    if (pod.spec.nodeName === name) kube.delete('v1', 'Pod', pod.metadata.name ?? '', pod.metadata.namespace);
  }
  kube.delete('v1', 'Node', name);
}
