/**
 * backup: incremental MinIO -> S3 (DR region) copy with checksummed manifests, then AWS Backup jobs
 * for the EBS volumes behind MinIO and PostgreSQL. docs/backup.md has the bucket layout and steps.
 *
 * 1. ValidateBackupRequest checks the input ({buckets?, dryRun?, requestedBy?}), fills in the
 *    environment's buckets and one runId, and writes the request to $.request.
 * 2. DumpPostgres runs pg_dump of the Prefect database as a Job on the cluster into
 *    postgres/<db>/<runId>.dump (skipped in a dry run) and writes its sidecar to $.postgres; it is
 *    retried on PostgresJobTimeoutError (the retry re-attaches to the same Job). A failure becomes
 *    RecordPostgresDumpError and does not stop the object backup: the report fails instead.
 * 3. BackUpBuckets runs one iteration per bucket (at most BUCKET_CONCURRENCY at a time), each
 *    ending with a {status, run} outcome in $.buckets:
 *    a. AcquireBackupLock takes the bucket's lease (DynamoDB). LockHeldError -> RecordBucketSkipped
 *       (another execution is backing it up); any other failure -> RecordBucketFailed.
 *    b. PlanBackup lists the bucket against the previous manifest into batches, and copies
 *       batches.json to the work bucket (an ItemReader reads only its own region's buckets).
 *    c. IsDryRun: a dry run (the plan wrote nothing) releases the lock (ReleaseBackupLockAfterDryRun)
 *       and ends in RecordBucketPlanned. When nothing needed copying, the plan already committed
 *       the manifest: CarryCommittedManifest puts it where finalize would, and the run goes on at f.
 *    d. CopyBackupBatches: a DISTRIBUTED Map whose ItemReader reads batches.json; one
 *       CopyBackupBatch Lambda per batch, retried on TransientError, some failed batches tolerated
 *       so the others finish (a re-run then reuses their copies).
 *    e. FinalizeBackupManifest commits the checksummed manifest (with the dump in its header), or
 *       fails if any object is missing.
 *    f. PruneBackups drops manifests and data past the retention.
 *    g. ReleaseBackupLock, then RecordBucketBackedUp.
 *    A failure in b-f goes to ReleaseBackupLockAfterFailure, then RecordBucketFailed: the lock is
 *    always released (a release that fails too is recorded, and the lease expires by its TTL).
 * 4. StartVolumeBackup starts one AWS Backup job per EBS volume (none in a dry run) into $.volumes;
 *    IsVolumeBackupDone / WaitForVolumeBackup / CheckVolumeBackup poll until no job is RUNNING
 *    (CheckVolumeBackup fails jobs past their deadline, so the loop ends). A failure of either
 *    Lambda becomes RecordVolumeBackupError.
 * 5. BuildBackupReport turns request + dump + bucket outcomes + volumes into $.report (and its metrics).
 * 6. HasBackupSucceeded: success ends in ReportBackupSucceeded with the report as output. Otherwise
 *    SerializeBackupReport, NotifyOperators (a failed notification is recorded in
 *    $.notificationError), and ReportBackupFailed fails the execution with BackupFailed.
 */
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Policy } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  Chain,
  Choice,
  Condition,
  DistributedMap,
  Fail,
  type IChainable,
  JsonPath,
  Map as MapState,
  Pass,
  S3JsonItemReader,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../infra/constructs/nag-acknowledgements.ts';
import { invokeOpsFunction, Workflow } from '../infra/constructs/workflow.ts';
import { retryWhilePostgresJobRuns } from './postgres-job-retry.ts';

export const BACKUP_WORKFLOW = 'backup';

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const BACKUP_HANDLERS = [
  'validate-backup-request',
  'dump-postgres',
  'acquire-backup-lock',
  'plan-backup',
  'copy-backup-batch',
  'finalize-backup-manifest',
  'prune-backups',
  'release-backup-lock',
  'start-volume-backup',
  'check-volume-backup',
  'build-backup-report',
  'notify',
] as const;
export type BackupHandler = (typeof BACKUP_HANDLERS)[number];

/**
 * Long enough for a first full copy of a large bucket; the bucket locks live a little longer
 * (BACKUP_LOCK_TTL), so only the lease of an execution that is certainly dead ever expires.
 */
