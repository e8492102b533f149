import type { PlatformLayout } from '../../functions/core/platform/layout.ts';
import type { NodeGroupConfig, NodeGroupScaler } from '../aws-sim/eks.ts';
import type { KubeSim, Node, Pod } from '../kube-sim/index.ts';
import { NODE_POOLS, type NodePool, nodeName, POOL_LABEL, poolNode } from './seed/node-pools.ts';

/**
 * The seeded pool a group belongs to, as the group's own pool: a seeded group as seeded; a group
 * created through the API (spot-migration's `compute-spot` / `compute-on-demand`) by its pool
 * label, with its own name, capacity, instance types, labels and taints, and a subnet octet of its
 * own so that its Node names (from IPs, as on EKS) never collide with the seeded group's.
 */
function poolOfGroup(nodeGroup: NodeGroupConfig): NodePool {
  const seeded = NODE_POOLS.find((candidate) => candidate.name === nodeGroup.name);
  if (seeded) return seeded;
  const pool = NODE_POOLS.find((candidate) => candidate.name === nodeGroup.labels?.[POOL_LABEL]);
  if (!pool) {
    throw new Error(
      `node group ${nodeGroup.name} carries no ${POOL_LABEL} label of a seeded pool (${NODE_POOLS.map((candidate) => candidate.name).join(', ')})`,
    );
  }
  return {
    ...pool,
    name: nodeGroup.name,
    capacityType: nodeGroup.capacityType,
    instanceTypes: nodeGroup.instanceTypes,
    labels: nodeGroup.labels ?? pool.labels,
    taints: nodeGroup.taints ?? pool.taints,
    subnetOctet: pool.subnetOctet + (nodeGroup.capacityType === 'SPOT' ? 1 : 2),
  };
}

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
      const pool = poolOfGroup(nodeGroup);
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
