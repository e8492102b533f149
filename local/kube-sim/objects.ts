import { randomInt, randomUUID } from 'node:crypto';
import { applyDefaults } from './defaults.ts';
import { apiErrors } from './errors.ts';
import { recordUpdate, serverSideApply } from './managed-fields.ts';
import { atomicLists, type ListStrategies, listStrategy } from './merge-keys.ts';
import { clone, isPlainObject, jsonEqual, type KubeObject, rfc3339 } from './model.ts';
import { applyPatch, PATCH_TYPES, type PatchType, requireObject } from './patch.ts';
import { apiVersionOf, RESOURCE_TYPES, type ResourceType, resourceByKind } from './resources.ts';
import type { ObjectStore } from './store.ts';
import { validateObject, validateUpdate } from './validation.ts';
import { admitClaimUpdate } from './volume-expansion.ts';

/**
 * The API semantics on top of the store, shared by the HTTP layer, the controllers and the
 * in-process seeding API: defaulting, validation, generation, status subresource rules,
 * field managers, dry runs, finalizers and deletion propagation.
 */
export interface WriteOptions {
  dryRun?: boolean;
  /** Field manager recorded in managedFields. */
  manager?: string;
  /** Controllers act as the system: they may set fields clients may not (binding a pod to a node). */
  trusted?: boolean;
}

export interface UpdateOptions extends WriteOptions {
  subresource?: 'status';
}

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface DeleteOptions extends WriteOptions {
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  object: KubeObject;
  /** False when the object only got a deletionTimestamp (finalizers or foreground deletion pending). */
  removed: boolean;
}

export interface PatchOptions extends UpdateOptions {
  force?: boolean;
}

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
const DEFAULT_MANAGER = 'kube-sim';

export function randomSuffix(length = 5): string {
  return Array.from({ length }, () => NAME_SUFFIX_ALPHABET[randomInt(NAME_SUFFIX_ALPHABET.length)]).join('');
}

export class ObjectApi {
  private nextClusterIP = 1;

  constructor(
    readonly store: ObjectStore,
    private readonly clock: () => Date,
  ) {}

  now(): string {
    return rfc3339(this.clock());
  }

  find(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(type, namespace, name);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const object = this.find(type, namespace, name);
    if (!object) throw apiErrors.notFound(type, name);
    return object;
  }

  list(type: ResourceType, namespace?: string): KubeObject[] {
    return this.store.list(type, type.namespaced ? namespace : undefined);
  }

  create(
    type: ResourceType,
    input: unknown,
    namespace: string | undefined,
    options: WriteOptions = {},
  ): KubeObject {
    const object = this.decode(type, input, namespace);
    if (type.namespaced) this.assertNamespaceWritable(object.metadata.namespace ?? '');
    if (object.metadata.resourceVersion) {
      throw apiErrors.badRequest('resourceVersion should not be set on objects to be created');
    }
    this.assignName(type, object);
    const metadata = object.metadata;
    metadata.uid = randomUUID();
    metadata.creationTimestamp = this.now();
    metadata.generation = 1;
    delete metadata.deletionTimestamp;
    if (type.controllerOwnedStatus) delete object.status;
    applyDefaults(object, this);
    validateObject(type, object);
    const recorded = metadata.managedFields?.length
      ? object
      : recordUpdate(undefined, object, {
          manager: options.manager ?? DEFAULT_MANAGER,
          now: this.now(),
          listStrategies: listStrategiesOf(type),
        });
    return options.dryRun ? recorded : this.store.insert(type, recorded);
  }

  update(
    type: ResourceType,
    input: unknown,
    namespace: string | undefined,
    name: string,
    options: UpdateOptions = {},
  ): KubeObject {
    const object = this.decode(type, input, namespace);
    assertNameMatches(object, name);
    const current = this.get(type, object.metadata.namespace, name);
    return this.write(type, current, object, options, true);
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
    options: PatchOptions = {},
  ): { object: KubeObject; created: boolean } {
    if (patchType === 'application/apply-patch+yaml') return this.apply(type, namespace, name, body, options);
    if (type.custom && patchType === 'application/strategic-merge-patch+json') {
      // As the real server: custom resources have no Go types to take patch strategies from.
      throw apiErrors.unsupportedMediaType(
        patchType,
        PATCH_TYPES.filter((candidate) => candidate !== patchType),
      );
    }
    const current = this.get(type, namespace, name);
    const patched = applyPatch(current, patchType, body);
    if (!isPlainObject(patched) || !isPlainObject(patched.metadata)) {
      throw apiErrors.badRequest('the patch removed the object metadata');
    }
    const next = patched as KubeObject;
    // A patch applies to the current state unless it names a resourceVersion precondition itself.
    next.metadata.resourceVersion ??= current.metadata.resourceVersion;
    return { object: this.write(type, current, next, options, true), created: false };
  }