export const BACKUP_TIMEOUT = Duration.hours(6);
export const BACKUP_LOCK_TTL = BACKUP_TIMEOUT.plus(Duration.minutes(15));
/** Buckets backed up at the same time; each runs its own Distributed Map of batches. */
export const BUCKET_CONCURRENCY = 4;
export const VOLUME_POLL_INTERVAL = Duration.minutes(1);

export interface BackupCopySettings {
  /** Batches copied at the same time per bucket (Lambda concurrency, MinIO and S3 load). */
  readonly maxConcurrency: number;
  /** Failed batches (in percent) after which the Map Run stops instead of finishing the others. */
  readonly toleratedFailurePercentage: number;
}

export interface BackupWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<BackupHandler, IFunction>>;
  /** Primary-region bucket holding the copy of each run's batches.json that the ItemReader reads. */
  readonly workBucket: IBucket;
  readonly copy: BackupCopySettings;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
}

export function backupWorkflow(scope: Construct, id: string, props: BackupWorkflowProps): Workflow {
  const workflow = new Workflow(scope, id, {
    workflowName: BACKUP_WORKFLOW,
    environmentName: props.environmentName,
    timeout: BACKUP_TIMEOUT,
    logRetention: props.logRetention,
    logRemovalPolicy: props.logRemovalPolicy,
    comment: 'Incremental MinIO -> S3 backup with checksummed manifests, and AWS Backup jobs for the volumes',
    definition: (definitionScope) => defineBackup(definitionScope, props),
  });
  acknowledgeItemReaderRead(workflow, props.workBucket);
  acknowledgeDistributedMapPolicy(workflow);
  return workflow;
}

function defineBackup(scope: Construct, props: BackupWorkflowProps): IChainable {
  const { functions } = props;
  const validateRequest = invokeOpsFunction(
    scope,
    'ValidateBackupRequest',
    functions['validate-backup-request'],
    {
      resultPath: '$.request',
      comment: 'Validate the input, fill in the default buckets and the run id',
    },
  );

  const backUpBuckets = new MapState(scope, 'BackUpBuckets', {
    itemsPath: '$.request.buckets',
    itemSelector: {
      bucket: JsonPath.stringAt('$$.Map.Item.Value'),
      runId: JsonPath.stringAt('$.request.runId'),
      dryRun: JsonPath.stringAt('$.request.dryRun'),
      owner: JsonPath.stringAt('$$.Execution.Name'),
      postgres: JsonPath.objectAt('$.postgres'),
    },
    maxConcurrency: BUCKET_CONCURRENCY,
    resultPath: '$.buckets',
    comment: 'One locked, incremental backup run per source bucket',
  });
  backUpBuckets.itemProcessor(defineBucketRun(scope, props));

  const volumes = defineVolumeBackup(scope, functions);
  const report = defineReport(scope, functions);
  volumes.done.next(report);

  return validateRequest.next(defineDump(scope, functions)).next(backUpBuckets).next(volumes.start);
}

function defineDump(scope: Construct, functions: BackupWorkflowProps['functions']): IChainable {
  const dump = invokeOpsFunction(scope, 'DumpPostgres', functions['dump-postgres'], {
    payload: TaskInput.fromObject({
      runId: JsonPath.stringAt('$.request.runId'),
      dryRun: JsonPath.stringAt('$.request.dryRun'),
    }),
    resultPath: '$.postgres',
    comment: 'pg_dump of the Prefect database into the backup bucket',
  });
  retryWhilePostgresJobRuns(dump);
  const recordError = new Pass(scope, 'RecordPostgresDumpError', {
    parameters: { state: 'FAILED', error: JsonPath.objectAt('$.postgresError') },
    resultPath: '$.postgres',
  });
  dump.addCatch(recordError, { errors: ['States.ALL'], resultPath: '$.postgresError' });
  const done = new Pass(scope, 'CollectPostgresDump', { comment: 'The dump is done, skipped or failed' });
  recordError.next(done);
  dump.next(done);
  return Chain.custom(dump, [done], done);
}

