import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';

/**
 * The spot-migration workflow's input. `direction` makes it reversible: `to-on-demand` moves a pool
 * back the same way it came. `instanceTypes` are the new group's; the old group's when omitted.
 */
export const SPOT_DIRECTIONS = ['to-spot', 'to-on-demand'] as const;
export type SpotDirection = (typeof SPOT_DIRECTIONS)[number];
export type CapacityType = 'ON_DEMAND' | 'SPOT';

/** Nodes drained at a time: a few, so the pool never loses more than that much capacity at once. */
export const DEFAULT_BATCH_SIZE = 2;
export const MAX_BATCH_SIZE = 10;

/** A Kubernetes label value, since the pool is named by the node groups' pool label. */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export const spotMigrationRequestSchema = z.strictObject({
  /** The pool (node groups labelled `lakehouse-ops.io/pool=<pool>`): `compute`. */
  pool: nonEmptyString().check(z.regex(LABEL_VALUE, 'expected a pool name such as "compute"')),
  direction: z.enum(SPOT_DIRECTIONS),
  instanceTypes: z.optional(z.array(nonEmptyString()).check(z.minLength(1))),
  /** Change nothing: plan, and dry-run the cordons and evictions (the server judges the budgets). */
  dryRun: z.boolean(),
  requestedBy: nonEmptyString(),
  batchSize: z._default(z.number().check(z.int(), z.positive(), z.lte(MAX_BATCH_SIZE)), DEFAULT_BATCH_SIZE),
});
export type SpotMigrationRequest = z.output<typeof spotMigrationRequestSchema>;

export function capacityTypeOf(direction: SpotDirection): CapacityType {
  return direction === 'to-spot' ? 'SPOT' : 'ON_DEMAND';
}