  private apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: PatchOptions,
  ): { object: KubeObject; created: boolean } {
    if (!options.manager) {
      throw apiErrors.invalid({ ...type, kind: 'PatchOptions.meta.k8s.io' }, '', [
        {
          reason: 'FieldValueRequired',
          field: 'fieldManager',
          message: 'Required value: is required for apply patch',
        },
      ]);
    }
    const config = this.decode(type, requireObject(body, 'application/apply-patch+yaml'), namespace);
    assertNameMatches(config, name);
    const fieldOptions = {
      manager: options.manager,
      now: this.now(),
      force: options.force ?? false,
      resource: type,
      listStrategies: listStrategiesOf(type),
    };
    const current = this.find(type, config.metadata.namespace, name);
    if (!current) {
      const created = serverSideApply(undefined, config, fieldOptions);
      return { object: this.create(type, created, namespace, options), created: true };
    }
    const merged = serverSideApply(current, config, fieldOptions);
    merged.metadata.resourceVersion = config.metadata.resourceVersion ?? current.metadata.resourceVersion;
    return { object: this.write(type, current, merged, options, false), created: false };
  }

  /** The common tail of PUT, PATCH and apply: the rules for what an update may change. */
  private write(
    type: ResourceType,
    current: KubeObject,
    requested: KubeObject,
    options: UpdateOptions,
    recordManager: boolean,
  ): KubeObject {
    const next = clone(requested);
    const system = current.metadata;
    Object.assign(next.metadata, {
      uid: system.uid,
      creationTimestamp: system.creationTimestamp,
      generation: system.generation,
      deletionTimestamp: system.deletionTimestamp,
    });
    if (!next.metadata.deletionTimestamp) delete next.metadata.deletionTimestamp;
    const hasStatus = type.subresources.includes('status');
    if (options.subresource === 'status') {
      // The status endpoint changes status only; everything else stays as stored.
      const statusOnly = { ...clone(current), status: next.status };
      statusOnly.metadata.resourceVersion = next.metadata.resourceVersion;
      return this.commit(type, current, statusOnly, options, recordManager);
    }
    if (hasStatus) {
      if (current.status === undefined) delete next.status;
      else next.status = clone(current.status);
    }
    applyDefaults(next, this);
    if (!jsonEqual(specOf(current), specOf(next))) next.metadata.generation = (system.generation ?? 0) + 1;
    if (options.trusted) validateObject(type, next);
    else {
      validateUpdate(type, current, next);
      admitClaimUpdate(this, type, current, next);
    }
    return this.commit(type, current, next, options, recordManager);
  }

  private commit(
    type: ResourceType,
    current: KubeObject,
    next: KubeObject,
    options: UpdateOptions,
    recordManager: boolean,
  ): KubeObject {
    const recorded = recordManager
      ? recordUpdate(current, next, {
          manager: options.manager ?? DEFAULT_MANAGER,
          now: this.now(),
          listStrategies: listStrategiesOf(type),
          ...(options.subresource ? { subresource: options.subresource } : {}),
        })
      : next;
    if (options.dryRun) return recorded;
    // Removing the last finalizer of an object being deleted completes its deletion.
    if (recorded.metadata.deletionTimestamp && !recorded.metadata.finalizers?.length) {
      this.store.replace(type, recorded);
      return this.store.remove(type, recorded.metadata.namespace, recorded.metadata.name ?? '');
    }
    return this.store.replace(type, recorded);
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): DeleteResult {
    const current = this.get(type, namespace, name);
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (uid && uid !== current.metadata.uid) {
      throw apiErrors.conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (resourceVersion && resourceVersion !== current.metadata.resourceVersion) {
      throw apiErrors.conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    }
    const propagation = options.propagationPolicy ?? type.defaultPropagation;
    if (options.dryRun || current.metadata.deletionTimestamp) return { object: current, removed: false };

    const dependents = this.dependentsOf(current);
    if (propagation === 'Orphan') {
      for (const dependent of dependents)
        this.orphan(dependent.type, dependent.object, current.metadata.uid ?? '');
    }
    const finalizers = [...(current.metadata.finalizers ?? [])];
    if (propagation === 'Foreground' && dependents.length > 0 && !finalizers.includes(FOREGROUND_FINALIZER)) {
      finalizers.push(FOREGROUND_FINALIZER);
    }
    if (finalizers.length > 0 || type.kind === 'Namespace') {
      const terminating = clone(current);
      terminating.metadata.deletionTimestamp = this.now();
      terminating.metadata.finalizers = finalizers;
      if (type.kind === 'Namespace')
        terminating.status = { ...(terminating.status as object), phase: 'Terminating' };
      if (finalizers.length === 0) delete terminating.metadata.finalizers;
      return { object: this.store.replace(type, terminating), removed: false };
    }
    return { object: this.store.remove(type, namespace, name), removed: true };
  }

  /** Every object whose ownerReferences name `owner`, across all resource types. */
  dependentsOf(owner: KubeObject): { type: ResourceType; object: KubeObject }[] {
    const uid = owner.metadata.uid;
    return RESOURCE_TYPES.flatMap((type) =>
      this.store
        .list(type)
        .filter((object) => object.metadata.ownerReferences?.some((reference) => reference.uid === uid))
        .map((object) => ({ type, object })),
    );
  }

  private orphan(type: ResourceType, dependent: KubeObject, ownerUid: string): void {
    const next = clone(dependent);
    next.metadata.ownerReferences = next.metadata.ownerReferences?.filter(
      (reference) => reference.uid !== ownerUid,
    );
    if (next.metadata.ownerReferences?.length === 0) delete next.metadata.ownerReferences;
    this.store.replace(type, next);
  }

  allocateClusterIP(): string {
    const index = this.nextClusterIP++;
    return `10.100.${Math.floor(index / 250) % 250}.${(index % 250) + 1}`;
  }

  /** Checks apiVersion/kind and the namespace against the URL, filling them in when the body omits them. */
  private decode(type: ResourceType, input: unknown, namespace: string | undefined): KubeObject {
    if (!isPlainObject(input)) throw apiErrors.badRequest(`the request body must be a ${type.kind} object`);
    const object = clone(input) as KubeObject;
    const expected = apiVersionOf(type);
    object.apiVersion ??= expected;
    object.kind ??= type.kind;
    if (object.apiVersion !== expected || object.kind !== type.kind) {
      const served = resourceByKind(object.apiVersion, object.kind);
      if (!served || served !== type) {
        throw apiErrors.badRequest(
          `the object in the request (${object.apiVersion} ${object.kind}) does not match the resource in the URL (${expected} ${type.kind})`,
        );
      }
    }
    if (!isPlainObject(object.metadata)) object.metadata = {};
    if (!type.namespaced) {
      delete object.metadata.namespace;
      return object;
    }
    const target = namespace ?? object.metadata.namespace;
    if (!target) throw apiErrors.badRequest(`${type.plural} are namespaced: the request names no namespace`);
    if (object.metadata.namespace && object.metadata.namespace !== target) {
      throw apiErrors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    object.metadata.namespace = target;
    return object;
  }

  private assertNamespaceWritable(namespace: string): void {
    const namespaceType = RESOURCE_TYPES.find((type) => type.kind === 'Namespace')!;
    const found = this.find(namespaceType, undefined, namespace);
    if (!found) throw apiErrors.notFound(namespaceType, namespace);
    if (found.metadata.deletionTimestamp) {
      throw apiErrors.forbidden(
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  private assignName(type: ResourceType, object: KubeObject): void {
    if (object.metadata.name || !object.metadata.generateName) return;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const candidate = `${object.metadata.generateName}${randomSuffix()}`;
      if (!this.find(type, object.metadata.namespace, candidate)) {
        object.metadata.name = candidate;
        return;
      }
    }
    throw apiErrors.alreadyExists(type, `${object.metadata.generateName}*`);
  }
}

function listStrategiesOf(type: ResourceType): ListStrategies {
  return type.custom ? atomicLists : listStrategy;
}

/** Everything but metadata and status: what a generation counts changes of. */
function specOf(object: KubeObject): Record<string, unknown> {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return rest;
}

function assertNameMatches(object: KubeObject, name: string): void {
  if (object.metadata.name !== name) {
    throw apiErrors.badRequest(
      `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
}