function defineBucketRun(scope: Construct, props: BackupWorkflowProps): IChainable {
  const { functions } = props;
  const outcome = (id: string, status: string) =>
    new Pass(scope, id, { parameters: { status, run: JsonPath.objectAt('$') } });
  const recordBackedUp = outcome('RecordBucketBackedUp', 'BACKED_UP');
  const recordPlanned = outcome('RecordBucketPlanned', 'PLANNED');
  const recordSkipped = outcome('RecordBucketSkipped', 'SKIPPED');
  const recordFailed = outcome('RecordBucketFailed', 'FAILED');

  const acquireLock = invokeOpsFunction(scope, 'AcquireBackupLock', functions['acquire-backup-lock'], {
    resultPath: '$.lock',
  });
  acquireLock.addCatch(recordSkipped, { errors: ['LockHeldError'], resultPath: '$.error' });
  acquireLock.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.error' });

  const releaseAfterFailure = invokeOpsFunction(
    scope,
    'ReleaseBackupLockAfterFailure',
    functions['release-backup-lock'],
    { resultPath: '$.release' },
  );
  releaseAfterFailure.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.releaseError' });
  releaseAfterFailure.next(recordFailed);
  const onFailure = { errors: ['States.ALL'], resultPath: '$.error' };

  const plan = invokeOpsFunction(scope, 'PlanBackup', functions['plan-backup'], { resultPath: '$.plan' });
  plan.addCatch(releaseAfterFailure, onFailure);

  const releaseAfterDryRun = invokeOpsFunction(
    scope,
    'ReleaseBackupLockAfterDryRun',
    functions['release-backup-lock'],
    { resultPath: '$.release' },
  );
  releaseAfterDryRun.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.error' });

  const copyBatches = new DistributedMap(scope, 'CopyBackupBatches', {
    itemReader: new S3JsonItemReader({
      bucket: props.workBucket,
      key: JsonPath.stringAt('$.plan.batchesKey'),
    }),
    maxConcurrency: props.copy.maxConcurrency,
    toleratedFailurePercentage: props.copy.toleratedFailurePercentage,
    // Completeness is decided by FinalizeBackupManifest from the results files, so the Map's own
    // output (one entry per batch) is not kept: it would outgrow the 256 KiB state limit.
    resultPath: JsonPath.DISCARD,
    comment: 'One Lambda per batch of batches.json',
  });
  copyBatches.itemProcessor(
    invokeOpsFunction(scope, 'CopyBackupBatch', functions['copy-backup-batch'], {
      resultPath: JsonPath.DISCARD,
      outputPath: '$.batchIndex',
    }),
  );
  copyBatches.addCatch(releaseAfterFailure, onFailure);

  const finalize = invokeOpsFunction(scope, 'FinalizeBackupManifest', functions['finalize-backup-manifest'], {
    resultPath: '$.manifest',
  });
  finalize.addCatch(releaseAfterFailure, onFailure);
  const prune = invokeOpsFunction(scope, 'PruneBackups', functions['prune-backups'], {
    resultPath: '$.prune',
  });
  prune.addCatch(releaseAfterFailure, onFailure);
  const release = invokeOpsFunction(scope, 'ReleaseBackupLock', functions['release-backup-lock'], {
    resultPath: '$.release',
  });
  release.addCatch(recordFailed, { errors: ['States.ALL'], resultPath: '$.error' });

  // The plan commits the manifest itself when nothing needed copying: no batches, no finalize.
  const carryCommittedManifest = new Pass(scope, 'CarryCommittedManifest', {
    inputPath: '$.plan.manifest',
    resultPath: '$.manifest',
    comment: 'Nothing to copy: the plan already wrote the manifest',
  });
  prune.next(release).next(recordBackedUp);
  const isDryRun = new Choice(scope, 'IsDryRun')
    .when(Condition.booleanEquals('$.dryRun', true), releaseAfterDryRun.next(recordPlanned))
    .when(Condition.isPresent('$.plan.manifest.manifestKey'), carryCommittedManifest.next(prune))
    .otherwise(copyBatches.next(finalize).next(prune));

  return acquireLock.next(plan).next(isDryRun);
}

