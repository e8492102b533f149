import type { V1ObjectMeta } from '@kubernetes/client-node';

/**
 * The annotations of the off-hours scale-down, on the objects themselves so that `kubectl describe`
 * and validate-platform tell a sleeping workload from a broken one without reading the ops table.
 *
 * - `lakehouse-ops.io/off-hours: keep` (set by people): the workload or CronJob is never put to sleep.
 * - `lakehouse-ops.io/asleep-since` (set by sleep, removed by wake): when it was scaled down.
 * - `lakehouse-ops.io/asleep-replicas`: its replicas before (the ops table's snapshot is what wake
 *   restores; this is for people and checks).
 * - `lakehouse-ops.io/wake-command`: how to wake it early, e.g. `lakehouse-ops wake staging`.
 */
export const OFF_HOURS_ANNOTATION = 'lakehouse-ops.io/off-hours';
export const KEEP_VALUE = 'keep';
export const ASLEEP_SINCE_ANNOTATION = 'lakehouse-ops.io/asleep-since';
export const ASLEEP_REPLICAS_ANNOTATION = 'lakehouse-ops.io/asleep-replicas';
export const WAKE_COMMAND_ANNOTATION = 'lakehouse-ops.io/wake-command';

export const ASLEEP_ANNOTATIONS = [
  ASLEEP_SINCE_ANNOTATION,
  ASLEEP_REPLICAS_ANNOTATION,
  WAKE_COMMAND_ANNOTATION,
] as const;

export function wakeCommand(environment: string): string {
  return `lakehouse-ops wake ${environment}`;
}

export function isMarkedKeep(metadata: V1ObjectMeta | undefined): boolean {
  return metadata?.annotations?.[OFF_HOURS_ANNOTATION]?.trim().toLowerCase() === KEEP_VALUE;
}

export interface AsleepMark {
  readonly since: string;
  /** The replicas it had before, when the annotation holds a whole number. */
  readonly replicas?: number;
  readonly wakeCommand?: string;
}

/** The off-hours mark of an object, or undefined when it is not asleep. */
export function asleepMark(metadata: V1ObjectMeta | undefined): AsleepMark | undefined {
  const annotations = metadata?.annotations ?? {};
  const since = annotations[ASLEEP_SINCE_ANNOTATION];
  if (!since) return undefined;
  const replicas = Number(annotations[ASLEEP_REPLICAS_ANNOTATION]);
  return {
    since,
    ...(Number.isInteger(replicas) && replicas >= 0 ? { replicas } : {}),
    ...(annotations[WAKE_COMMAND_ANNOTATION] ? { wakeCommand: annotations[WAKE_COMMAND_ANNOTATION] } : {}),
  };
}

/** Annotations that put an object to sleep (a merge patch's metadata.annotations). */
export function asleepAnnotations(
  since: string,
  environment: string,
  replicas?: number,
): Record<string, string> {
  return {
    [ASLEEP_SINCE_ANNOTATION]: since,
    ...(replicas === undefined ? {} : { [ASLEEP_REPLICAS_ANNOTATION]: String(replicas) }),
    [WAKE_COMMAND_ANNOTATION]: wakeCommand(environment),
  };
}

/** A merge patch's metadata.annotations that removes the sleep marks (null deletes a key). */
export function awakeAnnotations(): Record<string, null> {
  return Object.fromEntries(ASLEEP_ANNOTATIONS.map((name) => [name, null]));
}
