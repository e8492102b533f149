import * as z from 'zod/mini';
import { InvalidInputError } from '../../commons/errors.ts';
import { mapConcurrent } from '../backup/concurrency.ts';
import type { DestinationDependencies } from '../backup/dependencies.ts';
import { latestCompleteManifest } from '../backup/manifest.ts';
import { achievedRpoSeconds } from '../backup/rpo.ts';
import { volumeBackupStatusSchema } from '../volumes/volume-backup.ts';

/**
 * The backup workflow's report: what each bucket's run scanned, copied, skipped and failed, how
 * long it took, the achieved RPO, and the volume backup jobs. Built by BuildBackupReport from the
 * per-bucket outcomes the workflow collects.
 */
const count = () => z.number().check(z.int(), z.gte(0));
const tally = z.object({ objects: count(), bytes: count() });

/** The PlanResult fields the report reads (functions/core/backup/plan.ts). */
const planSchema = z.looseObject({
  runId: z.string(),
  previousRunId: z.nullable(z.string()),
  scanned: tally,
  toCopy: tally,
  unchanged: count(),
  deleted: count(),
  batches: count(),
});

/** The ManifestSummary fields the report reads (functions/core/backup/finalize.ts). */
const manifestSchema = z.looseObject({ manifestKey: z.string(), objects: count(), bytes: count() });

const stepErrorSchema = z.looseObject({ Error: z.string(), Cause: z.optional(z.string()) });

/** What one iteration of BackUpBuckets ends with (its Record<Outcome> Pass state). */
export const bucketOutcomeSchema = z.object({
  status: z.enum(['BACKED_UP', 'PLANNED', 'SKIPPED', 'FAILED']),
  run: z.looseObject({
    bucket: z.string(),
    runId: z.string(),
    plan: z.optional(planSchema),
    manifest: z.optional(manifestSchema),
    prune: z.optional(z.unknown()),
    error: z.optional(stepErrorSchema),
    releaseError: z.optional(stepErrorSchema),
  }),
});
export type BucketOutcome = z.output<typeof bucketOutcomeSchema>;

export const backupReportInputSchema = z.object({
  request: z.object({
    buckets: z.array(z.string()),
    dryRun: z.boolean(),
    requestedBy: z.string(),
    runId: z.string(),
    startedAt: z.string(),
  }),
  buckets: z.array(bucketOutcomeSchema),
  postgres: z.optional(
    z.looseObject({ state: z.string(), error: z.optional(stepErrorSchema), detail: z.optional(z.string()) }),
  ),
  volumes: z.optional(
    z.union([volumeBackupStatusSchema, z.object({ state: z.literal('FAILED'), error: stepErrorSchema })]),
  ),
});
export type BackupReportInput = z.output<typeof backupReportInputSchema>;

type Tally = z.output<typeof tally>;

export interface BucketReport {
  bucket: string;
  status: BucketOutcome['status'];
  runId: string;
  scanned: Tally;
  /** New or changed objects now in this run's committed manifest (transferred, or reused from a failed run). */
  copied: Tally;
  /** Unchanged since the previous complete manifest: carried over, nothing transferred. */
  skipped: Tally;
  /** New or changed objects that are not in a committed manifest because this bucket's run failed. */
  failed: Tally;
  /** Planned by a dry run: what a real run would copy. */
  wouldCopy?: Tally;
  manifestKey?: string;
  /** The run of the newest complete backup of the bucket (this run's if it committed); null if none. */
  restorePoint: string | null;
  /**
   * The achieved RPO (functions/core/backup/rpo.ts): seconds since the start of `restorePoint`;
   * null when the bucket has never been backed up (unbounded).
   */
  rpoSeconds: number | null;
  /** The restore point could not be looked up (findRestorePoints): the RPO counts as unbounded. */
  restorePointError?: string;
  error?: string;
}

