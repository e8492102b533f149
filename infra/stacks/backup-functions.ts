import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  backupLockHandlerEnvironment,
  backupReportHandlerEnvironment,
  checkVolumeBackupHandlerEnvironment,
  copyBackupBatchHandlerEnvironment,
  dumpPostgresHandlerEnvironment,
  finalizeBackupHandlerEnvironment,
  planBackupHandlerEnvironment,
  pruneBackupsHandlerEnvironment,
  releaseLockHandlerEnvironment,
  validateBackupRequestHandlerEnvironment,
  volumeBackupHandlerEnvironment,
} from '../../functions/commons/environment.ts';
import { BACKUP_LOCK_SCOPE } from '../../functions/core/backup-workflow/bucket-run.ts';
import { lockKey } from '../../functions/core/locks/lease-lock.ts';
import { BACKUP_HANDLERS, BACKUP_LOCK_TTL, type BackupHandler } from '../../workflows/backup.workflow.ts';
import { acknowledgeWildcardResources } from '../constructs/nag-acknowledgements.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import {
  type BackupFunctionSetup,
  DATA,
  defaultPolicyOf,
  type FunctionBuilder,
  MANIFESTS,
  POSTGRES,
  RUNS,
  STREAMING_STEP,
} from './backup-function-setup.ts';

export type BackupFunctionName = Exclude<BackupHandler, 'notify'>;

export function isBackupFunctionName(name: string): name is BackupFunctionName {
  return BACKUP_FUNCTION_NAMES.has(name);
}
const BACKUP_FUNCTION_NAMES: ReadonlySet<string> = new Set(
  BACKUP_HANDLERS.filter((name) => name !== 'notify'),
);

