/**
 * verify-backup: proves that a backup run can be restored (scheduled after each backup; console).
 *
 * 1. LoadVerificationPlan validates the input (verify-request.ts), picks the run (the newest by
 *    default), streams its manifest to prove its checksum and fixes the sample: the share, at
 *    least the minimum, always the newest object. A tampered manifest is a plan with no shards
 *    whose verdict will be FAILED. An invalid request ends in RejectVerificationRequest with its
 *    InvalidInputError and no verdict (nothing was verified); any other error (an unknown bucket,
 *    a missing run, an empty backup, a timeout) goes to DescribePlanFailure (step 4b).
 * 2. CheckBackupSample: an inline Map over the plan's shards (at most 20, MaxConcurrency 10); each
 *    VerifyBackupSample Lambda re-reads its shard of the sample from the backup bucket and
 *    compares size and SHA-256 with the manifest. Shards, not a list of keys, travel through the
 *    Map: each shard re-streams the manifest, so no payload ever holds the sample. A shard's error
 *    (the manifest changed since the plan, a timeout, AccessDenied) goes to DescribeSampleFailure.
 * 3. IsPostgresApplicable: when the manifest records a completed dump (and includePostgres),
 *    VerifyPostgresDump restores it into a scratch database and compares row counts. Each call
 *    waits 10 minutes for the pg_restore Job, then retries on PostgresJobTimeoutError and
 *    re-attaches to the same Job (postgres-job-retry.ts), as the backup's DumpPostgres does. Its
 *    failure becomes an ERROR check (RecordPostgresError). Otherwise RecordPostgresNotApplicable
 *    says why.
 * 4. RecordBackupVerdict builds SUCCESSFUL / FAILED with reasons, writes it to the audit trail and
 *    emits VerifyBackupSucceeded (1 / 0).
 * 4b. RecordFailedVerdict (the same Lambda) records the FAILED verdict of a step that errored,
 *    its reason `<step> failed: <error name>: <message>` (functions/core/backup/verify/step-failure.ts),
 *    with the same audit record and metric; the run is `unresolved` when LoadVerificationPlan failed
 *    before picking it. It then continues like a FAILED comparison.
 * 5. IsBackupVerified: SUCCESSFUL ends in ReportBackupVerified with the verdict as output.
 *    Otherwise NotifyOperators publishes the verdict (a failed notification does not hide it),
 *    SerializeBackupVerdict and ReportBackupVerificationFailed fail the execution with
 *    BackupVerificationFailed and the verdict as cause.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  Fail,
  JsonPath,
  Map as MapState,
  Pass,
  Succeed,
  TaskInput,
  type TaskStateBase,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { invokeOpsFunction, Workflow } from '../infra/constructs/workflow.ts';
import { retryWhilePostgresJobRuns } from './postgres-job-retry.ts';

export const VERIFY_BACKUP_WORKFLOW = 'verify-backup';

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const VERIFY_BACKUP_HANDLERS = [
  'load-verification-plan',
  'verify-backup-sample',
  'verify-postgres-dump',
  'record-backup-verdict',
  'notify',
] as const;
export type VerifyBackupHandler = (typeof VERIFY_BACKUP_HANDLERS)[number];

/** The sample Lambdas' 15 minutes each, a pg_restore Job's hour (its retries), and margin. */
export const VERIFY_BACKUP_TIMEOUT = Duration.hours(2);
export const VERIFY_BACKUP_FAILED_ERROR = 'BackupVerificationFailed';

export interface VerifyBackupWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<VerifyBackupHandler, IFunction>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
}

export function verifyBackupWorkflow(
  scope: Construct,
  id: string,
  props: VerifyBackupWorkflowProps,
): Workflow {
  return new Workflow(scope, id, {
    workflowName: VERIFY_BACKUP_WORKFLOW,
    environmentName: props.environmentName,
    timeout: VERIFY_BACKUP_TIMEOUT,
    logRetention: props.logRetention,
    logRemovalPolicy: props.logRemovalPolicy,
    comment: 'Re-reads a sample of a backup run, restores its PostgreSQL dump, records the verdict',
    definition: (definitionScope) => defineVerifyBackup(definitionScope, props),
  });
}