export interface BackupReport {
  workflow: 'backup';
  environment: string;
  runId: string;
  requestedBy: string;
  dryRun: boolean;
  status: 'SUCCEEDED' | 'FAILED';
  startedAt: string;
  completedAt: string;
  durationSeconds: number;
  objects: { scanned: number; copied: number; skipped: number; failed: number };
  bytes: { scanned: number; copied: number; skipped: number; failed: number };
  throughputBytesPerSecond: number;
  /**
   * The worst RPO over every bucket in scope, skipped and failed ones included (see
   * BucketReport.rpoSeconds); null when one of them has never been backed up (see neverBackedUp).
   */
  achievedRpoSeconds: number | null;
  /** Buckets in scope without any complete backup: their RPO, and so the run's, is unbounded. */
  neverBackedUp: string[];
  buckets: BucketReport[];
  postgres: BackupReportInput['postgres'] | null;
  volumes: BackupReportInput['volumes'] | null;
  failures: string[];
  summary: string;
}

const ZERO: Tally = { objects: 0, bytes: 0 };

/**
 * The newest complete backup of each bucket whose outcome does not name one (no plan: SKIPPED
 * because another run holds its lock, or FAILED before or in PlanBackup), by bucket; null if none.
 */
export type RestorePoints = Readonly<Record<string, string | null | RestorePointLookupFailure>>;

/** A lookup that failed: the report says so and counts the bucket's RPO as unbounded, never as met. */
export interface RestorePointLookupFailure {
  readonly lookupError: string;
}

/** Buckets the report needs a RestorePoints entry for. */
export function bucketsWithoutRestorePoint(input: BackupReportInput): string[] {
  return [
    ...new Set(input.buckets.filter((outcome) => !hasOwnRestorePoint(outcome)).map(({ run }) => run.bucket)),
  ];
}

/** Lists manifests/<bucket>/ of each bucket without a restore point in its outcome. */
export async function findRestorePoints(
  deps: Pick<DestinationDependencies, 'destination' | 'destinationBucket' | 'retry'>,
  input: BackupReportInput,
): Promise<RestorePoints> {
  const buckets = bucketsWithoutRestorePoint(input);
  // A failed lookup must not cost the report (and its failure notification): it is reported instead.
  const runIds = await mapConcurrent(buckets, 4, (bucket) =>
    latestCompleteManifest(deps, bucket).then(
      (runId) => runId ?? null,
      (error: unknown): RestorePointLookupFailure => ({
        lookupError: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }),
    ),
  );
  return Object.fromEntries(buckets.map((bucket, index) => [bucket, runIds[index] ?? null]));
}

export function buildBackupReport(
  input: BackupReportInput,
  environment: string,
  now: Date,
  restorePoints: RestorePoints,
): BackupReport {
  const buckets = input.buckets.map((outcome) => reportBucket(outcome, now, restorePoints));
  const sum = (pick: (bucket: BucketReport) => Tally) =>
    buckets.reduce((total, bucket) => add(total, pick(bucket)), ZERO);
  const scanned = sum((bucket) => bucket.scanned);
  const copied = sum((bucket) => bucket.copied);
  const skipped = sum((bucket) => bucket.skipped);
  const failed = sum((bucket) => bucket.failed);
  const durationSeconds = Math.max(0, (now.getTime() - Date.parse(input.request.startedAt)) / 1000);
  const failures = [
    ...buckets
      .filter((bucket) => bucket.status === 'FAILED')
      .map((bucket) => `${bucket.bucket}: ${bucket.error}`),
    ...buckets
      .filter((bucket) => bucket.restorePointError !== undefined)
      .map(
        (bucket) =>
          `${bucket.bucket}: its newest complete backup could not be looked up, so its RPO counts as unbounded: ${bucket.restorePointError}`,
      ),
    ...postgresFailures(input.postgres),
    ...volumeFailures(input.volumes),
  ];
  const neverBackedUp = buckets
    .filter((bucket) => bucket.rpoSeconds === null && bucket.restorePointError === undefined)
    .map((bucket) => bucket.bucket);
  const rpos = buckets.map((bucket) => bucket.rpoSeconds ?? Number.POSITIVE_INFINITY);
  const worstRpo = Math.max(...rpos);
  const status = failures.length === 0 ? 'SUCCEEDED' : 'FAILED';
  return {
    workflow: 'backup',
    environment,
    runId: input.request.runId,
    requestedBy: input.request.requestedBy,
    dryRun: input.request.dryRun,
    status,
    startedAt: input.request.startedAt,
    completedAt: now.toISOString(),
    durationSeconds,
    objects: {
      scanned: scanned.objects,
      copied: copied.objects,
      skipped: skipped.objects,
      failed: failed.objects,
    },
    bytes: { scanned: scanned.bytes, copied: copied.bytes, skipped: skipped.bytes, failed: failed.bytes },
    throughputBytesPerSecond: durationSeconds > 0 ? Math.round(copied.bytes / durationSeconds) : 0,
    achievedRpoSeconds: Number.isFinite(worstRpo) ? worstRpo : null,
    neverBackedUp,
    buckets,
    postgres: input.postgres ?? null,
    volumes: input.volumes ?? null,
    failures,
    summary: summarize(status, buckets, failures.length, copied, neverBackedUp),
  };
}

