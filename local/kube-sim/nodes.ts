import { createHash } from 'node:crypto';
import type { Condition, Node, Taint } from './model.ts';
import { parseQuantity } from './quantity.ts';

/**
 * Node objects shaped like EKS managed node group nodes: the well-known labels, capacity by
 * instance type, the four kubelet conditions, and an InternalIP.
 */
export interface NodeOptions {
  name: string;
  instanceType?: string;
  zone?: string;
  nodeGroup?: string;
  capacityType?: 'ON_DEMAND' | 'SPOT';
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  ready?: boolean;
  /** Overrides the instance type's capacity (cpu, memory, pods, ephemeral-storage). */
  capacity?: Record<string, string>;
}

/** vCPU and memory of the instance types the platform uses; others default to 4 vCPU / 16 GiB. */
const INSTANCE_CAPACITY: Record<string, { cpu: string; memory: string; pods: string }> = {
  'm6i.large': { cpu: '2', memory: '8Gi', pods: '29' },
  'm6i.xlarge': { cpu: '4', memory: '16Gi', pods: '58' },
  'm6i.2xlarge': { cpu: '8', memory: '32Gi', pods: '58' },
  'm6i.4xlarge': { cpu: '16', memory: '64Gi', pods: '234' },
  'r6i.xlarge': { cpu: '4', memory: '32Gi', pods: '58' },
  'r6i.2xlarge': { cpu: '8', memory: '64Gi', pods: '58' },
  'c6i.xlarge': { cpu: '4', memory: '8Gi', pods: '58' },
  't3.large': { cpu: '2', memory: '8Gi', pods: '35' },
};

/** What the kubelet reserves for itself and the system, so allocatable < capacity as on EKS. */
function allocatableOf(capacity: Record<string, string>): Record<string, string> {
  const cpuMillis = Math.round(parseQuantity(capacity.cpu ?? '4') * 1000) - 80;
  const memoryMi = Math.floor(parseQuantity(capacity.memory ?? '16Gi') / 2 ** 20) - 1024;
  return { ...capacity, cpu: `${cpuMillis}m`, memory: `${memoryMi}Mi` };
}

export function nodeConditions(ready: boolean, now: string): Condition[] {
  const condition = (
    type: string,
    status: Condition['status'],
    reason: string,
    message: string,
  ): Condition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return [
    condition(
      'MemoryPressure',
      'False',
      'KubeletHasSufficientMemory',
      'kubelet has sufficient memory available',
    ),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready
      ? condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      : condition(
          'Ready',
          'False',
          'KubeletNotReady',
          'container runtime network not ready: NetworkReady=false',
        ),
  ];
}

let nextAddress = 10;

export function nodeObject(options: NodeOptions, now: string): Node {
  const instanceType = options.instanceType ?? 'm6i.xlarge';
  const zone = options.zone ?? 'us-east-1a';
  const capacity = {
    ...(INSTANCE_CAPACITY[instanceType] ?? { cpu: '4', memory: '16Gi', pods: '58' }),
    'ephemeral-storage': '104845292Ki',
    ...options.capacity,
  };
  const address = `192.168.${Math.floor(nextAddress / 250) % 250}.${(nextAddress % 250) + 1}`;
  nextAddress += 1;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: options.name,
      labels: {
        'kubernetes.io/hostname': options.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': instanceType,
        'topology.kubernetes.io/zone': zone,
        'topology.kubernetes.io/region': zone.replace(/[a-z]$/, ''),
        ...(options.nodeGroup ? { 'eks.amazonaws.com/nodegroup': options.nodeGroup } : {}),
        'eks.amazonaws.com/capacityType': options.capacityType ?? 'ON_DEMAND',
        ...options.labels,
      },
    },
    spec: {
      providerID: `aws:///${zone}/${instanceIdOf(options.name)}`,
      ...(options.taints?.length ? { taints: options.taints } : {}),
      ...(options.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      capacity,
      allocatable: allocatableOf(capacity),
      conditions: nodeConditions(options.ready ?? true, now),
      addresses: [
        { type: 'InternalIP', address },
        { type: 'Hostname', address: options.name },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.31.0-eks-kube-sim',
        kernelVersion: '6.1.102-111.182.amzn2023.x86_64',
        osImage: 'Amazon Linux 2023.5.20240805',
        containerRuntimeVersion: 'containerd://1.7.20',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/**
 * A stable EC2-style instance id per Node name. Derived from a digest, not the name's first bytes:
 * names are IPs (`ip-10-0-30-10...`) that share their start, and a spot notice finds its Node by id.
 */
export function instanceIdOf(nodeName: string): string {
  return `i-${createHash('sha256').update(nodeName).digest('hex').slice(0, 17)}`;
}