/** The deployment of each backup handler: environment, timeout and least-privilege grants. */
export function createBackupFunction(
  name: BackupFunctionName,
  build: FunctionBuilder,
  setup: BackupFunctionSetup,
): OpsFunction {
  const { config, resources, bucketEnvironment: bucket } = setup;
  const { copy } = config.backup;

  switch (name) {
    case 'validate-backup-request':
      return build({
        environmentSchema: validateBackupRequestHandlerEnvironment,
        reaches: [],
        environment: { BACKUP_SOURCE_BUCKETS: config.backup.sourceBuckets.join(',') },
        timeout: Duration.seconds(10),
        description: 'backup: validate the workflow input',
      });
    case 'dump-postgres': {
      const fn = build({
        environmentSchema: dumpPostgresHandlerEnvironment,
        // pg_dump runs as a Job on the cluster: the function talks to Kubernetes, never to PostgreSQL.
        reaches: ['kubernetes-api'],
        environment: {
          ...setup.postgresJobEnvironment,
          BACKUP_RETENTION_DAYS: String(config.backup.retentionDays),
        },
        // The core waits up to 10 minutes for the Job; the workflow retries to wait longer.
        timeout: Duration.minutes(12),
        description: 'backup: pg_dump of the Prefect database as a Kubernetes Job',
      });
      setup.grantDescribeCluster(fn);
      // Pruning past the retention: the dumps' runs, and the manifests' run ids that pin a dump.
      setup
        .grantBucket(fn)
        .existenceChecks()
        .read([POSTGRES])
        .objects(['s3:DeleteObject'], [POSTGRES])
        .decrypt();
      return fn;
    }
    case 'acquire-backup-lock':
    case 'release-backup-lock': {
      const fn =
        name === 'acquire-backup-lock'
          ? build({
              environmentSchema: backupLockHandlerEnvironment,
              reaches: [],
              environment: {
                OPS_TABLE_NAME: resources.opsTable.tableName,
                BACKUP_LOCK_TTL_SECONDS: String(BACKUP_LOCK_TTL.toSeconds()),
              },
              timeout: Duration.seconds(15),
              description: 'backup: take the per-bucket lease lock',
            })
          : build({
              environmentSchema: releaseLockHandlerEnvironment,
              reaches: [],
              environment: { OPS_TABLE_NAME: resources.opsTable.tableName },
              timeout: Duration.seconds(15),
              description: 'backup: release the per-bucket lease lock',
            });
      // Only the lease items of backup locks.
      setup.grantOpsTableItems(
        fn,
        ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
        lockKey(BACKUP_LOCK_SCOPE, '*'),
      );
      return fn;
    }
    case 'plan-backup': {
      const workBucket = required(resources.workBucket, name, 'workBucket');
      const fn = build({
        environmentSchema: planBackupHandlerEnvironment,
        reaches: ['minio-s3'],
        environment: {
          ...setup.minio,
          ...bucket,
          BACKUP_WORK_BUCKET_NAME: workBucket.bucketName,
          BACKUP_BATCH_SIZE: String(copy.batchSize),
          BACKUP_BATCH_BYTES: String(copy.batchBytes),
          BACKUP_RETENTION_DAYS: String(config.backup.retentionDays),
        },
        // Streams the whole listing against the previous manifest: the longest single step.
        ...STREAMING_STEP,
        description: 'backup: incremental plan of one bucket in batches',
      });
      setup.grantMinio(fn);
      // A run with nothing to copy commits its manifest from the plan (staged under runs/ when it
      // needs more than one part) and clears unfinished runs' files, as finalize does.
      setup
        .grantBucket(fn)
        .existenceChecks()
        .read([MANIFESTS, RUNS])
        .write([RUNS, MANIFESTS])
        .objects(['s3:DeleteObject', 's3:AbortMultipartUpload'], [RUNS])
        .decrypt()
        .encrypt();
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [workBucket.arnForObjects(`${RUNS}*`)],
        }),
      );
      acknowledgeWildcardResources(
        defaultPolicyOf(fn),
        [workBucket.arnForObjects(`${RUNS}*`)],
        'PutObject of runs/<bucket>/<runId>/batches.json in the work bucket; bucket and run id vary per run',
      );
      return fn;
    }
    case 'copy-backup-batch': {
      const fn = build({
        environmentSchema: copyBackupBatchHandlerEnvironment,
        reaches: ['minio-s3'],
        environment: {
          ...setup.minio,
          ...bucket,
          BACKUP_COPY_CONCURRENCY: String(copy.objectConcurrency),
          BACKUP_MULTIPART_THRESHOLD_BYTES: String(copy.multipartThresholdBytes),
        },
        ...STREAMING_STEP,
        description: 'backup: copy one batch of objects, checksummed',
      });
      setup.grantMinio(fn);
      setup
        .grantBucket(fn)
        .existenceChecks()
        .read([RUNS, DATA])
        .write([RUNS, DATA])
        .objects(['s3:AbortMultipartUpload'], [DATA])
        .decrypt()
        .encrypt();
      return fn;
    }
    case 'finalize-backup-manifest': {
      const fn = build({
        environmentSchema: finalizeBackupHandlerEnvironment,
        reaches: [],
        environment: bucket,
        ...STREAMING_STEP,
        description: 'backup: commit the checksummed manifest of one run',
      });
      setup
        .grantBucket(fn)
        .existenceChecks()
        .read([RUNS, MANIFESTS])
        .write([RUNS, MANIFESTS])
        .objects(['s3:DeleteObject', 's3:AbortMultipartUpload'], [RUNS])
        .decrypt()
        .encrypt();
      return fn;
    }
    case 'prune-backups': {
      const fn = build({
        environmentSchema: pruneBackupsHandlerEnvironment,
        reaches: [],
        environment: { ...bucket, BACKUP_RETENTION_DAYS: String(config.backup.retentionDays) },
        ...STREAMING_STEP,
        description: 'backup: drop manifests and data past the retention',
      });
      setup
        .grantBucket(fn)
        .list([MANIFESTS, DATA])
        .read([MANIFESTS])
        .objects(['s3:DeleteObject'], [MANIFESTS, DATA])
        .decrypt();
      return fn;
    }
    case 'start-volume-backup': {
      const vault = required(resources.vault, name, 'vault');
      const serviceRole = required(resources.serviceRole, name, 'serviceRole');
      const fn = build({
        environmentSchema: volumeBackupHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: {
          ...setup.kubernetes,
          BACKUP_VAULT_NAME: vault.backupVaultName,
          BACKUP_ROLE_ARN: serviceRole.roleArn,
          BACKUP_VOLUME_NAMESPACES: config.backup.volumeNamespaces.join(','),
          BACKUP_VOLUME_RETENTION_DAYS: String(config.backup.retentionDays),
          BACKUP_VOLUME_DEADLINE_MINUTES: String(VOLUME_DEADLINE_MINUTES),
        },
        timeout: Duration.seconds(60),
        description: 'backup: start AWS Backup jobs for the MinIO and PostgreSQL volumes',
      });
      setup.grantDescribeCluster(fn);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['backup:StartBackupJob'],
          resources: [vault.backupVaultArn],
        }),
      );
      serviceRole.grantPassRole(fn.grantPrincipal);
      return fn;
    }
    case 'check-volume-backup': {
      const fn = build({
        environmentSchema: checkVolumeBackupHandlerEnvironment,
        reaches: [],
        environment: { BACKUP_VOLUME_DEADLINE_MINUTES: String(VOLUME_DEADLINE_MINUTES) },
        timeout: Duration.seconds(30),
        description: 'backup: poll the volume backup jobs',
      });
      // DescribeBackupJob supports no resource-level permission (Service Authorization Reference).
      fn.addToRolePolicy(new PolicyStatement({ actions: ['backup:DescribeBackupJob'], resources: ['*'] }));
      acknowledgeDescribeBackupJob(fn);
      return fn;
    }
    case 'build-backup-report': {
      const fn = build({
        environmentSchema: backupReportHandlerEnvironment,
        reaches: [],
        environment: { ENVIRONMENT_NAME: config.name, ...bucket },
        timeout: Duration.seconds(30),
        description: 'backup: build the backup report and its metrics',
      });
      // The restore point (newest manifest) of a bucket that was skipped or failed to plan: listed, not read.
      setup.grantBucket(fn).list([MANIFESTS]);
      return fn;
    }
  }
}

/** EBS snapshots of a few hundred GiB take tens of minutes; the workflow must still end. */
export const VOLUME_DEADLINE_MINUTES = 180;

function acknowledgeDescribeBackupJob(fn: OpsFunction) {
  acknowledgeWildcardResources(
    defaultPolicyOf(fn),
    ['*'],
    'xray:PutTraceSegments/PutTelemetryRecords and backup:DescribeBackupJob support no resource-level permissions; the job ids come from StartVolumeBackup',
  );
}

/** A backup resource only the OpsStack has: a function that needs it is deployed there. */
function required<Resource>(resource: Resource | undefined, handler: string, what: string): Resource {
  if (resource === undefined) {
    throw new Error(`${handler} needs BackupResources.${what}: deploy it in the OpsStack, which has one`);
  }
  return resource;
}