/** BACKED_UP (or committed before a later step failed) names this run; a plan names the previous one. */
function hasOwnRestorePoint({ status, run }: BucketOutcome): boolean {
  return status === 'BACKED_UP' || run.manifest !== undefined || run.plan !== undefined;
}

function reportBucket(outcome: BucketOutcome, now: Date, restorePoints: RestorePoints): BucketReport {
  const { status, run } = outcome;
  const plan = run.plan;
  const scanned = plan?.scanned ?? ZERO;
  const toCopy = plan?.toCopy ?? ZERO;
  const unchanged = plan
    ? { objects: plan.unchanged, bytes: Math.max(0, scanned.bytes - toCopy.bytes) }
    : ZERO;
  const committed = status === 'BACKED_UP';
  // A failed run leaves the previous complete manifest as the restore point; a bucket without a
  // plan (skipped, or its plan failed) has whatever the newest manifest under manifests/ is.
  const found = hasOwnRestorePoint(outcome)
    ? committed || run.manifest
      ? run.runId
      : (plan?.previousRunId ?? null)
    : restorePointOf(restorePoints, run.bucket);
  const restorePoint = typeof found === 'object' && found !== null ? null : found;
  return {
    bucket: run.bucket,
    status,
    runId: run.runId,
    scanned,
    copied: committed ? toCopy : ZERO,
    skipped: unchanged,
    failed: status === 'FAILED' ? toCopy : ZERO,
    ...(status === 'PLANNED' ? { wouldCopy: toCopy } : {}),
    ...(run.manifest ? { manifestKey: run.manifest.manifestKey } : {}),
    restorePoint,
    rpoSeconds: achievedRpoSeconds(restorePoint, now),
    ...(typeof found === 'object' && found !== null ? { restorePointError: found.lookupError } : {}),
    ...(run.error ? { error: describeError(run.error) } : {}),
  };
}

function restorePointOf(
  restorePoints: RestorePoints,
  bucket: string,
): string | null | RestorePointLookupFailure {
  const runId = restorePoints[bucket];
  if (runId === undefined) {
    throw new InvalidInputError(
      `the backup report needs the newest complete backup of ${bucket} (skipped or not planned): look it up with findRestorePoints`,
      { bucket },
    );
  }
  return runId;
}

function postgresFailures(postgres: BackupReportInput['postgres']): string[] {
  if (postgres?.state !== 'FAILED') return [];
  return [`postgres: ${postgres.error ? describeError(postgres.error) : (postgres.detail ?? 'dump failed')}`];
}

