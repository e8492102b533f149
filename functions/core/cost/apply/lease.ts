import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';

/**
 * One cost-optimise run per environment at a time (functions/core/locks/lease-lock.ts, scope
 * `cost-optimise`, name = the environment): two runs would each read the other's half-applied
 * changes as the current state, and the weekly cap and the watch would judge the wrong baseline.
 */
export const RIGHTSIZING_LEASE_SCOPE = 'cost-optimise';

export const rightsizingLeaseEventSchema = z.object({
  /** The execution name, so a retried step re-acquires its own lease. */
  owner: nonEmptyString(),
});
