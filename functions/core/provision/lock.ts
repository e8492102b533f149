import * as z from 'zod/mini';
import { nonEmptyString } from '../../commons/schemas.ts';

/**
 * One provision run per cluster at a time: two runs applying the same manifests or resizing the
 * same node groups would each report the other's changes as their own, and a dry run's diff would
 * be stale before it is read. Dry runs change nothing and take no lock.
 */
export const PROVISION_LOCK_SCOPE = 'provision';

/** What the lock steps receive: the cluster (the lock's name) and the execution name (its owner). */
export const provisionLockEventSchema = z.object({
  cluster: nonEmptyString(),
  /** The execution name, so a retried step re-acquires its own lease. */
  owner: nonEmptyString(),
});
export type ProvisionLockEvent = z.output<typeof provisionLockEventSchema>;
