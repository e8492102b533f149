import type { S3Client } from '@aws-sdk/client-s3';
import type { PostgresJobDeps } from './dump.ts';
import {
  checkDumpObject,
  type DumpSidecar,
  dumpSidecarSchema,
  type RestoreReport,
  readJsonObject,
  restoreReportSchema,
} from './dump-objects.ts';
import { DumpChecksumMismatchError, PostgresJobFailedError, RestoreTargetExistsError } from './errors.ts';
import {
  type JobFailure,
  type JobReference,
  type JobWait,
  jobFailedError,
  submitJob,
  waitForJob,
} from './job-run.ts';
import { type PgRestoreJobSpec, parseJobSpec, pgRestoreJobSpecSchema, type S3Location } from './job-spec.ts';
import { pgRestoreJobManifest, restoreReportKeyFor, sidecarKeyFor } from './manifests.ts';
import { compareRowCounts, type RowCountComparison } from './row-counts.ts';
import { EXIT_CHECKSUM_MISMATCH, EXIT_TARGET_EXISTS } from './scripts.ts';

export interface RestoreTargetCheck {
  job: JobReference;
  targetDatabase: string;
  exists: boolean;
}

export interface RestoreResult {
  job: JobReference;
  /** What the dump recorded (sha256, bytes, row counts at dump time). */
  dump: DumpSidecar;
  /** What the restore Job found in the restored database. */
  restored: RestoreReport;
  reportKey: string;
  /** Row counts at dump time against row counts after the restore. */
  comparison: RowCountComparison;
}

/** A scratch database name for verify-backup, e.g. `verify_20260101t000000z_abcdef12`. */
export function scratchDatabaseName(runId: string): string {
  return `verify_${runId.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

function restoreFailedError(job: JobReference, failure: JobFailure): PostgresJobFailedError {
  const errorClass =
    failure.exitCode === EXIT_CHECKSUM_MISMATCH
      ? DumpChecksumMismatchError
      : failure.exitCode === EXIT_TARGET_EXISTS
        ? RestoreTargetExistsError
        : PostgresJobFailedError;
  return jobFailedError(job, failure, errorClass);
}

/**
 * Restores the dump at `source` into the new database `targetDatabase` with a pg_restore Job,
 * after the Job proves the download's SHA-256 is the sidecar's (else DumpChecksumMismatchError),
 * and compares the restored row counts with the dump's. verify-backup passes a scratch database
 * and `dropAfterCounting: true`; the restore workflow a named database that must not exist yet
 * (else RestoreTargetExistsError).
 */
export async function restoreDumpInto(
  deps: PostgresJobDeps,
  spec: PgRestoreJobSpec,
  wait: JobWait = {},
): Promise<RestoreResult> {
  const parsed = parseJobSpec(pgRestoreJobSpecSchema, spec, 'pg_restore Job');
  const { bucket, key } = parsed.source;
  const dump = await readJsonObject(
    deps.s3,
    { bucket, key: sidecarKeyFor(key) },
    dumpSidecarSchema,
    'dump sidecar',
  );
  const job = await submitJob(deps.kubernetes, pgRestoreJobManifest(parsed, dump.sha256));
  await waitForJob(deps, job, wait, (failure) => restoreFailedError(job, failure));
  const reportKey = restoreReportKeyFor(parsed);
  const restored = await readJsonObject(
    deps.s3,
    { bucket, key: reportKey },
    restoreReportSchema,
    'restore report',
  );
  return { job, dump, restored, reportKey, comparison: compareRowCounts(dump.rowCounts, restored.rowCounts) };
}

/**
 * The sidecar of the dump at `source`, once the dump object agrees with it (size and sha256
 * metadata, a HEAD: no download); else DumpIncompleteError naming the object and what it expected.
 * The restore workflow's check step calls it so that a missing or changed dump refuses the restore
 * before RestoreObjects writes anything; the restore Job still proves the downloaded bytes.
 */
export async function readRestorableDump(s3: S3Client, source: S3Location): Promise<DumpSidecar> {
  const sidecar = await readJsonObject(
    s3,
    { bucket: source.bucket, key: sidecarKeyFor(source.key) },
    dumpSidecarSchema,
    'dump sidecar',
  );
  // The object the Job will download, whatever location the sidecar recorded.
  await checkDumpObject(s3, { ...sidecar, bucket: source.bucket, key: source.key });
  return sidecar;
}

/**
 * Whether `targetDatabase` exists already, asked through the restore Job itself in its check-only
 * mode (CHECK_TARGET_ONLY: no download, nothing created): the restore workflow learns before it
 * writes anything that the restore would be refused, with the same connection, identity and
 * existence query the restore will use. A Job that fails for any other reason is an error.
 */
export async function checkRestoreTarget(
  deps: PostgresJobDeps,
  spec: PgRestoreJobSpec,
  wait: JobWait = {},
): Promise<RestoreTargetCheck> {
  const parsed = parseJobSpec(pgRestoreJobSpecSchema, { ...spec, checkTargetOnly: true }, 'pg_restore Job');
  const job = await submitJob(deps.kubernetes, pgRestoreJobManifest(parsed, ''));
  const targetDatabase = parsed.targetDatabase;
  try {
    await waitForJob(deps, job, wait, (failure) => restoreFailedError(job, failure));
  } catch (error) {
    if (error instanceof RestoreTargetExistsError) return { job, targetDatabase, exists: true };
    throw error;
  }
  return { job, targetDatabase, exists: false };
}
