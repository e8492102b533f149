import { namedError } from '../../commons/errors.ts';

/**
 * Errors of the PostgreSQL backup Jobs. Their names are part of the backup, verify-backup and
 * restore workflows' contract (they Catch on them): never rename one casually.
 */

/** A pg-tools Job failed. details: namespace, job, reason, exitCode, logTail (the container's last lines). */
export class PostgresJobFailedError extends namedError('PostgresJobFailedError') {}

/** The restore Job downloaded a dump whose SHA-256 is not the one its sidecar recorded at dump time. */
export class DumpChecksumMismatchError extends namedError(
  'DumpChecksumMismatchError',
  PostgresJobFailedError,
) {}

/** The restore target database exists already: a restore only ever creates a new database. */
export class RestoreTargetExistsError extends namedError(
  'RestoreTargetExistsError',
  PostgresJobFailedError,
) {}

/** The Job did not finish within the wait; it keeps running until its activeDeadlineSeconds. */
export class PostgresJobTimeoutError extends namedError('PostgresJobTimeoutError') {}

/**
 * A dump's objects in S3 are missing or disagree: no sidecar (the Job never finished its upload),
 * a sidecar that is not one, or a dump whose size or sha256 metadata is not the sidecar's.
 */
export class DumpIncompleteError extends namedError('DumpIncompleteError') {}
