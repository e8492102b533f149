import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';

/**
 * One document of cluster-manifests/: a Kubernetes object with the fields `kubectl apply` and
 * server-side apply cannot do without. Built-in kinds are typed with @kubernetes/client-node's
 * models where they are built; this is the common shape the bundle, the renderer and the policy see.
 */
export interface Manifest extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string };
}

/** `kind namespace/name` (or `kind name` for cluster-scoped objects), as errors and reports name it. */
export function describeManifest(manifest: Manifest): string {
  const { namespace, name } = manifest.metadata;
  return `${manifest.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** Narrows a typed client-node object (whose apiVersion, kind and name are optional) to a Manifest. */
export function manifest<T extends KubernetesObject>(object: T & Manifest): Manifest {
  return object;
}
