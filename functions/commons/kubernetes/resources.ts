import type {
  CoreV1Event,
  V1CronJob,
  V1Deployment,
  V1Job,
  V1Namespace,
  V1Node,
  V1Pod,
  V1PodDisruptionBudget,
  V1ServiceAccount,
  V1StatefulSet,
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
} as const;
