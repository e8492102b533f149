/**
 * The fields that differ between an object as stored and as an apply (or its dry run) left it,
 * as dotted paths an operator can read: `spec.replicas`,
 * `spec.template.spec.containers[name=prefect].image`. What the server maintains on its own
 * (resourceVersion, managedFields, timestamps, generation, status) is not a change anyone applied.
 */
type Json = unknown;

const SERVER_MAINTAINED_METADATA = new Set([
  'resourceVersion',
  'managedFields',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
]);

/** How many paths a report lists per object; the count says how many there were. */
export const MAX_REPORTED_FIELDS = 20;

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A list element's readable key: its `name` (containers, ports, volumes) when every element has one. */
function elementKeys(list: Json[]): string[] | undefined {
  const names = list.map((item) => (isRecord(item) && typeof item.name === 'string' ? item.name : undefined));
  if (names.some((name) => name === undefined) || new Set(names).size !== names.length) return undefined;
  return names.map((name) => `[name=${name}]`);
}

function join(path: string, key: string): string {
  if (key.startsWith('[')) return `${path}${key}`;
  return path ? `${path}.${key}` : key;
}

function collect(before: Json, after: Json, path: string, out: string[]): void {
  if (Object.is(before, after)) return;
  if (isRecord(before) && isRecord(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      collect(before[key], after[key], join(path, key), out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const beforeKeys = elementKeys(before);
    const afterKeys = elementKeys(after);
    if (beforeKeys && afterKeys) {
      const indexed = (list: Json[], keys: string[]) => new Map(keys.map((key, index) => [key, list[index]]));
      const left = indexed(before, beforeKeys);
      const right = indexed(after, afterKeys);
      for (const key of new Set([...beforeKeys, ...afterKeys]))
        collect(left.get(key), right.get(key), join(path, key), out);
      return;
    }
    if (before.length === after.length) {
      for (const [index, item] of before.entries())
        collect(item, after[index], join(path, `[${index}]`), out);
      return;
    }
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push(path);
}

function comparable(object: Json): Json {
  if (!isRecord(object)) return object;
  const { status: _status, metadata, ...rest } = object;
  if (!isRecord(metadata)) return rest;
  const kept = Object.fromEntries(
    Object.entries(metadata).filter(([key]) => !SERVER_MAINTAINED_METADATA.has(key)),
  );
  return { ...rest, metadata: kept };
}

/** Every changed leaf path, in document order. */
export function changedFields(before: Json, after: Json): string[] {
  const out: string[] = [];
  collect(comparable(before), comparable(after), '', out);
  return out;
}
