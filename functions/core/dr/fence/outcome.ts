import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { failoverIdSchema } from '../failover/request.ts';

/**
 * The fence's steps and what each reports (docs/dr.md, "Fencing"). A step that could not reach the
 * side it fences reports `unreachable` rather than failing: the failover goes on with that side
 * lost. `unsupported` is an endpoint without the operation (s3rver has no bucket policies).
 */
export const FENCE_STEPS = ['prefect', 'writers', 'buckets'] as const;
export type FenceStep = (typeof FENCE_STEPS)[number];

/** Which side a fence holds: the primary on failover, the DR side on failback. */
export const FENCE_SIDES = ['primary', 'dr'] as const;
export type FenceSide = (typeof FENCE_SIDES)[number];

export const fenceTargetSchema = z.object({
  failoverId: failoverIdSchema,
  side: z._default(z.enum(FENCE_SIDES), 'primary'),
});
export type FenceTarget = z.output<typeof fenceTargetSchema>;

export interface FenceKey extends FenceTarget {
  readonly environment: string;
}

export const FENCE_STATUSES = ['fenced', 'unreachable', 'unsupported'] as const;
export const LIFT_STATUSES = ['lifted', 'already-lifted', 'not-fenced', 'unreachable'] as const;

export const CHANGE_OUTCOMES = ['changed', 'unchanged', 'gone', 'unsupported'] as const;
export const fenceChangeSchema = z.object({
  /** `Deployment prefect/prefect-worker-default`, `work pool default`, `bucket market`. */
  target: nonEmptyString(),
  change: nonEmptyString(),
  outcome: z.enum(CHANGE_OUTCOMES),
});
export type FenceChange = z.output<typeof fenceChangeSchema>;

interface StepReport {
  readonly step: FenceStep;
  readonly side: FenceSide;
  readonly failoverId: string;
  /** One sentence for the journal and the report. */
  readonly detail: string;
  readonly changes: FenceChange[];
}

export interface FenceStepResult extends StepReport {
  readonly status: (typeof FENCE_STATUSES)[number];
  /** How many original values the ops table holds for this step. */
  readonly saved: number;
}

export interface LiftStepResult extends StepReport {
  readonly status: (typeof LIFT_STATUSES)[number];
  /** Saved objects that no longer exist. */
  readonly missing: string[];
}

export function countOutcomes(changes: readonly FenceChange[], outcome: FenceChange['outcome']): number {
  return changes.filter((change) => change.outcome === outcome).length;
}
