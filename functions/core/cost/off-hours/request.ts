import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';

export const OFF_HOURS_WORKFLOW = 'off-hours';
export const OFF_HOURS_ACTIONS = ['sleep', 'wake'] as const;
export type OffHoursAction = (typeof OFF_HOURS_ACTIONS)[number];

/**
 * The off-hours workflow input, from the schedules (`requestedBy: "schedule"`), the console or
 * `lakehouse-ops wake`. Unknown keys are refused: a misspelt `dryrun` must fail, not scale for real.
 */
export const offHoursRequestSchema = z.strictObject({
  action: z.enum(OFF_HOURS_ACTIONS),
  /** Report what would change; Kubernetes writes go out with dryRun=All, EKS is only described. */
  dryRun: z._default(z.boolean(), false),
  requestedBy: z._default(nonEmptyString(), 'console'),
  /** Why (an early wake for a demo, a release test): kept in the audit trail and the notification. */
  reason: z.optional(nonEmptyString().check(z.maxLength(500))),
});
export type OffHoursRequestInput = z.input<typeof offHoursRequestSchema>;
export type OffHoursRequest = z.output<typeof offHoursRequestSchema>;
