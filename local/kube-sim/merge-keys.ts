/**
 * The patchMergeKey / patchStrategy metadata that the real API server reads from its Go struct tags,
 * for the lists kube-sim's resources contain. Strategic merge patch and server-side apply both use it
 * to treat `containers` as a map keyed by name instead of an atomic array.
 */
export type ListStrategy = { kind: 'map'; key: string } | { kind: 'set' } | { kind: 'atomic' };

const KEYED_LISTS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  addresses: 'type',
  volumeClaimTemplates: 'metadata',
};

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Primitive lists merged as sets (patchStrategy "merge" on []string). */
const SET_LISTS = new Set(['finalizers']);

/** How the lists of one kind of object merge, by the path of field names to the list. */
export type ListStrategies = (path: readonly string[]) => ListStrategy;

/**
 * Custom resources have no Go struct tags: without x-kubernetes-list-type in their schema (the
 * CRDs kube-sim serves declare none) every list is atomic, replaced whole by an apply.
 */
export const atomicLists: ListStrategies = () => ({ kind: 'atomic' });

/**
 * @param path the field names from the object root to the list, list indices and keys left out.
 */
export function listStrategy(path: readonly string[]): ListStrategy {
  const field = path[path.length - 1] ?? '';
  if (field === 'ports') {
    // Container ports are keyed by containerPort, Service ports by port.
    const parent = path[path.length - 2] ?? '';
    return { kind: 'map', key: CONTAINER_LISTS.has(parent) ? 'containerPort' : 'port' };
  }
  if (SET_LISTS.has(field)) return { kind: 'set' };
  const key = KEYED_LISTS[field];
  // volumeClaimTemplates elements have no scalar key; treat the list as atomic.
  if (key && key !== 'metadata') return { kind: 'map', key };
  return { kind: 'atomic' };
}
