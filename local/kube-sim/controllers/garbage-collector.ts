import { KubeApiError } from '../errors.ts';
import { clone, type KubeObject } from '../model.ts';
import { FOREGROUND_FINALIZER } from '../objects.ts';
import { RESOURCE_TYPES, type ResourceType, TYPES } from '../resources.ts';
import { CONTROLLER_MANAGER, type ControllerContext, writeObject } from './context.ts';

/**
 * The garbage collector and the namespace controller: deletes objects whose owners are gone
 * (background propagation), completes foreground deletions once dependents are gone, and empties
 * a terminating namespace before removing it.
 */
function allObjects(context: ControllerContext): { type: ResourceType; object: KubeObject }[] {
  return RESOURCE_TYPES.flatMap((type) => context.api.list(type).map((object) => ({ type, object })));
}

function remove(
  context: ControllerContext,
  type: ResourceType,
  object: KubeObject,
  propagationPolicy: 'Background' | 'Foreground' = 'Background',
): void {
  if (object.metadata.deletionTimestamp) return;
  try {
    context.api.delete(type, object.metadata.namespace, object.metadata.name ?? '', {
      manager: CONTROLLER_MANAGER,
      propagationPolicy,
    });
  } catch (error) {
    // Another deletion in this pass got there first.
    if (!(error instanceof KubeApiError && error.code === 404)) throw error;
  }
}

function dropFinalizer(
  context: ControllerContext,
  type: ResourceType,
  object: KubeObject,
  finalizer: string,
): void {
  const next = clone(object);
  next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((entry) => entry !== finalizer);
  writeObject(context, type, next, CONTROLLER_MANAGER);
}

export function collectGarbage(context: ControllerContext): void {
  const everything = allObjects(context);
  const liveUids = new Set(everything.map(({ object }) => object.metadata.uid));
  for (const { type, object } of everything) {
    const owners = object.metadata.ownerReferences ?? [];
    if (owners.length > 0 && owners.every((owner) => !liveUids.has(owner.uid))) remove(context, type, object);
  }
  for (const { type, object } of everything) {
    if (!object.metadata.deletionTimestamp || !object.metadata.finalizers?.includes(FOREGROUND_FINALIZER))
      continue;
    const dependents = context.api.dependentsOf(object);
    if (dependents.length === 0) dropFinalizer(context, type, object, FOREGROUND_FINALIZER);
    else for (const dependent of dependents) remove(context, dependent.type, dependent.object, 'Foreground');
  }
}

export function finalizeNamespaces(context: ControllerContext): void {
  for (const namespace of context.api.list(TYPES.namespace)) {
    if (!namespace.metadata.deletionTimestamp) continue;
    const name = namespace.metadata.name ?? '';
    const contents = RESOURCE_TYPES.filter((type) => type.namespaced).flatMap((type) =>
      context.api.list(type, name).map((object) => ({ type, object })),
    );
    for (const { type, object } of contents) remove(context, type, object);
    if (contents.length > 0) continue;
    const spec = (namespace.spec ?? {}) as { finalizers?: string[] };
    if (spec.finalizers?.length) {
      const emptied = clone(namespace);
      emptied.spec = { ...spec, finalizers: [] };
      writeObject(context, TYPES.namespace, emptied, 'namespace-controller');
      continue;
    }
    context.api.store.remove(TYPES.namespace, undefined, name);
  }
}
