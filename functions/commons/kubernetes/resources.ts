import type {
  CoreV1Event,
  KubernetesObject,
  V1CronJob,
  V1Deployment,
  V1Job,
  V1Namespace,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1ReplicaSet,
  V1ServiceAccount,
  V1StatefulSet,
  V1StorageClass,
} from '@kubernetes/client-node';
import { InvalidInputError } from '../errors.ts';

/**
 * Typed URL paths of the Kubernetes REST API. A path carries the type of the object it addresses
 * (a phantom, no runtime cost), so `api.get(kubernetesResources.deployments.named(ns, name))`
 * resolves to a V1Deployment and callers never hand-write URLs.
 */
declare const resourceType: unique symbol;

interface TypedPath<Resource> {
  /** The URL path below the API server, e.g. `/apis/apps/v1/namespaces/prefect/deployments/worker`. */
  readonly path: string;
  /** What the path names, for operation names in errors and logs: `deployment prefect/worker`. */
  readonly description: string;
  readonly [resourceType]?: Resource;
}

/** The path of one object. */
export interface ObjectPath<Resource> extends TypedPath<Resource> {
  readonly kind: 'object';
}

/** The path of a collection (what list and create address). */
export interface CollectionPath<Resource> extends TypedPath<Resource> {
  readonly kind: 'collection';
}

export interface NamespacedResource<Resource> {
  named(namespace: string, name: string): ObjectPath<Resource>;
  inNamespace(namespace: string): CollectionPath<Resource>;
  inAllNamespaces(): CollectionPath<Resource>;
}

export interface ClusterResource<Resource> {
  named(name: string): ObjectPath<Resource>;
  all(): CollectionPath<Resource>;
}

/** `v1` is the core group under /api; every other group version lives under /apis. */
function apiRoot(groupVersion: string): string {
  return groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
}

/**
 * One URL segment. An empty name would silently turn an object path into its collection's path
 * (a delete of one pod into a request on all of them), so it is refused here.
 */
function segment(value: string, what: string): string {
  if (value === '') throw new InvalidInputError(`the ${what} must not be empty`, { what });
  return encodeURIComponent(value);
}

function objectPath<Resource>(path: string, description: string): ObjectPath<Resource> {
  return { kind: 'object', path, description };
}

function collectionPath<Resource>(path: string, description: string): CollectionPath<Resource> {
  return { kind: 'collection', path, description };
}

/** A namespaced resource type: `namespacedResource<V1Job>('batch/v1', 'jobs', 'job')`. */
export function namespacedResource<Resource>(
  groupVersion: string,
  plural: string,
  singular: string,
): NamespacedResource<Resource> {
  const root = apiRoot(groupVersion);
  const collection = (namespace: string) =>
    `${root}/namespaces/${segment(namespace, `namespace of the ${singular}`)}/${plural}`;
  return {
    named: (namespace, name) =>
      objectPath(
        `${collection(namespace)}/${segment(name, `${singular} name`)}`,
        `${singular} ${namespace}/${name}`,
      ),
    inNamespace: (namespace) => collectionPath(collection(namespace), `${plural} in ${namespace}`),
    inAllNamespaces: () => collectionPath(`${root}/${plural}`, `${plural} in all namespaces`),
  };
}

/** A cluster-scoped resource type: `clusterResource<V1Node>('v1', 'nodes', 'node')`. */
export function clusterResource<Resource>(
  groupVersion: string,
  plural: string,
  singular: string,
): ClusterResource<Resource> {
  const collection = `${apiRoot(groupVersion)}/${plural}`;
  return {
    named: (name) => objectPath(`${collection}/${segment(name, `${singular} name`)}`, `${singular} ${name}`),
    all: () => collectionPath(collection, plural),
  };
}

/** The resources the workflows use. Add one here (one line) rather than building a URL by hand. */
export const kubernetesResources = {
  nodes: clusterResource<V1Node>('v1', 'nodes', 'node'),
  namespaces: clusterResource<V1Namespace>('v1', 'namespaces', 'namespace'),
  pods: namespacedResource<V1Pod>('v1', 'pods', 'pod'),
  serviceAccounts: namespacedResource<V1ServiceAccount>('v1', 'serviceaccounts', 'serviceaccount'),
  events: namespacedResource<CoreV1Event>('v1', 'events', 'event'),
  deployments: namespacedResource<V1Deployment>('apps/v1', 'deployments', 'deployment'),
  statefulSets: namespacedResource<V1StatefulSet>('apps/v1', 'statefulsets', 'statefulset'),
  jobs: namespacedResource<V1Job>('batch/v1', 'jobs', 'job'),
  cronJobs: namespacedResource<V1CronJob>('batch/v1', 'cronjobs', 'cronjob'),
  podDisruptionBudgets: namespacedResource<V1PodDisruptionBudget>(
    'policy/v1',
    'poddisruptionbudgets',
    'poddisruptionbudget',
  ),
  replicaSets: namespacedResource<V1ReplicaSet>('apps/v1', 'replicasets', 'replicaset'),
  persistentVolumeClaims: namespacedResource<V1PersistentVolumeClaim>(
    'v1',
    'persistentvolumeclaims',
    'persistentvolumeclaim',
  ),
  storageClasses: clusterResource<V1StorageClass>('storage.k8s.io/v1', 'storageclasses', 'storageclass'),
} as const;

