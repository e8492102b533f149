import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';

/**
 * One migration per pool at a time: two runs creating, draining and deleting the same pool's groups
 * would undo each other (one's new group is the other's old one when the directions differ). The
 * lease is named `<cluster>/<pool>`; a dry run changes nothing and takes none.
 */
export const SPOT_MIGRATION_LEASE_SCOPE = 'spot-migration';

export const spotMigrationLeaseEventSchema = z.object({
  cluster: nonEmptyString(),
  pool: nonEmptyString(),
  /** The execution name, so a retried step re-acquires its own lease. */
  owner: nonEmptyString(),
});
export type SpotMigrationLeaseEvent = z.output<typeof spotMigrationLeaseEventSchema>;

export function spotMigrationLeaseName({ cluster, pool }: { cluster: string; pool: string }): string {
  return `${cluster}/${pool}`;
}
