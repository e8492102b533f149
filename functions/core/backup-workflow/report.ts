import * as z from 'zod/mini';
import { runStartedAt } from '../backup/layout.ts';
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
  /** Seconds between the point the bucket's backup is complete to and the report; null if never. */
  rpoSeconds: number | null;
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
  /** The worst bucket's RPO (see BucketReport.rpoSeconds); null when no bucket has a complete backup. */
  achievedRpoSeconds: number | null;
  buckets: BucketReport[];
  postgres: BackupReportInput['postgres'] | null;
  volumes: BackupReportInput['volumes'] | null;
  failures: string[];
  summary: string;
}

const ZERO: Tally = { objects: 0, bytes: 0 };

export function buildBackupReport(input: BackupReportInput, environment: string, now: Date): BackupReport {
  const buckets = input.buckets.map((outcome) => reportBucket(outcome, now));
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
    ...postgresFailures(input.postgres),
    ...volumeFailures(input.volumes),
  ];
  const rpos = buckets.map((bucket) => bucket.rpoSeconds).filter((rpo): rpo is number => rpo !== null);
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
    achievedRpoSeconds: rpos.length > 0 ? Math.max(...rpos) : null,
    buckets,
    postgres: input.postgres ?? null,
    volumes: input.volumes ?? null,
    failures,
    summary: summarize(status, buckets, failures.length, copied),
  };
}

function reportBucket({ status, run }: BucketOutcome, now: Date): BucketReport {
  const plan = run.plan;
  const scanned = plan?.scanned ?? ZERO;
  const toCopy = plan?.toCopy ?? ZERO;
  const unchanged = plan
    ? { objects: plan.unchanged, bytes: Math.max(0, scanned.bytes - toCopy.bytes) }
    : ZERO;
  const committed = status === 'BACKED_UP';
  // The backup of a bucket is complete up to the moment its listing started: anything written
  // later may be missing. A failed run leaves the previous complete manifest as the restore point.
  const completeSince = committed ? run.runId : (plan?.previousRunId ?? null);
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
    rpoSeconds:
      completeSince === null
        ? null
        : Math.max(0, (now.getTime() - runStartedAt(completeSince).getTime()) / 1000),
    ...(run.error ? { error: describeError(run.error) } : {}),
  };
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
): string {
  const byStatus = (wanted: BucketReport['status']) =>
    buckets.filter((bucket) => bucket.status === wanted).length;
  const counts = [
    `${byStatus('BACKED_UP')} backed up`,
    `${byStatus('PLANNED')} planned`,
    `${byStatus('SKIPPED')} skipped (locked)`,
    `${byStatus('FAILED')} failed`,
  ].join(', ');
  return `backup ${status}: ${buckets.length} bucket(s): ${counts}; ${copied.objects} objects (${copied.bytes} bytes) copied; ${failures} failure(s)`;
}

function add(left: Tally, right: Tally): Tally {
  return { objects: left.objects + right.objects, bytes: left.bytes + right.bytes };
}

type Unit = 'Count' | 'Bytes' | 'Seconds' | 'Bytes/Second';
/** The slice of Powertools Metrics the report needs. */
export interface BackupMetricsRecorder {
  addMetric(name: string, unit: Unit, value: number): void;
}

/** One metric per report figure; BackupSucceeded (0/1) is what the backup alarm watches. */
export function recordBackupMetrics(metrics: BackupMetricsRecorder, report: BackupReport): void {
  for (const kind of ['scanned', 'copied', 'skipped', 'failed'] as const) {
    const name = kind.charAt(0).toUpperCase() + kind.slice(1);
    metrics.addMetric(`BackupObjects${name}`, 'Count', report.objects[kind]);
    metrics.addMetric(`BackupBytes${name}`, 'Bytes', report.bytes[kind]);
  }
  metrics.addMetric('BackupDuration', 'Seconds', report.durationSeconds);
  metrics.addMetric('BackupThroughput', 'Bytes/Second', report.throughputBytesPerSecond);
  if (report.achievedRpoSeconds !== null)
    metrics.addMetric('BackupAchievedRpo', 'Seconds', report.achievedRpoSeconds);
  metrics.addMetric(
    'BackupBucketsFailed',
    'Count',
    report.buckets.filter((bucket) => bucket.status === 'FAILED').length,
  );
  metrics.addMetric('BackupSucceeded', 'Count', report.status === 'SUCCEEDED' ? 1 : 0);
}
