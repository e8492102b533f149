import type { PlatformLayout } from '../../../functions/core/platform/layout.ts';
import type { NodeGroupConfig } from '../../aws-sim/eks.ts';
import type { NodeOptions } from '../../kube-sim/index.ts';

/**
 * The cluster's managed node groups: one definition feeds both the EKS node groups in aws-sim and
 * the Nodes in kube-sim, so scaling a group through the EKS API adds or removes matching Nodes.
 */
export interface NodePool extends NodeGroupConfig {
  /** vCPU / memory / pods of the instance type (kube-sim derives allocatable from it). */
  readonly capacity: { readonly cpu: string; readonly memory: string; readonly pods: string };
  /** Third octet of the pool's private subnet: Node names are derived from their IPs, as on EKS. */
  readonly subnetOctet: number;
}

export const KUBERNETES_VERSION = '1.31';
export const STORAGE_TAINT = { key: 'dedicated', value: 'storage', effect: 'NO_SCHEDULE' } as const;
/** Pods choose a pool by this label (EKS adds node group labels to every Node of the group). */
export const POOL_LABEL = 'lakehouse-ops.io/pool';

export const NODE_POOLS: readonly NodePool[] = [
  {
    name: 'system',
    instanceTypes: ['t3.large'],
    capacityType: 'ON_DEMAND',
    minSize: 2,
    maxSize: 4,
    desiredSize: 2,
    labels: { [POOL_LABEL]: 'system' },
    capacity: { cpu: '2', memory: '8Gi', pods: '35' },
    subnetOctet: 10,
  },
  {
    name: 'storage',
    instanceTypes: ['i3.xlarge'],
    capacityType: 'ON_DEMAND',
    minSize: 4,
    maxSize: 8,
    desiredSize: 4,
    labels: { [POOL_LABEL]: 'storage' },
    taints: [STORAGE_TAINT],
    capacity: { cpu: '4', memory: '30Gi', pods: '58' },
    subnetOctet: 20,
  },
  {
    name: 'compute',
    instanceTypes: ['m5.xlarge'],
    capacityType: 'SPOT',
    minSize: 0,
    maxSize: 10,
    desiredSize: 3,
    labels: { [POOL_LABEL]: 'compute' },
    capacity: { cpu: '4', memory: '16Gi', pods: '58' },
    subnetOctet: 30,
  },
];

const ZONES = ['a', 'b', 'c'] as const;

/** EKS maps its taint effects to the Kubernetes spellings on the Node. */
const KUBERNETES_TAINT_EFFECT = {
  NO_SCHEDULE: 'NoSchedule',
  NO_EXECUTE: 'NoExecute',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
} as const;

/** EKS names Nodes after their private IP: ip-10-0-30-12.<region>.compute.internal. */
export function nodeName(pool: NodePool, ordinal: number, region: string): string {
  return `ip-10-0-${pool.subnetOctet}-${10 + ordinal}.${region}.compute.internal`;
}

/** The Node EKS registers for the pool's `ordinal`-th instance, spread over three zones. */
export function poolNode(
  pool: NodePool,
  ordinal: number,
  region: string,
  layout: PlatformLayout,
): NodeOptions {
  return {
    name: nodeName(pool, ordinal, region),
    instanceType: pool.instanceTypes[0],
    zone: `${region}${ZONES[ordinal % ZONES.length]}`,
    nodeGroup: pool.name,
    capacityType: pool.capacityType,
    labels: { ...pool.labels, [layout.nodes.nodeGroupLabel]: pool.name },
    taints: (pool.taints ?? []).map((taint) => ({
      key: taint.key,
      value: taint.value,
      effect: KUBERNETES_TAINT_EFFECT[taint.effect],
    })),
    capacity: { ...pool.capacity },
  };
}
