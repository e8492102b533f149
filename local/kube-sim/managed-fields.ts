import { KubeApiError, type ResourceName } from './errors.ts';
import {
  type FieldPath,
  fromFieldsV1,
  leafPaths,
  pathKey,
  pathText,
  removePath,
  toFieldsV1,
  valueAt,
} from './field-paths.ts';
import type { ListStrategies } from './merge-keys.ts';
import { clone, jsonEqual, type KubeObject, type ManagedFieldsEntry } from './model.ts';
import { applyStrategicMergePatch } from './patch.ts';

/**
 * Field ownership (metadata.managedFields) and server-side apply on top of it: an apply merges the
 * applied configuration, conflicts with fields another manager set to a different value (unless
 * forced), and removes fields the same manager applied before but no longer applies.
 */
export interface FieldManagerOptions {
  manager: string;
  now: string;
  subresource?: string;
  /** How the kind's lists merge (custom resources: atomically); built-in strategic merge keys by default. */
  listStrategies?: ListStrategies;
}

function entryPaths(entry: ManagedFieldsEntry): FieldPath[] {
  return fromFieldsV1(entry.fieldsV1);
}

function withoutPaths(entry: ManagedFieldsEntry, removed: Set<string>): ManagedFieldsEntry {
  return { ...entry, fieldsV1: toFieldsV1(entryPaths(entry).filter((path) => !removed.has(pathKey(path)))) };
}

function sameEntry(
  entry: ManagedFieldsEntry,
  manager: string,
  operation: 'Apply' | 'Update',
  subresource?: string,
) {
  return entry.manager === manager && entry.operation === operation && entry.subresource === subresource;
}

function upsertEntry(
  entries: ManagedFieldsEntry[],
  apiVersion: string,
  operation: 'Apply' | 'Update',
  paths: FieldPath[],
  options: FieldManagerOptions,
): ManagedFieldsEntry[] {
  const others = entries.filter(
    (entry) => !sameEntry(entry, options.manager, operation, options.subresource),
  );
  const previous = entries.find((entry) => sameEntry(entry, options.manager, operation, options.subresource));
  const merged = new Map<string, FieldPath>();
  if (operation === 'Update' && previous)
    for (const path of entryPaths(previous)) merged.set(pathKey(path), path);
  for (const path of paths) merged.set(pathKey(path), path);
  if (merged.size === 0) return others;
  const entry: ManagedFieldsEntry = {
    manager: options.manager,
    operation,
    apiVersion,
    time: options.now,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1([...merged.values()]),
    ...(options.subresource ? { subresource: options.subresource } : {}),
  };
  return [...others, entry];
}

function dropEmpty(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  return entries.filter((entry) => entryPaths(entry).length > 0);
}

/** Records an Update: the manager takes the fields it changed; others lose them. */
export function recordUpdate(
  before: KubeObject | undefined,
  after: KubeObject,
  options: FieldManagerOptions,
): KubeObject {
  const changed = leafPaths(after, [], options.listStrategies).filter(
    (path) => !before || !jsonEqual(valueAt(before, path), valueAt(after, path)),
  );
  const removed = before
    ? leafPaths(before, [], options.listStrategies).filter((path) => valueAt(after, path) === undefined)
    : [];
  const taken = new Set([...changed, ...removed].map(pathKey));
  const entries = (before?.metadata.managedFields ?? after.metadata.managedFields ?? []).map((entry) =>
    withoutPaths(entry, taken),
  );
  const result = clone(after);
  result.metadata.managedFields = dropEmpty(
    upsertEntry(entries, after.apiVersion, 'Update', changed, options),
  );
  return result;
}

export interface ApplyOptions extends FieldManagerOptions {
  force: boolean;
  resource: ResourceName;
}

/** Server-side apply of `config` onto `current` (undefined when the object does not exist yet). */
export function serverSideApply(
  current: KubeObject | undefined,
  config: KubeObject,
  options: ApplyOptions,
): KubeObject {
  const applied = leafPaths(config, [], options.listStrategies);
  const appliedKeys = new Set(applied.map(pathKey));
  const entries = current?.metadata.managedFields ?? [];
  const others = entries.filter((entry) => !sameEntry(entry, options.manager, 'Apply', options.subresource));
  if (current) assertNoConflicts(current, config, applied, others, options);

  const previousOwn = entries.find((entry) =>
    sameEntry(entry, options.manager, 'Apply', options.subresource),
  );
  const ownedByOthers = new Set(others.flatMap(entryPaths).map(pathKey));
  const abandoned = (previousOwn ? entryPaths(previousOwn) : []).filter(
    (path) => !appliedKeys.has(pathKey(path)) && !ownedByOthers.has(pathKey(path)),
  );

  const merged = applyStrategicMergePatch(
    current ?? {},
    stripDirectives(config),
    [],
    options.listStrategies,
  ) as KubeObject;
  for (const path of abandoned) removePath(merged, path);
  // A forced apply takes the conflicting fields away from their previous managers.
  const takenOver = new Set(
    applied
      .filter((path) => current && !jsonEqual(valueAt(current, path), valueAt(config, path)))
      .map(pathKey),
  );
  const remaining = others.map((entry) => withoutPaths(entry, takenOver));
  merged.metadata.managedFields = dropEmpty(
    upsertEntry(remaining, config.apiVersion, 'Apply', applied, options),
  );
  return merged;
}

function assertNoConflicts(
  current: KubeObject,
  config: KubeObject,
  applied: FieldPath[],
  others: ManagedFieldsEntry[],
  options: ApplyOptions,
): void {
  if (options.force) return;
  const conflicts: { manager: string; field: string }[] = [];
  for (const entry of others) {
    const owned = new Set(entryPaths(entry).map(pathKey));
    for (const path of applied) {
      if (owned.has(pathKey(path)) && !jsonEqual(valueAt(current, path), valueAt(config, path))) {
        conflicts.push({ manager: entry.manager, field: pathText(path) });
      }
    }
  }
  if (conflicts.length === 0) return;
  const summary = conflicts
    .map((conflict) => `conflict with "${conflict.manager}": ${conflict.field}`)
    .join('\n- ');
  const plural = conflicts.length === 1 ? '' : 's';
  throw new KubeApiError(
    409,
    'Conflict',
    `Apply failed with ${conflicts.length} conflict${plural}: ${summary}`,
    {
      name: current.metadata.name ?? '',
      group: options.resource.group,
      kind: options.resource.plural,
      causes: conflicts.map((conflict) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${conflict.manager}"`,
        field: conflict.field,
      })),
    },
  );
}

/** Apply configurations are plain objects: `$patch` directives have no meaning in them. */
function stripDirectives(config: KubeObject): KubeObject {
  return JSON.parse(JSON.stringify(config), (key, value) =>
    key === '$patch' ? undefined : value,
  ) as KubeObject;
}
