import type { V1ObjectMeta } from '@kubernetes/client-node';

/**
 * The fence's marks on the writers it stopped (docs/dr.md, "Fencing"): set by fence-primary's
 * writers step, removed only by lift-fence. They are how `kubectl describe` tells a fenced worker
 * from a broken one, and how off-hours and remediation know not to start it again: the marks are on
 * the objects themselves, so no reader needs the ops table or the DR region to see the fence.
 */
export const FENCED_BY_ANNOTATION = 'lakehouse-ops.io/fenced-by';
export const FENCED_SINCE_ANNOTATION = 'lakehouse-ops.io/fenced-since';

export interface FenceMark {
  /** The failover that fenced the object. */
  readonly failoverId: string;
  readonly since?: string;
}

/** The fence's mark on an object, or undefined when no fence holds it. */
export function fenceMark(metadata: V1ObjectMeta | undefined): FenceMark | undefined {
  const failoverId = metadata?.annotations?.[FENCED_BY_ANNOTATION]?.trim();
  if (!failoverId) return undefined;
  const since = metadata?.annotations?.[FENCED_SINCE_ANNOTATION];
  return { failoverId, ...(since ? { since } : {}) };
}
