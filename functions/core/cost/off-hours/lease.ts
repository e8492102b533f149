import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';

/**
 * One off-hours run per environment at a time (functions/core/locks/lease-lock.ts, scope
 * `off-hours`, name = the environment): a wake racing a sleep would restore counts the sleep is
 * about to save as zeros. Dry runs change nothing and take no lease.
 */
export const OFF_HOURS_LEASE_SCOPE = 'off-hours';

export const offHoursLeaseEventSchema = z.object({
  environment: nonEmptyString(),
  /** The execution name, so a retried step re-acquires its own lease. */
  owner: nonEmptyString(),
});
export type OffHoursLeaseEvent = z.output<typeof offHoursLeaseEventSchema>;
