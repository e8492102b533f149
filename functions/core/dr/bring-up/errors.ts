import { namedError } from '../../../commons/errors.ts';

/**
 * The bring-up's failures, by the names dr-failover's Retry and Catch states use (docs/dr.md,
 * "Bringing up the DR side"). Each carries in `details` what an operator needs to act.
 */

/** The DR PostgreSQL is not rolled out yet: retry once its rollout is complete. */
export class DrDatabaseNotReadyError extends namedError('DrDatabaseNotReadyError') {}

/** Prefect's stage waits for the database this failover restored, and the restore is not recorded. */
export class DrDatabaseNotRestoredError extends namedError('DrDatabaseNotRestoredError') {}

/**
 * The DR database was restored (or is being restored) by another failover: a failover restores only
 * into a DR database that no earlier failover used; reset it first (docs/dr.md, "Bringing up the DR side").
 */
export class DrDatabaseInUseError extends namedError('DrDatabaseInUseError') {}

/** The restored database's row counts are not the dump's. */
export class DrDatabaseMismatchError extends namedError('DrDatabaseMismatchError') {}

/** The backup bucket holds no complete dump (a dump with its sidecar) of the Prefect database. */
export class NoPostgresDumpError extends namedError('NoPostgresDumpError') {}
