import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { localS3Client } from '../../runner/stack-buckets.ts';
import type { DrillRunContext, DrillScenario, ScenarioVerdict } from './scenarios.ts';

/**
 * The drill's backup scenarios, run when the synthesized stack has the backup workflow: a first
 * backup of the seeded buckets must succeed with a manifest per bucket that really is in the
 * backup bucket, and a second one right after must copy nothing (every object unchanged).
 */
export const BACKUP_WORKFLOW = 'backup';
const BACKUP_INPUT = { requestedBy: 'lakehouse-ops-drill' };

/** The report fields the drill reads (functions/core/backup-workflow/report.ts builds the report). */
const tally = z.object({ objects: z.number(), bytes: z.number() });
const backupReportSchema = z.object({
  status: z.enum(['SUCCEEDED', 'FAILED']),
  summary: z.string(),
  buckets: z.array(
    z.object({
      bucket: z.string(),
      status: z.string(),
      scanned: tally,
      copied: tally,
      skipped: tally,
      manifestKey: z.string().optional(),
      error: z.string().optional(),
    }),
  ),
});
export type BackupDrillReport = z.infer<typeof backupReportSchema>;

export interface BackupExpectation {
  /** Whether every bucket must copy objects (a first backup) or none (nothing changed since). */
  readonly copies: 'some' | 'none';
}

export function backupReportOf(result: ExecutionResult): BackupDrillReport | undefined {
  let candidate: unknown = result.output;
  if (result.status !== 'SUCCEEDED' && result.error === 'BackupFailed') {
    try {
      candidate = JSON.parse(result.cause ?? '');
    } catch {
      candidate = undefined;
    }
  }
  const parsed = backupReportSchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

/** Problems with a backup run, given which source buckets it had to back up. */
export function backupProblems(
  expectation: BackupExpectation,
  result: ExecutionResult,
  report: BackupDrillReport | undefined,
  sourceBuckets: readonly string[],
): string[] {
  if (!report) {
    return [
      `no backup report: execution ${result.status}${result.error ? ` with ${result.error}: ${result.cause}` : ''}`,
    ];
  }
  const problems: string[] = [];
  if (result.status !== 'SUCCEEDED') problems.push(`execution ${result.status}, expected SUCCEEDED`);
  if (report.status !== 'SUCCEEDED') problems.push(`report is ${report.status}: ${report.summary}`);
  for (const source of sourceBuckets) {
    const bucket = report.buckets.find((candidate) => candidate.bucket === source);
    if (!bucket) {
      problems.push(`bucket ${source} is missing from the report`);
      continue;
    }
    if (bucket.status !== 'BACKED_UP')
      problems.push(
        `bucket ${source} is ${bucket.status}${bucket.error ? ` (${bucket.error})` : ''}, expected BACKED_UP`,
      );
    if (!bucket.manifestKey) problems.push(`bucket ${source} has no manifest`);
    if (expectation.copies === 'some' && bucket.copied.objects === 0)
      problems.push(`bucket ${source} copied nothing on a first backup`);
    if (expectation.copies === 'none' && bucket.copied.objects !== 0)
      problems.push(
        `bucket ${source} copied ${bucket.copied.objects} objects, expected none (all unchanged)`,
      );
    if (expectation.copies === 'none' && bucket.skipped.objects !== bucket.scanned.objects)
      problems.push(
        `bucket ${source} skipped ${bucket.skipped.objects} of ${bucket.scanned.objects} objects, expected all`,
      );
  }
  return problems;
}

async function evaluateBackup(
  expectation: BackupExpectation,
  result: ExecutionResult,
  context: DrillRunContext,
): Promise<ScenarioVerdict> {
  const report = backupReportOf(result);
  const problems = backupProblems(expectation, result, report, context.lakehouse.backup.sourceBuckets);
  const manifests = (report?.buckets ?? []).flatMap((bucket) =>
    bucket.manifestKey ? [bucket.manifestKey] : [],
  );
  problems.push(...(await missingObjects(context, manifests)));
  return {
    passed: problems.length === 0,
    problems,
    reportStatus: report?.status,
    details: (report?.buckets ?? []).map(
      (bucket) =>
        `${bucket.bucket}: ${bucket.status}, ${bucket.copied.objects} copied, ${bucket.skipped.objects} unchanged${bucket.manifestKey ? `, ${bucket.manifestKey}` : ''}`,
    ),
  };
}

/** Reads the backup bucket itself rather than trusting the report. */
async function missingObjects(context: DrillRunContext, keys: readonly string[]): Promise<string[]> {
  const s3 = localS3Client(context.workflows.environment);
  const bucket = context.workflows.environment.BACKUP_BUCKET_NAME ?? context.lakehouse.backup.bucketName;
  try {
    const missing: string[] = [];
    for (const key of keys) {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => missing.push(key));
    }
    return missing.map((key) => `manifest ${key} is not in backup bucket ${bucket}`);
  } finally {
    s3.destroy();
  }
}

const backupScenario = (id: string, title: string, expectation: BackupExpectation): DrillScenario => ({
  id,
  title,
  workflow: BACKUP_WORKFLOW,
  // The workflow dumps the Prefect database with a pg_dump Job before it reports success.
  requires: ['postgres'],
  input: BACKUP_INPUT,
  evaluate: (result, context) => evaluateBackup(expectation, result, context),
});

export const BACKUP_DRILL_SCENARIOS: readonly DrillScenario[] = [
  backupScenario('backup', 'Backup of the seeded lakehouse: a manifest per bucket', { copies: 'some' }),
  backupScenario('backup-unchanged', 'Second backup: nothing changed, nothing copied', { copies: 'none' }),
];