function volumeFailures(volumes: BackupReportInput['volumes']): string[] {
  if (volumes?.state !== 'FAILED') return [];
  if ('error' in volumes) return [`volumes: ${describeError(volumes.error)}`];
  const failedJobs = volumes.jobs.filter((job) => job.state === 'FAILED');
  if (failedJobs.length === 0) return [`volumes: ${volumes.detail ?? 'failed'}`];
  return failedJobs.map(
    (job) =>
      `volume ${job.claim ?? job.resourceArn}: ${job.awsState}${job.statusMessage ? ` (${job.statusMessage})` : ''}`,
  );
}

function describeError(error: { Error: string; Cause?: string }): string {
  const cause = error.Cause ? parseCauseMessage(error.Cause) : undefined;
  return cause ? `${error.Error}: ${cause}` : error.Error;
}

/** A Lambda failure's Cause is the JSON of the error ({errorType, errorMessage, ...}). */
function parseCauseMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

function summarize(
  status: string,
  buckets: readonly BucketReport[],
  failures: number,
  copied: Tally,
  neverBackedUp: readonly string[],
): string {
  const byStatus = (wanted: BucketReport['status']) =>
    buckets.filter((bucket) => bucket.status === wanted).length;
  const counts = [
    `${byStatus('BACKED_UP')} backed up`,
    `${byStatus('PLANNED')} planned`,
    `${byStatus('SKIPPED')} skipped (locked)`,
    `${byStatus('FAILED')} failed`,
  ].join(', ');
  const unbounded =
    neverBackedUp.length > 0 ? `; never backed up (RPO unbounded): ${neverBackedUp.join(', ')}` : '';
  return `backup ${status}: ${buckets.length} bucket(s): ${counts}; ${copied.objects} objects (${copied.bytes} bytes) copied; ${failures} failure(s)${unbounded}`;
}

function add(left: Tally, right: Tally): Tally {
  return { objects: left.objects + right.objects, bytes: left.bytes + right.bytes };
}

type Unit = 'Count' | 'Bytes' | 'Seconds' | 'Bytes/Second';
/** The slice of Powertools Metrics the report needs. */
export interface BackupMetricsRecorder {
  addMetric(name: string, unit: Unit, value: number): void;
}

/**
 * What BackupAchievedRpo reads when a bucket in scope has never been backed up: CloudWatch takes no
 * infinity, and a missing data point is what the RPO alarm must not be left with. 100 years, far
 * above any RPO threshold, and unmistakable on a graph.
 */
export const UNBOUNDED_RPO_SECONDS = 100 * 365 * 24 * 3600;

/**
 * One metric per report figure; BackupSucceeded (0/1) is what the backup alarm watches.
 * BackupAchievedRpo is emitted whenever a bucket was in scope (UNBOUNDED_RPO_SECONDS for a bucket
 * never backed up), so a run whose buckets were all skipped or failed still feeds the RPO alarm.
 */
export function recordBackupMetrics(metrics: BackupMetricsRecorder, report: BackupReport): void {
  for (const kind of ['scanned', 'copied', 'skipped', 'failed'] as const) {
    const name = kind.charAt(0).toUpperCase() + kind.slice(1);
    metrics.addMetric(`BackupObjects${name}`, 'Count', report.objects[kind]);
    metrics.addMetric(`BackupBytes${name}`, 'Bytes', report.bytes[kind]);
  }
  metrics.addMetric('BackupDuration', 'Seconds', report.durationSeconds);
  metrics.addMetric('BackupThroughput', 'Bytes/Second', report.throughputBytesPerSecond);
  if (report.buckets.length > 0) {
    metrics.addMetric('BackupAchievedRpo', 'Seconds', report.achievedRpoSeconds ?? UNBOUNDED_RPO_SECONDS);
  }
  metrics.addMetric('BackupBucketsNeverBackedUp', 'Count', report.neverBackedUp.length);
  metrics.addMetric(
    'BackupBucketsFailed',
    'Count',
    report.buckets.filter((bucket) => bucket.status === 'FAILED').length,
  );
  metrics.addMetric('BackupSucceeded', 'Count', report.status === 'SUCCEEDED' ? 1 : 0);
}
