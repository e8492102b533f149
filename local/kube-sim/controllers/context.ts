import { createHash } from 'node:crypto';
import type { ImageRegistry } from '../images.ts';
import type { JobExecutions } from '../job-executors.ts';
import {
  type Condition,
  clone,
  conditionOf,
  controllerOf,
  jsonEqual,
  type KubeObject,
  ownerReferenceTo,
  type Pod,
  type PodTemplate,
} from '../model.ts';
import type { ObjectApi } from '../objects.ts';
import { type ResourceType, TYPES } from '../resources.ts';

/**
 * What every controller gets, plus the helpers they share. Controllers are plain functions that
 * read the store and write through the ObjectApi; the runner repeats them until nothing changes.
 */
export interface ControllerContext {
  api: ObjectApi;
  images: ImageRegistry;
  clock(): Date;
  /** clock() as RFC 3339, for timestamps in objects. */
  now(): string;
  /** Run-to-completion containers that really run (../job-executors.ts); none by default. */
  executions?: JobExecutions;
}

export type Controller = (context: ControllerContext) => void;

export const CONTROLLER_MANAGER = 'kube-controller-manager';

/** Writes `.status` through the status subresource, and only when it changed. */
export function writeStatus(
  context: ControllerContext,
  type: ResourceType,
  object: KubeObject,
  status: unknown,
  manager = CONTROLLER_MANAGER,
): void {
  if (jsonEqual(object.status, status)) return;
  const next = { ...clone(object), status };
  context.api.update(type, next, object.metadata.namespace, object.metadata.name ?? '', {
    subresource: 'status',
    manager,
    trusted: true,
  });
}

/** Writes a changed main resource as a trusted system actor. */
export function writeObject(
  context: ControllerContext,
  type: ResourceType,
  next: KubeObject,
  manager = CONTROLLER_MANAGER,
): void {
  const { metadata } = next;
  context.api.update(type, next, metadata.namespace, metadata.name ?? '', { manager, trusted: true });
}

export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Counted by controllers: not finished and not on its way out. */
export function isActive(pod: Pod): boolean {
  return !isTerminal(pod) && !pod.metadata.deletionTimestamp;
}

export function isReady(pod: Pod): boolean {
  return conditionOf(pod.status?.conditions, 'Ready')?.status === 'True';
}

export function conditionIsTrue(conditions: Condition[] | undefined, type: string): boolean {
  return conditionOf(conditions, type)?.status === 'True';
}

export function podsControlledBy(context: ControllerContext, owner: KubeObject): Pod[] {
  return context.api
    .list(TYPES.pod, owner.metadata.namespace)
    .filter((pod) => controllerOf(pod)?.uid === owner.metadata.uid) as Pod[];
}

export interface PodCreation {
  name?: string;
  generateName?: string;
  extraLabels?: Record<string, string>;
  mutate?: (pod: Pod) => void;
}

/** Creates a pod from a workload's template, owned by the workload. */
export function createPodFromTemplate(
  context: ControllerContext,
  owner: KubeObject,
  template: PodTemplate,
  creation: PodCreation,
): Pod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(creation.name ? { name: creation.name } : { generateName: creation.generateName }),
      namespace: owner.metadata.namespace,
      labels: { ...template.metadata?.labels, ...creation.extraLabels },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerReferenceTo(owner)],
    },
    spec: clone(template.spec),
  };
  creation.mutate?.(pod);
  return context.api.create(TYPES.pod, pod, owner.metadata.namespace, { manager: CONTROLLER_MANAGER }) as Pod;
}

export function deletePod(context: ControllerContext, pod: Pod): void {
  context.api.delete(TYPES.pod, pod.metadata.namespace, pod.metadata.name ?? '', {
    manager: CONTROLLER_MANAGER,
  });
}

const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A short, stable, DNS-safe hash of a pod template (like pod-template-hash / controller-revision-hash). */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(stableJson(template)).digest();
  return Array.from(digest.subarray(0, 10), (byte) => HASH_ALPHABET[byte % HASH_ALPHABET.length]).join('');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Resolves an int-or-percent against a total (maxSurge, maxUnavailable, minAvailable). */
export function scaledValue(
  value: number | string | undefined,
  total: number,
  roundUp: boolean,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) {
    const number = Number(value);
    if (Number.isInteger(number)) return number;
    throw new Error(`"${value}" is neither an integer nor a percentage`);
  }
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
