import { type ListStrategies, listStrategy } from './merge-keys.ts';
import { isPlainObject, jsonEqual } from './model.ts';

/**
 * Field paths in managedFields' FieldsV1 notation (`f:spec`, `k:{"name":"app"}`, `v:"finalizer"`),
 * used to track which field manager owns which leaf of an object.
 */
export type FieldPath = string[];

/** Identity and server-owned fields nobody owns through managedFields. */
const UNOWNED_ROOT = new Set(['f:apiVersion', 'f:kind', 'f:status']);
const UNOWNED_METADATA = new Set([
  'f:name',
  'f:namespace',
  'f:uid',
  'f:resourceVersion',
  'f:generation',
  'f:creationTimestamp',
  'f:deletionTimestamp',
  'f:managedFields',
]);

function fieldName(segment: string): string | undefined {
  return segment.startsWith('f:') ? segment.slice(2) : undefined;
}

function fieldNames(path: FieldPath): string[] {
  return path.map(fieldName).filter((name): name is string => name !== undefined);
}

function isOwnable(path: FieldPath): boolean {
  if (path.length === 1 && UNOWNED_ROOT.has(path[0]!)) return false;
  return !(path.length === 2 && path[0] === 'f:metadata' && UNOWNED_METADATA.has(path[1]!));
}

/** Every leaf path of a JSON value: scalars, atomic lists and empty maps. */
export function leafPaths(
  value: unknown,
  prefix: FieldPath = [],
  strategies: ListStrategies = listStrategy,
): FieldPath[] {
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, child]) => child !== undefined);
    if (entries.length === 0) return prefix.length > 0 ? [prefix] : [];
    return entries
      .map(([key, nested]) => ({ path: [...prefix, `f:${key}`], nested }))
      .filter(({ path }) => isOwnable(path))
      .flatMap(({ path, nested }) => leafPaths(nested, path, strategies));
  }
  if (Array.isArray(value)) {
    const strategy = strategies(fieldNames(prefix));
    if (strategy.kind === 'set') return value.map((item) => [...prefix, `v:${JSON.stringify(item)}`]);
    if (strategy.kind === 'map' && value.every(isPlainObject)) {
      return value.flatMap((item) =>
        leafPaths(
          item,
          [...prefix, `k:${JSON.stringify({ [strategy.key]: item[strategy.key] })}`],
          strategies,
        ),
      );
    }
  }
  return [prefix];
}

function findKeyed(list: unknown[], segment: string): number {
  const key = JSON.parse(segment.slice(2)) as Record<string, unknown>;
  return list.findIndex(
    (item) => isPlainObject(item) && Object.entries(key).every(([name, v]) => jsonEqual(item[name], v)),
  );
}

function child(node: unknown, segment: string): unknown {
  const name = fieldName(segment);
  if (name !== undefined) return isPlainObject(node) ? node[name] : undefined;
  if (!Array.isArray(node)) return undefined;
  if (segment.startsWith('k:')) return node[findKeyed(node, segment)];
  const value = JSON.parse(segment.slice(2)) as unknown;
  return node.find((item) => jsonEqual(item, value));
}

export function valueAt(object: unknown, path: FieldPath): unknown {
  return path.reduce<unknown>((node, segment) => child(node, segment), object);
}

/** Removes a leaf, then prunes maps and list elements the removal left empty (or holding only their key). */
export function removePath(object: Record<string, unknown>, path: FieldPath): void {
  const parents: unknown[] = [object];
  for (const segment of path.slice(0, -1)) parents.push(child(parents[parents.length - 1], segment));
  for (let depth = path.length - 1; depth >= 0; depth -= 1) {
    const parent = parents[depth];
    const segment = path[depth]!;
    const isLeaf = depth === path.length - 1;
    const target = child(parent, segment);
    if (!isLeaf && !isEmptyRemainder(target, segment)) return;
    const name = fieldName(segment);
    if (name !== undefined && isPlainObject(parent)) delete parent[name];
    else if (Array.isArray(parent)) {
      const index = segment.startsWith('k:')
        ? findKeyed(parent, segment)
        : parent.findIndex((item) => jsonEqual(item, JSON.parse(segment.slice(2))));
      if (index >= 0) parent.splice(index, 1);
    }
    // Keep top-level maps such as spec and metadata even when they end up empty.
    if (depth <= 1) return;
  }
}

function isEmptyRemainder(node: unknown, segment: string): boolean {
  if (!isPlainObject(node)) return Array.isArray(node) && node.length === 0;
  if (segment.startsWith('k:')) {
    const keyNames = Object.keys(JSON.parse(segment.slice(2)) as Record<string, unknown>);
    return Object.keys(node).every((key) => keyNames.includes(key));
  }
  return Object.keys(node).length === 0;
}

export function pathKey(path: FieldPath): string {
  return JSON.stringify(path);
}

export function pathText(path: FieldPath): string {
  return path
    .map((segment) => (segment.startsWith('f:') ? `.${segment.slice(2)}` : `[${segment.slice(2)}]`))
    .join('');
}

/** FieldsV1 is the paths as a tree of nested objects, with `{}` at each leaf. */
export function toFieldsV1(paths: FieldPath[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const path of paths) {
    let node = root;
    for (const segment of path) {
      node[segment] ??= {};
      node = node[segment] as Record<string, unknown>;
    }
  }
  return root;
}

export function fromFieldsV1(
  fields: Record<string, unknown> | undefined,
  prefix: FieldPath = [],
): FieldPath[] {
  const entries = Object.entries(fields ?? {}).filter(([segment]) => segment !== '.');
  if (entries.length === 0) return prefix.length > 0 ? [prefix] : [];
  return entries.flatMap(([segment, node]) =>
    fromFieldsV1(isPlainObject(node) ? node : {}, [...prefix, segment]),
  );
}
