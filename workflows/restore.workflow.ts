/**
 * restore: a bucket or prefix of a chosen backup back into MinIO, and/or the run's PostgreSQL
 * dump into a named database. Started by hand; a dry run unless `"dryRun": false`.
 *
 * 1. PlanRestore validates the input (restore-request.ts), picks the run (the newest by default)
 *    and compares the selection with the target as the real run will: the objects it would write
 *    (the first 200 listed, totals for all), those already identical (skipped) and the conflicts.
 *    An unknown bucket, a missing run, an empty selection or a run without the requested dump fail
 *    here. `"restoreObjects": false` restores the dump only: nothing is compared or written.
 * 2. HasPostgresTarget: CheckPostgresTarget runs the restore Job in its check-only mode. A dry run
 *    records whether the database exists and whether the dump is intact under
 *    plan.postgres.target; a real run is refused (RestoreTargetExistsError, or DumpIncompleteError
 *    for a missing or changed dump) before anything is written.
 * 3. IsDryRun: a dry run records its plan (RecordDryRunAudit) and ends in ReportRestorePlan with
 *    the plan as output. Nothing is written.
 * 4. HasObjectsToRestore, StartRestoreProgress, then RestoreObjects preflights every key again
 *    (same content is skipped; different data fails the step with RestoreConflictError before
 *    anything is written), then writes each object in key order and verifies it by reading it
 *    back. Near its Lambda timeout it stops starting objects and returns `continueAfter`;
 *    HasMoreToRestore then calls it again with that report as progress (no second preflight).
 *    A refusal ends in RecordRefusedAudit and ReportRestoreRefused (its error is the refusal's:
 *    RestoreConflictError, RestoreTargetExistsError or DumpIncompleteError); any other failure in RecordFailedAudit and
 *    ReportRestoreFailed (error RestoreFailed).
 * 5. HasPostgresRestore: RestorePostgresDump restores the dump into the named database (a Job
 *    that fails drops the database it created), waiting for the Job as long as it may run
 *    (postgres-job-retry.ts); or SkipPostgresRestore records that none was asked.
 * 6. RecordRestoreAudit records the outcome; ReportRestoreCompleted outputs the report.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  Fail,
  JsonPath,
  Pass,
  Result,
  Succeed,
  TaskInput,
  type TaskStateBase,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { invokeOpsFunction, Workflow } from '../infra/constructs/workflow.ts';
import { retryWhilePostgresJobRuns } from './postgres-job-retry.ts';

export const RESTORE_WORKFLOW = 'restore';

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const RESTORE_HANDLERS = [
  'plan-restore',
  'restore-objects',
  'restore-postgres-dump',
  'record-restore-audit',
] as const;
export type RestoreHandler = (typeof RESTORE_HANDLERS)[number];

export const RESTORE_TIMEOUT = Duration.hours(2);

export interface RestoreWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<RestoreHandler, IFunction>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
}

export function restoreWorkflow(scope: Construct, id: string, props: RestoreWorkflowProps): Workflow {
  return new Workflow(scope, id, {
    workflowName: RESTORE_WORKFLOW,
    environmentName: props.environmentName,
    timeout: RESTORE_TIMEOUT,
    logRetention: props.logRetention,
    logRemovalPolicy: props.logRemovalPolicy,
    comment:
      'Restores a bucket or prefix of a backup run into MinIO and/or its PostgreSQL dump (dry run by default)',
    definition: (definitionScope) => defineRestore(definitionScope, props.functions),
  });
}

function defineRestore(scope: Construct, functions: RestoreWorkflowProps['functions']) {
  const audit = (id: string, decision: string, outcomePath?: string) =>
    invokeOpsFunction(scope, id, functions['record-restore-audit'], {
      payload: TaskInput.fromObject({
        plan: JsonPath.objectAt('$.plan'),
        decision,
        executionId: JsonPath.executionName,
        ...(outcomePath ? { outcome: JsonPath.objectAt(outcomePath) } : {}),
      }),
      resultPath: '$.audit',
    });

  const planRestore = invokeOpsFunction(scope, 'PlanRestore', functions['plan-restore'], {
    resultPath: '$.plan',
    comment: 'Validate the input and compare the selection with the target',
  });

  const reportPlan = new Succeed(scope, 'ReportRestorePlan', { outputPath: '$.plan' });

  const reportRefused = new Fail(scope, 'ReportRestoreRefused', {
    errorPath: '$.restoreError.Error',
    causePath: '$.restoreError.Cause',
  });
  const reportFailed = new Fail(scope, 'ReportRestoreFailed', {
    error: 'RestoreFailed',
    causePath: '$.restoreError.Cause',
  });
  const recordRefused = audit('RecordRefusedAudit', 'REFUSED', '$.restoreError');
  const recordFailed = audit('RecordFailedAudit', 'FAILED', '$.restoreError');
  recordRefused.next(reportRefused);
  recordFailed.next(reportFailed);
  const catchFailures = (task: TaskStateBase, ...refusals: string[]) => {
    if (refusals.length > 0) task.addCatch(recordRefused, { errors: refusals, resultPath: '$.restoreError' });
    task.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.restoreError' });
  };

  const postgresJob = (
    id: string,
    extra: Record<string, unknown>,
    props: { resultPath: string; comment: string },
  ) => {
    const task = invokeOpsFunction(scope, id, functions['restore-postgres-dump'], {
      payload: TaskInput.fromObject({
        runId: JsonPath.stringAt('$.plan.runId'),
        dump: JsonPath.objectAt('$.plan.postgres.dump'),
        targetDatabase: JsonPath.stringAt('$.plan.postgres.targetDatabase'),
        executionId: JsonPath.executionName,
        ...extra,
      }),
      ...props,
    });
    retryWhilePostgresJobRuns(task);
    return task;
  };
  // Before anything is written, and in the dry run too: an existing database refuses the restore.
  const checkPostgresTarget = postgresJob(
    'CheckPostgresTarget',
    { mode: 'CHECK_TARGET', dryRun: JsonPath.objectAt('$.plan.dryRun') },
    {
      resultPath: '$.plan.postgres.target',
      comment: 'The restore Job in check-only mode: does the target database exist already?',
    },
  );
  // A missing or changed dump is found here too (readRestorableDump), before anything is written.
  catchFailures(checkPostgresTarget, 'RestoreTargetExistsError', 'DumpIncompleteError');

  const restoreObjects = invokeOpsFunction(scope, 'RestoreObjects', functions['restore-objects'], {
    payload: TaskInput.fromObject({
      sourceBucket: JsonPath.stringAt('$.plan.sourceBucket'),
      runId: JsonPath.stringAt('$.plan.runId'),
      prefix: JsonPath.stringAt('$.plan.prefix'),
      targetBucket: JsonPath.stringAt('$.plan.targetBucket'),
      progress: JsonPath.objectAt('$.report'),
    }),
    resultPath: '$.report',
    comment: 'Preflight, then write and verify; stops before its timeout and says where to continue',
  });
  catchFailures(restoreObjects, 'RestoreConflictError');
  const startProgress = new Pass(scope, 'StartRestoreProgress', {
    result: Result.fromObject({}),
    resultPath: '$.report',
    comment: 'Nothing restored yet: the first RestoreObjects preflights the whole selection',
  });
  const skipObjects = new Pass(scope, 'SkipObjectRestore', {
    result: Result.fromObject({ state: 'SKIPPED', detail: 'restoreObjects is false' }),
    resultPath: '$.report',
  });

  const restorePostgres = postgresJob(
    'RestorePostgresDump',
    {},
    {
      resultPath: '$.postgres',
      comment: 'pg_restore into the new database; waits as long as the Job may run',
    },
  );
  catchFailures(restorePostgres);
  const skipPostgres = new Pass(scope, 'SkipPostgresRestore', {
    result: Result.fromObject({ state: 'SKIPPED', detail: 'no postgresDatabase was requested' }),
    resultPath: '$.postgres',
  });

  const recordRestored = invokeOpsFunction(scope, 'RecordRestoreAudit', functions['record-restore-audit'], {
    payload: TaskInput.fromObject({
      plan: JsonPath.objectAt('$.plan'),
      decision: 'RESTORED',
      executionId: JsonPath.executionName,
      outcome: { objects: JsonPath.objectAt('$.report'), postgres: JsonPath.objectAt('$.postgres') },
    }),
    resultPath: '$.audit',
  });
  const reportCompleted = new Succeed(scope, 'ReportRestoreCompleted');

  const hasPostgres = new Choice(scope, 'HasPostgresRestore')
    .when(Condition.isNull('$.plan.postgres'), skipPostgres)
    .otherwise(restorePostgres);
  skipPostgres.next(recordRestored);
  restorePostgres.next(recordRestored);
  recordRestored.next(reportCompleted);

  // A selection too big for one Lambda invocation: loop with the report as progress.
  const hasMoreToRestore = new Choice(scope, 'HasMoreToRestore')
    .when(Condition.isString('$.report.continueAfter'), restoreObjects)
    .otherwise(hasPostgres);
  skipObjects.next(hasPostgres);

  const hasObjects = new Choice(scope, 'HasObjectsToRestore')
    .when(Condition.booleanEquals('$.plan.restoreObjects', true), startProgress)
    .otherwise(skipObjects);
  startProgress.next(restoreObjects).next(hasMoreToRestore);

  const isDryRun = new Choice(scope, 'IsDryRun')
    .when(
      Condition.booleanEquals('$.plan.dryRun', true),
      audit('RecordDryRunAudit', 'DRY_RUN').next(reportPlan),
    )
    .otherwise(hasObjects);

  const hasPostgresTarget = new Choice(scope, 'HasPostgresTarget')
    .when(Condition.isNull('$.plan.postgres'), isDryRun)
    .otherwise(checkPostgresTarget);
  checkPostgresTarget.next(isDryRun);

  return planRestore.next(hasPostgresTarget);
}