function defineVolumeBackup(scope: Construct, functions: BackupWorkflowProps['functions']) {
  const start = invokeOpsFunction(scope, 'StartVolumeBackup', functions['start-volume-backup'], {
    payload: TaskInput.fromObject({
      runId: JsonPath.stringAt('$.request.runId'),
      dryRun: JsonPath.stringAt('$.request.dryRun'),
    }),
    resultPath: '$.volumes',
    comment: 'One AWS Backup job per EBS volume behind the MinIO and PostgreSQL claims',
  });
  const recordError = new Pass(scope, 'RecordVolumeBackupError', {
    parameters: { state: 'FAILED', error: JsonPath.objectAt('$.volumesError') },
    resultPath: '$.volumes',
  });
  start.addCatch(recordError, { errors: ['States.ALL'], resultPath: '$.volumesError' });

  const check = invokeOpsFunction(scope, 'CheckVolumeBackup', functions['check-volume-backup'], {
    inputPath: '$.volumes',
    resultPath: '$.volumes',
  });
  check.addCatch(recordError, { errors: ['States.ALL'], resultPath: '$.volumesError' });
  const wait = new Wait(scope, 'WaitForVolumeBackup', { time: WaitTime.duration(VOLUME_POLL_INTERVAL) });
  const done = new Pass(scope, 'CollectVolumeBackup', { comment: 'The volume jobs are final (or failed)' });
  const isDone = new Choice(scope, 'IsVolumeBackupDone')
    .when(Condition.stringEquals('$.volumes.state', 'RUNNING'), wait.next(check))
    .otherwise(done);
  check.next(isDone);
  recordError.next(done);
  start.next(isDone);
  return { start, done };
}

function defineReport(scope: Construct, functions: BackupWorkflowProps['functions']): IChainable {
  const buildReport = invokeOpsFunction(scope, 'BuildBackupReport', functions['build-backup-report'], {
    payload: TaskInput.fromObject({
      request: JsonPath.objectAt('$.request'),
      postgres: JsonPath.objectAt('$.postgres'),
      buckets: JsonPath.listAt('$.buckets'),
      volumes: JsonPath.objectAt('$.volumes'),
    }),
    resultPath: '$.report',
  });
  const succeeded = new Succeed(scope, 'ReportBackupSucceeded', { outputPath: '$.report' });
  const serializeReport = new Pass(scope, 'SerializeBackupReport', {
    parameters: { cause: JsonPath.jsonToString(JsonPath.objectAt('$.report')) },
    resultPath: '$.verdict',
  });
  const failed = new Fail(scope, 'ReportBackupFailed', {
    error: 'BackupFailed',
    causePath: '$.verdict.cause',
  });
  const notifyOperators = invokeOpsFunction(scope, 'NotifyOperators', functions.notify, {
    payload: TaskInput.fromObject({
      workflow: BACKUP_WORKFLOW,
      subject: JsonPath.format('lakehouse-ops {}: backup FAILED', JsonPath.stringAt('$.report.environment')),
      summary: JsonPath.stringAt('$.report.summary'),
      detail: JsonPath.objectAt('$.report'),
    }),
    resultPath: '$.notification',
  });
  notifyOperators.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.notificationError' });
  const hasSucceeded = new Choice(scope, 'HasBackupSucceeded')
    .when(Condition.stringEquals('$.report.status', 'SUCCEEDED'), succeeded)
    .otherwise(serializeReport.next(notifyOperators).next(failed));
  return buildReport.next(hasSucceeded);
}

/** The ItemReader's s3:GetObject on `<work bucket>/*` (CDK's grant): batches.json keys vary by run. */
function acknowledgeItemReaderRead(workflow: Workflow, workBucket: IBucket) {
  const policy = workflow.stateMachine.role.node.findChild('DefaultPolicy');
  acknowledgeWildcardResources(
    policy,
    [
      Stack.of(workflow).formatArn({
        service: 's3',
        region: '',
        account: '',
        resource: workBucket.bucketName,
        resourceName: '*',
      }),
    ],
    'The Distributed Map ItemReader reads runs/<bucket>/<runId>/batches.json of the work bucket; the run id is only known at run time',
  );
}

/**
 * CDK's DistributedMapPolicy lets the state machine start, describe, stop and redrive its own
 * child executions: their ARNs end in the Map Run's generated id, hence `<execution ARN>:*`.
 */
function acknowledgeDistributedMapPolicy(workflow: Workflow) {
  const policy = workflow.stateMachine.node.tryFindChild('DistributedMapPolicy') as Policy | undefined;
  if (!policy)
    throw new Error(`${workflow.node.path}: expected the DistributedMapPolicy of CopyBackupBatches`);
  const statements = Stack.of(workflow).resolve(policy.document.toJSON()).Statement as {
    Resource: unknown;
  }[];
  acknowledgeWildcardResources(
    policy,
    statements.flatMap((statement) => [statement.Resource].flat()) as string[],
    'The Distributed Map starts, describes, stops and redrives child executions of this one state machine; their names are generated per Map Run',
  );
}
