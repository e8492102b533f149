import { apiErrors } from './errors.ts';
import { clone, jsonEqual, type KubeObject } from './model.ts';
import type { ResourceType } from './resources.ts';

/**
 * Object persistence with one cluster-wide resourceVersion counter, as etcd gives the API server.
 * Objects go in and out as deep copies so no caller can mutate stored state behind the counter.
 * Optimistic concurrency lives here: a write that names a stale resourceVersion is a 409 Conflict.
 */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private counter = 0;

  /** The latest resourceVersion handed out; it moves on every effective write. */
  get revision(): number {
    return this.counter;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const object = this.objects.get(keyOf(type, namespace, name));
    return object ? clone(object) : undefined;
  }

  /** Objects of a type, optionally in one namespace, sorted by namespace then name like etcd keys. */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    const prefix = namespace === undefined ? `${typeKey(type)}|` : `${typeKey(type)}|${namespace}|`;
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => clone(object));
  }

  /** Stores a new object; returns it with its resourceVersion. */
  insert(type: ResourceType, object: KubeObject): KubeObject {
    const key = keyOf(type, object.metadata.namespace, object.metadata.name ?? '');
    if (this.objects.has(key)) throw apiErrors.alreadyExists(type, object.metadata.name ?? '');
    const stored = clone(object);
    stored.metadata.resourceVersion = this.nextRevision();
    this.objects.set(key, stored);
    return clone(stored);
  }

  /**
   * Replaces an object. A resourceVersion on the incoming object must match the stored one.
   * A write that changes nothing keeps the old resourceVersion, so controllers that recompute the
   * same state do not look like activity.
   */
  replace(type: ResourceType, object: KubeObject): KubeObject {
    const name = object.metadata.name ?? '';
    const key = keyOf(type, object.metadata.namespace, name);
    const current = this.objects.get(key);
    if (!current) throw apiErrors.notFound(type, name);
    const expected = object.metadata.resourceVersion;
    if (expected && expected !== current.metadata.resourceVersion) {
      throw apiErrors.conflict(
        type,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const next = clone(object);
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    if (jsonEqual(withoutVolatileMeta(next), withoutVolatileMeta(current))) return clone(current);
    next.metadata.resourceVersion = this.nextRevision();
    this.objects.set(key, next);
    return clone(next);
  }

  remove(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const key = keyOf(type, namespace, name);
    const current = this.objects.get(key);
    if (!current) throw apiErrors.notFound(type, name);
    this.objects.delete(key);
    this.nextRevision();
    return clone(current);
  }

  private nextRevision(): string {
    this.counter += 1;
    return String(this.counter);
  }
}

function typeKey(type: ResourceType): string {
  return `${type.group}/${type.plural}`;
}

function keyOf(type: ResourceType, namespace: string | undefined, name: string): string {
  return `${typeKey(type)}|${type.namespaced ? (namespace ?? '') : ''}|${name}`;
}

/** managedFields timestamps change on every write; they alone do not make a write effective. */
function withoutVolatileMeta(object: KubeObject): KubeObject {
  const { managedFields: _managedFields, ...metadata } = object.metadata;
  return { ...object, metadata };
}
