import type { KubeObject } from './model.ts';

/**
 * The resource types kube-sim serves, with what discovery publishes about them. One table, so the
 * router, discovery, the store and the controllers cannot disagree about a plural or a scope.
 */
export type Subresource = 'status' | 'scale' | 'eviction' | 'log';

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  subresources: readonly Subresource[];
  /** DELETE answers with the object itself (pods, services...) instead of a Status. */
  deleteReturnsObject: boolean;
  /** Our controllers own `.status`, so a client's status on create is discarded, as the real strategies do. */
  controllerOwnedStatus: boolean;
  /** Default propagationPolicy when a DELETE names none (batch/v1 Jobs historically orphan their pods). */
  defaultPropagation: 'Background' | 'Orphan';
  /** Field selectors beyond metadata.name / metadata.namespace. */
  fieldSelectors: Record<string, (object: KubeObject) => string | undefined>;
  /** Served from a CustomResourceDefinition: no strategic merge patch, and atomic lists. */
  custom: boolean;
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update'] as const;

function field(...path: string[]): (object: KubeObject) => string | undefined {
  return (object) => {
    let value: unknown = object;
    for (const key of path) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value === undefined || value === null ? undefined : String(value);
  };
}

interface ResourceDefinition extends Partial<ResourceType> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

function define(definition: ResourceDefinition): ResourceType {
  return {
    singular: definition.kind.toLowerCase(),
    shortNames: [],
    subresources: [],
    deleteReturnsObject: false,
    controllerOwnedStatus: false,
    defaultPropagation: 'Background',
    fieldSelectors: {},
    custom: false,
    ...definition,
  };
}

const workload = { namespaced: true, controllerOwnedStatus: true } as const;

export const RESOURCE_TYPES: readonly ResourceType[] = [
  define({
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status'],
    fieldSelectors: { 'status.phase': field('status', 'phase') },
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'Node',
    plural: 'nodes',
    namespaced: false,
    shortNames: ['no'],
    subresources: ['status'],
    fieldSelectors: {
      'spec.unschedulable': (node) =>
        String(Boolean((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable)),
    },
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    ...workload,
    shortNames: ['po'],
    subresources: ['status', 'eviction', 'log'],
    deleteReturnsObject: true,
    fieldSelectors: {
      'spec.nodeName': (pod) => field('spec', 'nodeName')(pod) ?? '',
      'spec.restartPolicy': field('spec', 'restartPolicy'),
      'spec.schedulerName': field('spec', 'schedulerName'),
      'spec.serviceAccountName': field('spec', 'serviceAccountName'),
      'status.phase': field('status', 'phase'),
      'status.podIP': field('status', 'podIP'),
      'status.nominatedNodeName': field('status', 'nominatedNodeName'),
    },
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    shortNames: ['svc'],
    subresources: ['status'],
    deleteReturnsObject: true,
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    shortNames: ['sa'],
    deleteReturnsObject: true,
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
    shortNames: ['cm'],
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    fieldSelectors: { type: field('type') },
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
    fieldSelectors: {
      'involvedObject.kind': field('involvedObject', 'kind'),
      'involvedObject.name': field('involvedObject', 'name'),
      'involvedObject.namespace': field('involvedObject', 'namespace'),
      'involvedObject.uid': field('involvedObject', 'uid'),
      reason: field('reason'),
      type: field('type'),
    },
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'PersistentVolume',
    plural: 'persistentvolumes',
    namespaced: false,
    shortNames: ['pv'],
    subresources: ['status'],
    deleteReturnsObject: true,
  }),
  define({
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    namespaced: true,
    shortNames: ['pvc'],
    subresources: ['status'],
    deleteReturnsObject: true,
  }),
  define({
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    ...workload,
    shortNames: ['deploy'],
    subresources: ['status', 'scale'],
  }),
  define({
    group: 'apps',
    version: 'v1',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    ...workload,
    shortNames: ['sts'],
    subresources: ['status', 'scale'],
  }),
  define({
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    ...workload,
    shortNames: ['rs'],
    subresources: ['status', 'scale'],
    fieldSelectors: { 'status.replicas': field('status', 'replicas') },
  }),
  define({
    group: 'apps',
    version: 'v1',
    kind: 'DaemonSet',
    plural: 'daemonsets',
    ...workload,
    shortNames: ['ds'],
    subresources: ['status'],
  }),
  define({
    group: 'batch',
    version: 'v1',
    kind: 'Job',
    plural: 'jobs',
    ...workload,
    subresources: ['status'],
    defaultPropagation: 'Orphan',
    fieldSelectors: { 'status.successful': field('status', 'succeeded') },
  }),
  define({
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    plural: 'cronjobs',
    namespaced: true,
    shortNames: ['cj'],
    subresources: ['status'],
  }),
  define({
    // Stored only (no autoscaling controller): right-sizing reads which resources an HPA scales on.
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
    shortNames: ['hpa'],
    subresources: ['status'],
  }),
  define({
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    ...workload,
    shortNames: ['pdb'],
    subresources: ['status'],
  }),
  define({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'Role',
    plural: 'roles',
    namespaced: true,
  }),
  define({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    namespaced: true,
  }),
  define({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
  }),
  define({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
  }),
  define({
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
    shortNames: ['netpol'],
  }),
  define({
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'StorageClass',
    plural: 'storageclasses',
    namespaced: false,
    shortNames: ['sc'],
  }),
  // Custom resources of the operators the platform runs on (Istio, External Secrets): served as
  // their CRDs declare them (scope, plural, status subresource) and stored as generic objects.
  define({
    group: 'security.istio.io',
    version: 'v1',
    kind: 'PeerAuthentication',
    plural: 'peerauthentications',
    namespaced: true,
    custom: true,
    shortNames: ['pa'],
    subresources: ['status'],
  }),
  define({
    group: 'external-secrets.io',
    version: 'v1',
    kind: 'ExternalSecret',
    plural: 'externalsecrets',
    namespaced: true,
    custom: true,
    shortNames: ['es'],
    subresources: ['status'],
  }),
  define({
    group: 'external-secrets.io',
    version: 'v1',
    kind: 'ClusterSecretStore',
    plural: 'clustersecretstores',
    namespaced: false,
    custom: true,
    shortNames: ['css'],
    subresources: ['status'],
  }),
];

export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** Group/version pairs in discovery order: the core group first, then named groups alphabetically. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const type of RESOURCE_TYPES)
    seen.set(apiVersionOf(type), { group: type.group, version: type.version });
  return [...seen.values()].sort((a, b) =>
    a.group === '' ? -1 : b.group === '' ? 1 : a.group.localeCompare(b.group),
  );
}