/**
 * Where objects of a kind live in the REST API, for code that handles objects of many kinds (the
 * provision workflow's server-side apply of cluster-manifests/). A fixed table rather than
 * discovery: it is the list of kinds provision may write (the RBAC in cluster-manifests grants
 * exactly those), so a kind missing here is a mistake to report, not something to look up.
 */
export interface KindLocation {
  readonly plural: string;
  readonly namespaced: boolean;
}

const KIND_LOCATIONS: Readonly<Record<string, KindLocation>> = {
  'v1 Namespace': { plural: 'namespaces', namespaced: false },
  'v1 ServiceAccount': { plural: 'serviceaccounts', namespaced: true },
  'v1 ConfigMap': { plural: 'configmaps', namespaced: true },
  'v1 Service': { plural: 'services', namespaced: true },
  'v1 PersistentVolumeClaim': { plural: 'persistentvolumeclaims', namespaced: true },
  'apps/v1 Deployment': { plural: 'deployments', namespaced: true },
  'apps/v1 StatefulSet': { plural: 'statefulsets', namespaced: true },
  'apps/v1 DaemonSet': { plural: 'daemonsets', namespaced: true },
  'batch/v1 Job': { plural: 'jobs', namespaced: true },
  'batch/v1 CronJob': { plural: 'cronjobs', namespaced: true },
  'policy/v1 PodDisruptionBudget': { plural: 'poddisruptionbudgets', namespaced: true },
  'networking.k8s.io/v1 NetworkPolicy': { plural: 'networkpolicies', namespaced: true },
  'storage.k8s.io/v1 StorageClass': { plural: 'storageclasses', namespaced: false },
  'rbac.authorization.k8s.io/v1 Role': { plural: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/v1 RoleBinding': { plural: 'rolebindings', namespaced: true },
  'rbac.authorization.k8s.io/v1 ClusterRole': { plural: 'clusterroles', namespaced: false },
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': { plural: 'clusterrolebindings', namespaced: false },
  'security.istio.io/v1 PeerAuthentication': { plural: 'peerauthentications', namespaced: true },
  'external-secrets.io/v1 ExternalSecret': { plural: 'externalsecrets', namespaced: true },
  'external-secrets.io/v1 ClusterSecretStore': { plural: 'clustersecretstores', namespaced: false },
};

export function kindLocation(apiVersion: string, kind: string): KindLocation {
  const location = KIND_LOCATIONS[`${apiVersion} ${kind}`];
  if (!location) {
    throw new InvalidInputError(
      `${apiVersion} ${kind} is not a kind this client can address; known kinds: ${Object.keys(KIND_LOCATIONS).join(', ')}`,
      { apiVersion, kind },
    );
  }
  return location;
}

/** An object with the identity fields a path needs (a manifest, a server-side apply configuration). */
export type IdentifiedObject = KubernetesObject & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
};

/**
 * The path of the object `object` names: `/apis/apps/v1/namespaces/prefect/deployments/prefect-server`
 * for a Deployment, `/api/v1/namespaces/minio` for a Namespace. A namespaced kind without a
 * namespace, or a cluster-scoped one with one, is refused rather than guessed.
 */
export function pathOfObject<Resource extends KubernetesObject>(
  object: IdentifiedObject,
): ObjectPath<Resource> {
  const { apiVersion, kind, metadata } = object;
  const { plural, namespaced } = kindLocation(apiVersion, kind);
  const singular = kind.toLowerCase();
  if (namespaced) {
    if (!metadata.namespace) {
      throw new InvalidInputError(`${kind} ${metadata.name} is namespaced but names no namespace`, {
        kind,
        name: metadata.name,
      });
    }
    return namespacedResource<Resource>(apiVersion, plural, singular).named(
      metadata.namespace,
      metadata.name,
    );
  }
  if (metadata.namespace) {
    throw new InvalidInputError(
      `${kind} ${metadata.name} is cluster-scoped but names namespace ${metadata.namespace}`,
      { kind, name: metadata.name, namespace: metadata.namespace },
    );
  }
  return clusterResource<Resource>(apiVersion, plural, singular).named(metadata.name);
}
