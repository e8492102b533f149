import type { WorkloadRef } from '../recommendation.ts';
import type { PatchableKind } from './workload-objects.ts';

/**
 * The patch file for a GitOps-managed workload: a kustomize strategic merge patch (the object's
 * apiVersion, kind, name and namespace, plus exactly the fields to change), for the overlay's
 * `patches:` list. The repository then changes the workload through its own review and sync.
 */
const API_VERSIONS: Readonly<Record<PatchableKind, string>> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  CronJob: 'batch/v1',
};

export interface KustomizePatchFile {
  /** Where to put it in the repository's overlay: `rightsizing/<namespace>-<kind>-<name>.yaml`. */
  readonly path: string;
  readonly content: string;
}

export function kustomizePatchFile(
  workload: WorkloadRef & { kind: PatchableKind },
  patch: { spec: object },
  header: readonly string[],
): KustomizePatchFile {
  const document = {
    apiVersion: API_VERSIONS[workload.kind],
    kind: workload.kind,
    metadata: { name: workload.name, namespace: workload.namespace },
    spec: patch.spec,
  };
  const path = `rightsizing/${workload.namespace}-${workload.kind.toLowerCase()}-${workload.name}.yaml`;
  const comments = header.map((line) => `# ${line.replace(/[\r\n]+/g, ' ')}`);
  return { path, content: `${[...comments, ...yamlLines(document, 0)].join('\n')}\n` };
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Quoted always: `2` or `1e3` would otherwise be read back as numbers, `on` as a boolean.
  return JSON.stringify(String(value));
}

function key(name: string): string {
  return PLAIN_KEY.test(name) ? name : JSON.stringify(name);
}

function isNested(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** A block-style YAML rendering of plain JSON data (objects, arrays, strings, numbers, null). */
export function yamlLines(value: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (!isNested(item)) return [`${pad}- ${scalar(item)}`];
      const [first = '', ...rest] = yamlLines(item, indent + 2);
      return [`${pad}- ${first.trimStart()}`, ...rest];
    });
  }
  if (isNested(value)) {
    return Object.entries(value).flatMap(([name, item]) => {
      if (!isNested(item)) return [`${pad}${key(name)}: ${scalar(item)}`];
      const empty = Array.isArray(item) ? item.length === 0 : Object.keys(item).length === 0;
      if (empty) return [`${pad}${key(name)}: ${Array.isArray(item) ? '[]' : '{}'}`];
      return [`${pad}${key(name)}:`, ...yamlLines(item, Array.isArray(item) ? indent : indent + 2)];
    });
  }
  return [`${pad}${scalar(value)}`];
}
