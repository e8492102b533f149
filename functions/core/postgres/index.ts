/**
 * The Prefect PostgreSQL part of the backups (docs/backup.md): pg_dump and pg_restore as Kubernetes
 * Jobs on the platform's cluster, their S3 objects, and the row-count verdict.
 */

export { type PgDumpResult, type PostgresJobDeps, runPgDumpJob } from './dump.ts';
export {
  type DumpSidecar,
  dumpSidecarSchema,
  type RestoreReport,
  type RowCounts,
} from './dump-objects.ts';
export {
  DumpChecksumMismatchError,
  DumpIncompleteError,
  PostgresJobFailedError,
  PostgresJobTimeoutError,
  RestoreTargetExistsError,
} from './errors.ts';
export { PG_TOOLS_IMAGE } from './image.ts';
export type { JobReference, JobWait } from './job-run.ts';
export type { PgDumpJobSpec, PgRestoreJobSpec, PostgresConnection, S3Location } from './job-spec.ts';
export { pgDumpJobManifest, pgRestoreJobManifest, sidecarKeyFor } from './manifests.ts';
export {
  checkRestoreTarget,
  type RestoreResult,
  type RestoreTargetCheck,
  restoreDumpInto,
  scratchDatabaseName,
} from './restore.ts';
export { compareRowCounts, type RowCountComparison } from './row-counts.ts';
