import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { describeExecution, documentOf } from './execution-document.ts';
import { backupBucketClientOf, withClient } from './object-store.ts';
import type { DrillRunContext, DrillScenario, ScenarioVerdict } from './scenarios.ts';

/**
 * The drill's backup scenarios, run when the synthesized stack has the backup workflow: a first
 * backup of the seeded buckets must succeed with a manifest per bucket that really is in the
 * backup bucket, and a later one must copy nothing (every object unchanged). run-drill.ts puts
 * the verify-backup and restore scenarios between and after them.
 */
export const BACKUP_WORKFLOW = 'backup';
const BACKUP_INPUT = { requestedBy: 'lakehouse-ops-drill' };
/**
 * The workflow dumps the Prefect database with a pg_dump Job before it reports success. Scenarios
 * that verify or restore a backup require the same: without it there is no backup to work on.
 */
export const BACKUP_REQUIRES: DrillScenario['requires'] = ['postgres'];

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
  return documentOf(result, backupReportSchema, 'BackupFailed');
}

/** Problems with a backup run, given which source buckets it had to back up. */
export function backupProblems(
  expectation: BackupExpectation,
  result: ExecutionResult,
  report: BackupDrillReport | undefined,
  sourceBuckets: readonly string[],
): string[] {
  if (!report) {
    return [`no backup report: ${describeExecution(result)}`];
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
  const bucket = context.lakehouse.backup.bucketName;
  return withClient(backupBucketClientOf(context.lakehouse), async (s3) => {
    const missing: string[] = [];
    for (const key of keys) {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => missing.push(key));
    }
    return missing.map((key) => `manifest ${key} is not in backup bucket ${bucket}`);
  });
}

const backupScenario = (id: string, title: string, expectation: BackupExpectation): DrillScenario => ({
  id,
  title,
  workflow: BACKUP_WORKFLOW,
  requires: BACKUP_REQUIRES,
  input: BACKUP_INPUT,
  evaluate: (result, context) => evaluateBackup(expectation, result, context),
});

export const FIRST_BACKUP_SCENARIO = backupScenario(
  'backup',
  'Backup of the seeded lakehouse: a manifest per bucket',
  { copies: 'some' },
);
export const UNCHANGED_BACKUP_SCENARIO = backupScenario(
  'backup-unchanged',
  'Second backup: nothing changed, nothing copied',
  { copies: 'none' },
);
