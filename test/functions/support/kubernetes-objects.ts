import type {
  V1CronJob,
  V1Deployment,
  V1Node,
  V1NodeCondition,
  V1Pod,
  V1ServiceAccount,
  V1StatefulSet,
} from '@kubernetes/client-node';

/** Builders for the Kubernetes objects the checks read: healthy by default, broken by override. */
export function node(
  name: string,
  options: { nodeGroup?: string; ready?: boolean; unschedulable?: boolean; pressure?: string[] } = {},
): V1Node {
  const conditions: V1NodeCondition[] = [
    {
      type: 'Ready',
      status: options.ready === false ? 'False' : 'True',
      reason: options.ready === false ? 'KubeletNotReady' : 'KubeletReady',
      message: options.ready === false ? 'container runtime is down' : 'kubelet is posting ready status',
    },
    ...['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({
      type,
      status: options.pressure?.includes(type) ? 'True' : 'False',
    })),
  ];
  return {
    metadata: {
      name,
      labels: options.nodeGroup ? { 'eks.amazonaws.com/nodegroup': options.nodeGroup } : {},
    },
    spec: { unschedulable: options.unschedulable },
    status: { conditions },
  };
}

export function deployment(
  namespace: string,
  name: string,
  options: { replicas?: number; available?: number; labels?: Record<string, string> } = {},
): V1Deployment {
  const replicas = options.replicas ?? 1;
  return {
    metadata: { namespace, name, labels: options.labels ?? {} },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } } },
    },
    status: {
      replicas,
      readyReplicas: options.available ?? replicas,
      availableReplicas: options.available ?? replicas,
    },
  };
}

export function statefulSet(
  namespace: string,
  name: string,
  options: { replicas?: number; ready?: number } = {},
): V1StatefulSet {
  const replicas = options.replicas ?? 1;
  return {
    metadata: { namespace, name },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } } },
    },
    status: {
      replicas,
      readyReplicas: options.ready ?? replicas,
      availableReplicas: options.ready ?? replicas,
    },
  };
}

export function pod(
  namespace: string,
  name: string,
  options: {
    labels?: Record<string, string>;
    nodeName?: string;
    ready?: boolean;
    waitingReason?: string;
  } = {},
): V1Pod {
  const ready = options.ready ?? true;
  return {
    metadata: { namespace, name, labels: options.labels ?? {} },
    spec: { nodeName: options.nodeName, containers: [{ name: 'main', image: 'example:1.0' }] },
    status: {
      phase: ready ? 'Running' : 'Pending',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'main',
          image: 'example:1.0',
          imageID: '',
          ready,
          restartCount: 0,
          state: options.waitingReason
            ? { waiting: { reason: options.waitingReason, message: 'back-off restarting failed container' } }
            : { running: {} },
        },
      ],
    },
  };
}

export function serviceAccount(namespace: string, name: string): V1ServiceAccount {
  return { metadata: { namespace, name } };
}

export function cronJob(
  namespace: string,
  name: string,
  options: { suspend?: boolean; images?: string[]; serviceAccountName?: string } = {},
): V1CronJob {
  return {
    metadata: { namespace, name },
    spec: {
      schedule: '0 0 31 2 *',
      suspend: options.suspend ?? true,
      jobTemplate: {
        spec: {
          template: {
            spec: {
              serviceAccountName: options.serviceAccountName ?? name,
              restartPolicy: 'Never',
              containers: (options.images ?? ['peakcom/s5cmd:v2.3.0']).map((image, index) => ({
                name: `s5cmd-${index}`,
                image,
              })),
            },
          },
        },
      },
    },
  };
}