export function resourcesIn(group: string, version: string): ResourceType[] {
  return RESOURCE_TYPES.filter((type) => type.group === group && type.version === version);
}

export function resourceByPlural(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find(
    (type) => type.group === group && type.version === version && type.plural === plural,
  );
}

export function resourceByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((type) => apiVersionOf(type) === apiVersion && type.kind === kind);
}

/** Looks a type up by kind for in-process callers, with a message that lists what exists. */
export function requireResourceByKind(apiVersion: string, kind: string): ResourceType {
  const type = resourceByKind(apiVersion, kind);
  if (!type) {
    const known = RESOURCE_TYPES.map((entry) => `${apiVersionOf(entry)} ${entry.kind}`).join(', ');
    throw new Error(`kube-sim does not serve ${apiVersion} ${kind}; it serves: ${known}`);
  }
  return type;
}

/** The types kube-sim's own controllers work with, looked up once. */
export const TYPES = {
  namespace: requireResourceByKind('v1', 'Namespace'),
  node: requireResourceByKind('v1', 'Node'),
  pod: requireResourceByKind('v1', 'Pod'),
  persistentVolume: requireResourceByKind('v1', 'PersistentVolume'),
  persistentVolumeClaim: requireResourceByKind('v1', 'PersistentVolumeClaim'),
  event: requireResourceByKind('v1', 'Event'),
  deployment: requireResourceByKind('apps/v1', 'Deployment'),
  replicaSet: requireResourceByKind('apps/v1', 'ReplicaSet'),
  statefulSet: requireResourceByKind('apps/v1', 'StatefulSet'),
  daemonSet: requireResourceByKind('apps/v1', 'DaemonSet'),
  job: requireResourceByKind('batch/v1', 'Job'),
  cronJob: requireResourceByKind('batch/v1', 'CronJob'),
  podDisruptionBudget: requireResourceByKind('policy/v1', 'PodDisruptionBudget'),
  role: requireResourceByKind('rbac.authorization.k8s.io/v1', 'Role'),
  roleBinding: requireResourceByKind('rbac.authorization.k8s.io/v1', 'RoleBinding'),
  clusterRole: requireResourceByKind('rbac.authorization.k8s.io/v1', 'ClusterRole'),
  clusterRoleBinding: requireResourceByKind('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'),
} as const;
