import { z } from 'zod';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import {
  DELETED_PREFIX,
  type DeletedPrefix,
  DRILL_BUCKET,
  deleteMinioPrefix,
  differencesFrom,
} from './backup-fixtures.ts';
import { BACKUP_REQUIRES } from './backup-scenarios.ts';
import { describeExecution, documentOf } from './execution-document.ts';
import {
  listKeys,
  minioClientOf,
  readPrefix,
  type StoredObject,
  sha256Of,
  withClient,
} from './object-store.ts';
import {
  type DrillRunContext,
  type DrillScenario,
  type ScenarioVerdict,
  scenarioWithFixture,
} from './scenarios.ts';

/**
 * The drill's restore scenarios: a prefix of a seeded MinIO bucket is deleted (as by an operator's
 * mistaken `mc rm --recursive`), then the restore workflow, as of the newest backup, must first
 * list in a dry run exactly what it would write and write nothing, then bring every object back
 * byte for byte. Each scenario deletes the prefix itself and puts back whatever is still missing
 * once judged, so neither depends on the other's outcome.
 */
export const RESTORE_WORKFLOW = 'restore';
const REQUESTED_BY = 'lakehouse-ops-drill';
const SELECTION = { sourceBucket: DRILL_BUCKET, prefix: DELETED_PREFIX, requestedBy: REQUESTED_BY };

/** The plan fields the drill reads (functions/core/backup/restore.ts RestorePlan). */
const restorePlanSchema = z.object({
  runId: z.string(),
  prefix: z.string(),
  targetBucket: z.string(),
  objects: z.number(),
  bytes: z.number(),
  items: z.array(z.object({ key: z.string(), size: z.number(), sha256: z.string() })),
  truncated: z.boolean(),
  dryRun: z.boolean(),
});
export type RestoreDrillPlan = z.infer<typeof restorePlanSchema>;

/** The report fields the drill reads (functions/core/backup/restore.ts RestoreReport). */
const restoreReportSchema = z.object({
  runId: z.string(),
  written: z.number(),
  skipped: z.number(),
  verified: z.number(),
  failed: z.number(),
  failures: z.array(z.object({ key: z.string(), reason: z.string() })),
});
export type RestoreDrillReport = z.infer<typeof restoreReportSchema>;

/** The dry run's output is its plan (ReportRestorePlan). */
export function restorePlanOf(result: ExecutionResult): RestoreDrillPlan | undefined {
  return documentOf(result, restorePlanSchema);
}

/** A real restore's output is its state, with the objects' report under `report`. */
export function restoreReportOf(result: ExecutionResult): RestoreDrillReport | undefined {
  return documentOf(result, z.object({ report: restoreReportSchema }))?.report;
}

/**
 * Whether the dry run listed exactly the deleted objects (key, size and SHA-256 of what was
 * deleted) and nothing else; `keysAfter` is what MinIO holds under the prefix after the run.
 */
export function dryRunProblems(
  result: ExecutionResult,
  plan: RestoreDrillPlan | undefined,
  deleted: Pick<DeletedPrefix, 'bucket' | 'prefix' | 'objects'>,
  keysAfter: readonly string[],
): string[] {
  if (!plan) return [`no restore plan: ${describeExecution(result)}`];
  const problems: string[] = [];
  if (!plan.dryRun) problems.push('the plan is not a dry run, but no dryRun: false was given');
  if (plan.targetBucket !== deleted.bucket || plan.prefix !== deleted.prefix)
    problems.push(
      `the plan restores ${plan.targetBucket}/${plan.prefix}, expected ${deleted.bucket}/${deleted.prefix}`,
    );
  if (plan.truncated) problems.push('the plan lists only part of what it would write');
  if (plan.objects !== deleted.objects.length)
    problems.push(`the plan would write ${plan.objects} objects, ${deleted.objects.length} were deleted`);
  const listed = new Map(plan.items.map((item) => [item.key, item]));
  for (const object of deleted.objects) {
    const item = listed.get(object.key);
    listed.delete(object.key);
    const expected = { size: object.body.length, sha256: sha256Of(object.body) };
    if (!item) problems.push(`the plan does not list ${object.key}`);
    else if (item.size !== expected.size || item.sha256 !== expected.sha256)
      problems.push(
        `the plan lists ${object.key} as ${item.size} bytes with SHA-256 ${item.sha256}, the deleted object had ${expected.size} bytes with SHA-256 ${expected.sha256}`,
      );
  }
  for (const key of listed.keys()) problems.push(`the plan lists ${key}, which was not deleted`);
  if (keysAfter.length > 0) problems.push(`the dry run wrote ${keysAfter.join(', ')}`);
  return problems;
}

