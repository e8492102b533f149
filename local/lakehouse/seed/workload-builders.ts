import type { KubeObject } from '../../kube-sim/model.ts';

/**
 * Builders for the Kubernetes objects the seeded platform is made of, with the defaults a Helm
 * chart would set (recommended labels, a restricted security context, resource requests), so the
 * seed reads as a list of components rather than pages of YAML.
 */

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly args?: readonly string[];
  readonly port?: number;
  readonly cpu: string;
  readonly memory: string;
}

export interface PodPlacement {
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Record<string, string>[];
  readonly serviceAccountName?: string;
}

export interface WorkloadSpec extends PodPlacement {
  readonly namespace: string;
  readonly name: string;
  /** app.kubernetes.io/name: the application this workload is part of. */
  readonly app: string;
  readonly component: string;
  readonly replicas: number;
  readonly containers: readonly ContainerSpec[];
  /** Deployments only; Kubernetes defaults to RollingUpdate. */
  readonly strategy?: 'Recreate' | 'RollingUpdate';
}

export function recommendedLabels(app: string, component: string, instance: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': app,
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'lakehouse',
    'app.kubernetes.io/managed-by': 'lakehouse-ops',
  };
}

/** The pod-level labels a workload selects on: stable across upgrades, unlike version labels. */
function selectorLabels(spec: WorkloadSpec): Record<string, string> {
  return { 'app.kubernetes.io/name': spec.app, 'app.kubernetes.io/instance': spec.name };
}

function podTemplate(spec: WorkloadSpec, restartPolicy?: 'OnFailure' | 'Never'): Record<string, unknown> {
  return {
    metadata: { labels: recommendedLabels(spec.app, spec.component, spec.name) },
    spec: {
      ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
      ...(spec.nodeSelector ? { nodeSelector: { ...spec.nodeSelector } } : {}),
      ...(spec.tolerations ? { tolerations: spec.tolerations.map((toleration) => ({ ...toleration })) } : {}),
      ...(restartPolicy ? { restartPolicy } : {}),
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        fsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: spec.containers.map((container) => ({
        name: container.name,
        image: container.image,
        ...(container.args ? { args: [...container.args] } : {}),
        ...(container.port
          ? { ports: [{ name: 'http', containerPort: container.port, protocol: 'TCP' }] }
          : {}),
        resources: {
          requests: { cpu: container.cpu, memory: container.memory },
          limits: { memory: container.memory },
        },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      })),
    },
  };
}

function metadata(spec: WorkloadSpec): Record<string, unknown> {
  return {
    name: spec.name,
    namespace: spec.namespace,
    labels: recommendedLabels(spec.app, spec.component, spec.name),
  };
}

export function deployment(spec: WorkloadSpec): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(spec),
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: selectorLabels(spec) },
      ...(spec.strategy ? { strategy: { type: spec.strategy } } : {}),
      template: podTemplate(spec),
    },
  };
}

/** A StatefulSet with its governing headless Service (required for stable pod DNS names). */
export function statefulSet(spec: WorkloadSpec & { readonly storage: string }): KubeObject[] {
  const port = spec.containers[0]?.port;
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { ...metadata(spec), name: `${spec.name}-headless` },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: selectorLabels(spec),
        ports: port ? [{ name: 'http', port, targetPort: port }] : [],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: metadata(spec),
      spec: {
        replicas: spec.replicas,
        serviceName: `${spec.name}-headless`,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selectorLabels(spec) },
        template: podTemplate(spec),
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: 'gp3',
              resources: { requests: { storage: spec.storage } },
            },
          },
        ],
      },
    },
  ];
}

export function clusterIpService(spec: WorkloadSpec, port: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(spec),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(spec),
      ports: [{ name: 'http', port, targetPort: port }],
    },
  };
}

/** Multi-replica workloads get a PDB so node drains and the eviction API keep them available. */
export function podDisruptionBudget(
  spec: WorkloadSpec,
  budget: { maxUnavailable: number } | { minAvailable: number },
): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(spec),
    spec: { ...budget, selector: { matchLabels: selectorLabels(spec) } },
  };
}

/** A suspended CronJob used as a Job template: transfer Jobs are created from its jobTemplate. */
export function suspendedCronJob(spec: WorkloadSpec): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(spec),
    spec: {
      schedule: '0 0 1 1 *',
      suspend: true,
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: {
          backoffLimit: 2,
          ttlSecondsAfterFinished: 3600,
          template: podTemplate(spec, 'Never'),
        },
      },
    },
  };
}

export function namespace(name: string, podSecurity: 'restricted' | 'baseline'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        'kubernetes.io/metadata.name': name,
        'pod-security.kubernetes.io/enforce': podSecurity,
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/audit': 'restricted',
      },
    },
  };
}

export function serviceAccount(namespaceName: string, name: string, roleArn: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace: namespaceName, annotations: { 'eks.amazonaws.com/role-arn': roleArn } },
  };
}
