import { apiErrors, KubeApiError } from './errors.ts';
import { type ListStrategies, listStrategy } from './merge-keys.ts';
import { clone, isPlainObject, jsonEqual } from './model.ts';

/**
 * The three PATCH formats of the API server: JSON merge patch (RFC 7386), strategic merge patch
 * (keyed lists merge by their merge key, `$patch` directives) and JSON patch (RFC 6902).
 */

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;
export type PatchType = (typeof PATCH_TYPES)[number];

/** Applies a JSON, merge or strategic merge patch; server-side apply has its own path. */
export function applyPatch(current: unknown, patchType: PatchType, body: unknown): unknown {
  switch (patchType) {
    case 'application/json-patch+json':
      return applyJsonPatch(current, body);
    case 'application/merge-patch+json':
      return applyMergePatch(current, requireObject(body, patchType));
    case 'application/strategic-merge-patch+json':
      return applyStrategicMergePatch(current, requireObject(body, patchType));
    default:
      throw apiErrors.unsupportedMediaType(patchType, PATCH_TYPES);
  }
}

export function requireObject(body: unknown, patchType: string): Record<string, unknown> {
  if (!isPlainObject(body)) throw apiErrors.badRequest(`a ${patchType} body must be a JSON object`);
  return body;
}

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

export function applyStrategicMergePatch(
  target: unknown,
  patch: unknown,
  path: readonly string[] = [],
  strategies: ListStrategies = listStrategy,
): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const directive = patch.$patch;
  if (directive === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return clone(rest);
  }
  if (directive !== undefined && directive !== 'merge') {
    throw apiErrors.badRequest(
      `strategic merge patch: unsupported $patch directive "${String(directive)}" on a map at ${pathText(path)}`,
    );
  }
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  const retainKeys = patch.$retainKeys;
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        result[field] = current.filter((item) => !value.some((removed) => jsonEqual(removed, item)));
      }
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    if (isPlainObject(value) && value.$patch === 'delete') {
      delete result[key];
      continue;
    }
    const childPath = [...path, key];
    result[key] = Array.isArray(value)
      ? mergeList(result[key], value, childPath, strategies)
      : applyStrategicMergePatch(result[key], value, childPath, strategies);
  }
  if (Array.isArray(retainKeys)) {
    for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key];
  }
  return result;
}

function mergeList(
  target: unknown,
  patch: unknown[],
  path: readonly string[],
  strategies: ListStrategies,
): unknown[] {
  const current = Array.isArray(target) ? target : [];
  const strategy = strategies(path);
  if (strategy.kind === 'set') {
    const merged = [...current];
    for (const item of patch) if (!merged.some((existing) => jsonEqual(existing, item))) merged.push(item);
    return merged;
  }
  if (strategy.kind === 'atomic' || !patch.every(isPlainObject)) return clone(patch);
  if (patch.some((item) => item.$patch === 'replace')) {
    return clone(patch.filter((item) => item.$patch !== 'replace'));
  }
  const merged = [...current];
  for (const item of patch) {
    const keyValue = item[strategy.key];
    if (keyValue === undefined) {
      throw apiErrors.badRequest(
        `strategic merge patch: an element of ${pathText(path)} has no merge key "${strategy.key}"`,
      );
    }
    const index = merged.findIndex(
      (existing) => isPlainObject(existing) && jsonEqual(existing[strategy.key], keyValue),
    );
    if (item.$patch === 'delete') {
      if (index >= 0) merged.splice(index, 1);
      continue;
    }
    if (index >= 0) merged[index] = applyStrategicMergePatch(merged[index], item, path, strategies);
    else merged.push(applyStrategicMergePatch(undefined, item, path, strategies));
  }
  return merged;
}

function pathText(path: readonly string[]): string {
  return path.length === 0 ? 'the root' : `.${path.join('.')}`;
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

function patchError(index: number, operation: unknown, why: string): KubeApiError {
  return new KubeApiError(
    422,
    'Invalid',
    `the server rejected our request due to an error in our request: json patch operation ${index} (${JSON.stringify(operation)}): ${why}`,
    {
      causes: [{ reason: 'FieldValueInvalid', field: 'patch', message: why }],
    },
  );
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function resolveParent(document: unknown, tokens: string[]): { parent: Container; last: string } {
  let node = document;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(node, token, false)];
    else if (isPlainObject(node) && token in node) node = node[token];
    else throw new Error(`path segment "${token}" does not exist`);
  }
  if (!Array.isArray(node) && !isPlainObject(node))
    throw new Error('the parent of the target is not an object or array');
  return { parent: node, last: tokens[tokens.length - 1]! };
}

function arrayIndex(array: unknown[], token: string, allowEnd: boolean): number {
  if (allowEnd && token === '-') return array.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new Error(`"${token}" is not an array index`);
  const index = Number(token);
  if (index > array.length || (!allowEnd && index === array.length))
    throw new Error(`array index ${index} is out of bounds`);
  return index;
}

function getAt(document: unknown, pointer: string): unknown {
  let node = document;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(node)) node = node[arrayIndex(node, token, false)];
    else if (isPlainObject(node) && token in node) node = node[token];
    else throw new Error(`path "${pointer}" does not exist`);
  }
  return node;
}

function removeAt(document: unknown, pointer: string): unknown {
  const { parent, last } = resolveParent(document, parsePointer(pointer));
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, false), 1)[0];
  if (!(last in parent)) throw new Error(`path "${pointer}" does not exist`);
  const removed = parent[last];
  delete parent[last];
  return removed;
}

function addAt(document: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return clone(value);
  const { parent, last } = resolveParent(document, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true), 0, clone(value));
  else parent[last] = clone(value);
  return document;
}

export function applyJsonPatch(document: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) {
    throw apiErrors.badRequest('json patch: the body must be a JSON array of operations');
  }
  let result = clone(document);
  operations.forEach((operation: JsonPatchOperation, index) => {
    try {
      switch (operation.op) {
        case 'add':
          result = addAt(result, operation.path, operation.value);
          break;
        case 'remove':
          removeAt(result, operation.path);
          break;
        case 'replace':
          getAt(result, operation.path);
          if (operation.path === '') result = clone(operation.value);
          else {
            removeAt(result, operation.path);
            result = addAt(result, operation.path, operation.value);
          }
          break;
        case 'move':
          result = addAt(result, operation.path, removeAt(result, requireFrom(operation)));
          break;
        case 'copy':
          result = addAt(result, operation.path, getAt(result, requireFrom(operation)));
          break;
        case 'test':
          if (!jsonEqual(getAt(result, operation.path), operation.value)) {
            throw new Error(`testing value ${operation.path} failed`);
          }
          break;
        default:
          throw new Error(
            `unknown op "${String((operation as { op?: unknown }).op)}"; expected add, remove, replace, move, copy or test`,
          );
      }
    } catch (error) {
      if (error instanceof KubeApiError) throw error;
      throw patchError(index, operation, (error as Error).message);
    }
  });
  return result;
}

function requireFrom(operation: JsonPatchOperation): string {
  if (typeof operation.from !== 'string') throw new Error(`"${operation.op}" needs a "from" pointer`);
  return operation.from;
}