function defineVerifyBackup(scope: Construct, { functions, environmentName }: VerifyBackupWorkflowProps) {
  const loadPlan = invokeOpsFunction(scope, 'LoadVerificationPlan', functions['load-verification-plan'], {
    resultPath: '$.plan',
    comment: 'Validate the input, prove the manifest checksum, fix the sample',
  });

  const checkSample = new MapState(scope, 'CheckBackupSample', {
    itemsPath: '$.plan.shards',
    itemSelector: { plan: JsonPath.objectAt('$.plan'), shard: JsonPath.objectAt('$$.Map.Item.Value') },
    maxConcurrency: 10,
    resultPath: '$.samples',
  });
  checkSample.itemProcessor(
    invokeOpsFunction(scope, 'VerifyBackupSample', functions['verify-backup-sample'], {
      comment: 'Re-read one shard of the sample and compare SHA-256 with the manifest',
    }),
  );

  const recordFailedVerdict = recordStepFailures(scope, functions, loadPlan, checkSample);

  const verifyPostgres = invokeOpsFunction(scope, 'VerifyPostgresDump', functions['verify-postgres-dump'], {
    payload: TaskInput.fromObject({ plan: JsonPath.objectAt('$.plan'), executionId: JsonPath.executionName }),
    resultPath: '$.postgres',
    comment: 'Restore the dump into a scratch database and compare row counts; retries re-attach to the Job',
  });
  retryWhilePostgresJobRuns(verifyPostgres);
  const recordPostgresError = new Pass(scope, 'RecordPostgresError', {
    parameters: { status: 'ERROR', detail: JsonPath.stringAt('$.postgresError.Cause'), reasons: [] },
    resultPath: '$.postgres',
  });
  verifyPostgres.addCatch(recordPostgresError, { errors: ['States.ALL'], resultPath: '$.postgresError' });
  const recordNotApplicable = new Pass(scope, 'RecordPostgresNotApplicable', {
    parameters: {
      status: 'NOT_APPLICABLE',
      detail: JsonPath.stringAt('$.plan.postgres.detail'),
      reasons: [],
    },
    resultPath: '$.postgres',
  });

  const recordVerdict = invokeOpsFunction(scope, 'RecordBackupVerdict', functions['record-backup-verdict'], {
    payload: TaskInput.fromObject({
      plan: JsonPath.objectAt('$.plan'),
      samples: JsonPath.listAt('$.samples'),
      postgres: JsonPath.objectAt('$.postgres'),
      executionId: JsonPath.executionName,
    }),
    resultPath: '$.verdict',
  });

  const reportVerified = new Succeed(scope, 'ReportBackupVerified', { outputPath: '$.verdict' });
  const serializeVerdict = new Pass(scope, 'SerializeBackupVerdict', {
    parameters: { cause: JsonPath.jsonToString(JsonPath.objectAt('$.verdict')) },
    resultPath: '$.failure',
  });
  const reportFailed = new Fail(scope, 'ReportBackupVerificationFailed', {
    error: VERIFY_BACKUP_FAILED_ERROR,
    causePath: '$.failure.cause',
  });
  const notifyOperators = invokeOpsFunction(scope, 'NotifyOperators', functions.notify, {
    payload: TaskInput.fromObject({
      workflow: VERIFY_BACKUP_WORKFLOW,
      subject: JsonPath.format(
        `lakehouse-ops ${environmentName}: backup of {} FAILED verification`,
        JsonPath.stringAt('$.verdict.sourceBucket'),
      ),
      summary: JsonPath.stringAt('$.verdict.summary'),
      detail: JsonPath.objectAt('$.verdict'),
    }),
    resultPath: '$.notification',
  });
  notifyOperators.addCatch(serializeVerdict, { errors: ['States.ALL'], resultPath: '$.notificationError' });
  serializeVerdict.next(reportFailed);

  const isVerified = new Choice(scope, 'IsBackupVerified')
    .when(Condition.stringEquals('$.verdict.status', 'SUCCESSFUL'), reportVerified)
    .otherwise(notifyOperators.next(serializeVerdict));

  const isPostgresApplicable = new Choice(scope, 'IsPostgresApplicable')
    .when(Condition.booleanEquals('$.plan.postgres.applicable', true), verifyPostgres)
    .otherwise(recordNotApplicable);
  verifyPostgres.next(recordVerdict);
  recordPostgresError.next(recordVerdict);
  recordNotApplicable.next(recordVerdict);
  recordVerdict.next(isVerified);
  recordFailedVerdict.next(isVerified);

  return loadPlan.next(checkSample).next(isPostgresApplicable);
}

/**
 * Routes an error of LoadVerificationPlan or CheckBackupSample into RecordFailedVerdict (an
 * invalid request into RejectVerificationRequest instead), so that every verification that got as
 * far as a bucket ends in a recorded FAILED verdict. Returns RecordFailedVerdict, to continue.
 */
function recordStepFailures(
  scope: Construct,
  functions: VerifyBackupWorkflowProps['functions'],
  loadPlan: TaskStateBase,
  checkSample: MapState,
): TaskStateBase {
  const recordFailedVerdict = invokeOpsFunction(
    scope,
    'RecordFailedVerdict',
    functions['record-backup-verdict'],
    {
      payload: TaskInput.fromObject({
        failure: JsonPath.objectAt('$.failure'),
        executionId: JsonPath.executionName,
      }),
      resultPath: '$.verdict',
      comment: 'A step failed: record a FAILED verdict naming the step and its error',
    },
  );
  // Each describes its failure with what is known by then: the request, or the plan.
  const describePlanFailure = new Pass(scope, 'DescribePlanFailure', {
    parameters: {
      step: 'LoadVerificationPlan',
      error: JsonPath.objectAt('$.error'),
      request: JsonPath.objectAt('$$.Execution.Input'),
    },
    resultPath: '$.failure',
  });
  const describeSampleFailure = new Pass(scope, 'DescribeSampleFailure', {
    parameters: {
      step: 'CheckBackupSample',
      error: JsonPath.objectAt('$.error'),
      plan: JsonPath.objectAt('$.plan'),
    },
    resultPath: '$.failure',
  });
  // A request that is not valid verified nothing: it fails without a verdict, so a typo in the
  // console cannot mark a bucket's backups unrestorable. Caught first: States.ALL must come last.
  const rejectRequest = new Fail(scope, 'RejectVerificationRequest', {
    error: 'InvalidInputError',
    causePath: '$.error.Cause',
  });
  loadPlan.addCatch(rejectRequest, { errors: ['InvalidInputError'], resultPath: '$.error' });
  loadPlan.addCatch(describePlanFailure, { errors: ['States.ALL'], resultPath: '$.error' });
  checkSample.addCatch(describeSampleFailure, { errors: ['States.ALL'], resultPath: '$.error' });
  describePlanFailure.next(recordFailedVerdict);
  describeSampleFailure.next(recordFailedVerdict);
  return recordFailedVerdict;
}