/** Whether the restore reports every deleted object written and verified, and none failed. */
export function restoreReportProblems(
  result: ExecutionResult,
  report: RestoreDrillReport | undefined,
  deletedObjects: number,
): string[] {
  if (!report) return [`no restore report: ${describeExecution(result)}`];
  const problems: string[] = [];
  if (report.written !== deletedObjects)
    problems.push(`wrote ${report.written} objects, ${deletedObjects} were deleted`);
  if (report.verified !== report.written)
    problems.push(`verified ${report.verified} of the ${report.written} objects written`);
  if (report.failed > 0)
    problems.push(
      `${report.failed} objects failed: ${report.failures.map((failure) => `${failure.key}: ${failure.reason}`).join('; ')}`,
    );
  return problems;
}

function identicalCount(deleted: DeletedPrefix, restored: readonly StoredObject[]): number {
  const current = new Map(restored.map((object) => [object.key, object.body]));
  return deleted.objects.filter((object) => current.get(object.key)?.equals(object.body)).length;
}

const deletedSummary = (deleted: DeletedPrefix) =>
  `deleted ${deleted.objects.length} objects (${deleted.objects.reduce((bytes, object) => bytes + object.body.length, 0)} bytes) under ${deleted.bucket}/${deleted.prefix} before the run`;

const verdictOf = (
  problems: string[],
  reportStatus: string | undefined,
  details: string[],
): ScenarioVerdict => ({
  passed: problems.length === 0,
  problems,
  reportStatus,
  details,
});

async function judgeDryRun(
  result: ExecutionResult,
  context: DrillRunContext,
  deleted: DeletedPrefix,
): Promise<ScenarioVerdict> {
  const plan = restorePlanOf(result);
  const keysAfter = await withClient(minioClientOf(context.lakehouse), (s3) =>
    listKeys(s3, deleted.bucket, deleted.prefix),
  );
  return verdictOf(dryRunProblems(result, plan, deleted, keysAfter), plan ? 'DRY_RUN' : undefined, [
    deletedSummary(deleted),
    ...(plan
      ? [
          `run ${plan.runId}: would write ${plan.objects} objects (${plan.bytes} bytes) into ${plan.targetBucket}; ${keysAfter.length} written`,
        ]
      : []),
  ]);
}

async function judgeRestore(
  result: ExecutionResult,
  context: DrillRunContext,
  deleted: DeletedPrefix,
): Promise<ScenarioVerdict> {
  const report = restoreReportOf(result);
  // Read back through MinIO's own API, not the restore's report: the bytes are the proof.
  const restored = await withClient(minioClientOf(context.lakehouse), (s3) =>
    readPrefix(s3, deleted.bucket, deleted.prefix),
  );
  const differences = differencesFrom(deleted.objects, restored);
  const problems = [
    ...restoreReportProblems(result, report, deleted.objects.length),
    ...differences.map((difference) => `not restored byte for byte: ${difference}`),
  ];
  return verdictOf(problems, report ? 'RESTORED' : undefined, [
    deletedSummary(deleted),
    ...(report
      ? [
          `run ${report.runId}: ${report.written} written, ${report.verified} verified after writing, ${report.skipped} already there, ${report.failed} failed`,
        ]
      : []),
    `${identicalCount(deleted, restored)} of ${deleted.objects.length} objects read back from MinIO byte for byte as before the deletion`,
  ]);
}

export const RESTORE_DRY_RUN_SCENARIO: DrillScenario = scenarioWithFixture({
  id: 'restore-dry-run',
  title: 'Deleted prefix, restore dry run: lists what it would write, writes nothing',
  workflow: RESTORE_WORKFLOW,
  requires: BACKUP_REQUIRES,
  // No dryRun: a restore started without one must only plan, as from the console.
  input: SELECTION,
  inject: (lakehouse) => deleteMinioPrefix(lakehouse, DRILL_BUCKET, DELETED_PREFIX),
  evaluate: judgeDryRun,
});

export const RESTORE_SCENARIO: DrillScenario = scenarioWithFixture({
  id: 'restore-prefix',
  title: 'Deleted prefix, restore: every object back byte for byte',
  workflow: RESTORE_WORKFLOW,
  requires: BACKUP_REQUIRES,
  input: { ...SELECTION, dryRun: false },
  inject: (lakehouse) => deleteMinioPrefix(lakehouse, DRILL_BUCKET, DELETED_PREFIX),
  evaluate: judgeRestore,
});

export const RESTORE_DRILL_SCENARIOS: readonly DrillScenario[] = [RESTORE_DRY_RUN_SCENARIO, RESTORE_SCENARIO];
