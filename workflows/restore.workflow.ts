/**
 * restore: a bucket or prefix of a chosen backup back into MinIO, and optionally the run's
 * PostgreSQL dump into a named database. Started by hand; a dry run unless `"dryRun": false`.
 *
 * 1. PlanRestore validates the input (restore-request.ts), picks the run (the newest by default)
 *    and lists what would be written (the first 200 objects, totals for all). An unknown bucket, a
 *    missing run, an empty selection or a run without the requested dump fail here.
 * 2. IsDryRun: a dry run records its plan (RecordDryRunAudit) and ends in ReportRestorePlan with
 *    the plan as output. Nothing is written.
 * 3. StartRestoreProgress, then RestoreObjects preflights every key (same content is skipped;
 *    different data fails the step with RestoreConflictError before anything is written), then
 *    writes and verifies each object in key order. Near its Lambda timeout it stops starting
 *    objects and returns `continueAfter`; HasMoreToRestore then calls it again with that report
 *    as progress (no second preflight), until the whole selection is restored.
 *    A conflict ends in RecordRefusedAudit and ReportRestoreRefused (error RestoreConflictError);
 *    any other failure in RecordFailedAudit and ReportRestoreFailed (error RestoreFailed).
 * 4. HasPostgresRestore: RestorePostgresDump restores the dump into the named database (which
 *    must not exist: RestoreTargetExistsError), or SkipPostgresRestore records that none was asked.
 * 5. RecordRestoreAudit records the outcome; ReportRestoreCompleted outputs the report.
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
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { invokeOpsFunction, Workflow } from '../infra/constructs/workflow.ts';

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
    comment: 'Restores a bucket or prefix of a backup run into MinIO (dry run by default)',
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
    comment: 'Validate the input and list what would be written',
  });

  const reportPlan = new Succeed(scope, 'ReportRestorePlan', { outputPath: '$.plan' });

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
  const startProgress = new Pass(scope, 'StartRestoreProgress', {
    result: Result.fromObject({}),
    resultPath: '$.report',
    comment: 'Nothing restored yet: the first RestoreObjects preflights the whole selection',
  });
  const reportRefused = new Fail(scope, 'ReportRestoreRefused', {
    error: 'RestoreConflictError',
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
  restoreObjects.addCatch(recordRefused, { errors: ['RestoreConflictError'], resultPath: '$.restoreError' });
  restoreObjects.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.restoreError' });

  const restorePostgres = invokeOpsFunction(
    scope,
    'RestorePostgresDump',
    functions['restore-postgres-dump'],
    {
      payload: TaskInput.fromObject({
        runId: JsonPath.stringAt('$.plan.runId'),
        dump: JsonPath.objectAt('$.plan.postgres.dump'),
        targetDatabase: JsonPath.stringAt('$.plan.postgres.targetDatabase'),
      }),
      resultPath: '$.postgres',
    },
  );
  restorePostgres.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.restoreError' });
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

  const isDryRun = new Choice(scope, 'IsDryRun')
    .when(
      Condition.booleanEquals('$.plan.dryRun', true),
      audit('RecordDryRunAudit', 'DRY_RUN').next(reportPlan),
    )
    .otherwise(startProgress.next(restoreObjects).next(hasMoreToRestore));

  return planRestore.next(isDryRun);
}
