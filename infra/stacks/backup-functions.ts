import { Duration, Stack } from 'aws-cdk-lib';
import type { IBackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  backupLockHandlerEnvironment,
  checkVolumeBackupHandlerEnvironment,
  copyBackupBatchHandlerEnvironment,
  dumpPostgresHandlerEnvironment,
  finalizeBackupHandlerEnvironment,
  planBackupHandlerEnvironment,
  pruneBackupsHandlerEnvironment,
  releaseLockHandlerEnvironment,
  reportHandlerEnvironment,
  validateBackupRequestHandlerEnvironment,
  volumeBackupHandlerEnvironment,
} from '../../functions/commons/environment.ts';
import { BACKUP_LOCK_SCOPE } from '../../functions/core/backup-workflow/bucket-run.ts';
import { lockKey } from '../../functions/core/locks/lease-lock.ts';
import { BACKUP_HANDLERS, BACKUP_LOCK_TTL, type BackupHandler } from '../../workflows/backup.workflow.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { acknowledgeWildcardResources } from '../constructs/nag-acknowledgements.ts';
import type { EnvironmentSchema, OpsFunction, OpsFunctionProps } from '../constructs/ops-function.ts';
import { backupKeyAlias } from './backup-naming.ts';

/** What the backup functions are granted on; built by the OpsStack. */
export interface BackupResources {
  readonly opsTable: ITable;
  readonly opsKey: IKey;
  /** The backup bucket lives in the BackupStack (drRegion); known here by its deterministic name. */
  readonly bucketName: string;
  readonly workBucket: IBucket;
  readonly vault: IBackupVault;
  /** The role AWS Backup assumes for on-demand volume jobs (the plan's selection uses it too). */
  readonly serviceRole: IRole;
}

export type BackupFunctionName = Exclude<BackupHandler, 'notify'>;

export type HandlerSettings<Schema extends EnvironmentSchema> = Pick<
  OpsFunctionProps<Schema>,
  'environmentSchema' | 'environment' | 'timeout' | 'description' | 'memorySize'
>;
export type FunctionBuilder = <Schema extends EnvironmentSchema>(
  settings: HandlerSettings<Schema>,
) => OpsFunction;

export interface BackupFunctionContext {
  readonly config: EnvironmentConfig;
  readonly resources: BackupResources;
  readonly minio: Record<'MINIO_ENDPOINT' | 'MINIO_CREDENTIALS_SECRET_ID', string>;
  readonly kubernetes: { CLUSTER_NAME: string; PLATFORM_LAYOUT?: string };
  readonly grantMinio: (fn: OpsFunction) => void;
  readonly grantDescribeCluster: (fn: OpsFunction) => void;
}

export function isBackupFunctionName(name: string): name is BackupFunctionName {
  return BACKUP_FUNCTION_NAMES.has(name);
}
const BACKUP_FUNCTION_NAMES: ReadonlySet<string> = new Set(
  BACKUP_HANDLERS.filter((name) => name !== 'notify'),
);

/** The backup bucket's layout (docs/backup.md): the key prefixes that grants are scoped to. */
export const RUNS = 'runs/';
export const MANIFESTS = 'manifests/';
export const DATA = 'data/';
export const POSTGRES = 'postgres/';

/** The deployment of each backup handler: environment, timeout and least-privilege grants. */
export function createBackupFunction(
  name: BackupFunctionName,
  build: FunctionBuilder,
  context: BackupFunctionContext,
): OpsFunction {
  const { config, resources } = context;
  const bucket = backupBucketVariables(context);
  const access = backupBucketAccessFor(config, resources);
  const { copy } = config.backup;

  switch (name) {
    case 'validate-backup-request':
      return build({
        environmentSchema: validateBackupRequestHandlerEnvironment,
        environment: { BACKUP_SOURCE_BUCKETS: config.backup.sourceBuckets.join(',') },
        timeout: Duration.seconds(10),
        description: 'backup: validate the workflow input',
      });
    case 'dump-postgres': {
      const fn = build({
        environmentSchema: dumpPostgresHandlerEnvironment,
        environment: postgresJobEnvironment(context),
        // The core waits up to 10 minutes for the Job; the workflow retries to wait longer.
        timeout: Duration.minutes(12),
        description: 'backup: pg_dump of the Prefect database as a Kubernetes Job',
      });
      context.grantDescribeCluster(fn);
      access(fn).read([POSTGRES]).decrypt();
      return fn;
    }
    case 'acquire-backup-lock':
    case 'release-backup-lock': {
      const fn =
        name === 'acquire-backup-lock'
          ? build({
              environmentSchema: backupLockHandlerEnvironment,
              environment: {
                OPS_TABLE_NAME: resources.opsTable.tableName,
                BACKUP_LOCK_TTL_SECONDS: String(BACKUP_LOCK_TTL.toSeconds()),
              },
              timeout: Duration.seconds(15),
              description: 'backup: take the per-bucket lease lock',
            })
          : build({
              environmentSchema: releaseLockHandlerEnvironment,
              environment: { OPS_TABLE_NAME: resources.opsTable.tableName },
              timeout: Duration.seconds(15),
              description: 'backup: release the per-bucket lease lock',
            });
      grantLockItems(fn, resources);
      return fn;
    }
    case 'plan-backup': {
      const fn = build({
        environmentSchema: planBackupHandlerEnvironment,
        environment: {
          ...context.minio,
          ...bucket,
          BACKUP_WORK_BUCKET_NAME: resources.workBucket.bucketName,
          BACKUP_BATCH_SIZE: String(copy.batchSize),
          BACKUP_BATCH_BYTES: String(copy.batchBytes),
        },
        // Streams the whole listing against the previous manifest: the longest single step.
        timeout: Duration.minutes(15),
        memorySize: 1024,
        description: 'backup: incremental plan of one bucket in batches',
      });
      context.grantMinio(fn);
      access(fn).list([MANIFESTS, RUNS]).read([MANIFESTS, RUNS]).write([RUNS]).decrypt().encrypt();
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [resources.workBucket.arnForObjects(`${RUNS}*`)],
        }),
      );
      acknowledgeWildcardResources(
        defaultPolicyOf(fn),
        [resources.workBucket.arnForObjects(`${RUNS}*`)],
        'PutObject of runs/<bucket>/<runId>/batches.json in the work bucket; bucket and run id vary per run',
      );
      return fn;
    }
    case 'copy-backup-batch': {
      const fn = build({
        environmentSchema: copyBackupBatchHandlerEnvironment,
        environment: {
          ...context.minio,
          ...bucket,
          BACKUP_COPY_CONCURRENCY: String(copy.objectConcurrency),
          BACKUP_MULTIPART_THRESHOLD_BYTES: String(copy.multipartThresholdBytes),
        },
        timeout: Duration.minutes(15),
        memorySize: 1024,
        description: 'backup: copy one batch of objects, checksummed',
      });
      context.grantMinio(fn);
      access(fn)
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
        environment: bucket,
        timeout: Duration.minutes(15),
        memorySize: 1024,
        description: 'backup: commit the checksummed manifest of one run',
      });
      access(fn)
        .list([RUNS, MANIFESTS])
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
        environment: { ...bucket, BACKUP_RETENTION_DAYS: String(config.backup.retentionDays) },
        timeout: Duration.minutes(15),
        memorySize: 1024,
        description: 'backup: drop manifests and data past the retention',
      });
      access(fn)
        .list([MANIFESTS, DATA])
        .read([MANIFESTS])
        .objects(['s3:DeleteObject'], [MANIFESTS, DATA])
        .decrypt();
      return fn;
    }
    case 'start-volume-backup': {
      const fn = build({
        environmentSchema: volumeBackupHandlerEnvironment,
        environment: {
          ...context.kubernetes,
          BACKUP_VAULT_NAME: resources.vault.backupVaultName,
          BACKUP_ROLE_ARN: resources.serviceRole.roleArn,
          BACKUP_VOLUME_NAMESPACES: config.backup.volumeNamespaces.join(','),
          BACKUP_VOLUME_RETENTION_DAYS: String(config.backup.retentionDays),
          BACKUP_VOLUME_DEADLINE_MINUTES: String(VOLUME_DEADLINE_MINUTES),
        },
        timeout: Duration.seconds(60),
        description: 'backup: start AWS Backup jobs for the MinIO and PostgreSQL volumes',
      });
      context.grantDescribeCluster(fn);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['backup:StartBackupJob'],
          resources: [resources.vault.backupVaultArn],
        }),
      );
      resources.serviceRole.grantPassRole(fn.grantPrincipal);
      return fn;
    }
    case 'check-volume-backup': {
      const fn = build({
        environmentSchema: checkVolumeBackupHandlerEnvironment,
        environment: { BACKUP_VOLUME_DEADLINE_MINUTES: String(VOLUME_DEADLINE_MINUTES) },
        timeout: Duration.seconds(30),
        description: 'backup: poll the volume backup jobs',
      });
      // DescribeBackupJob supports no resource-level permission (Service Authorization Reference).
      fn.addToRolePolicy(new PolicyStatement({ actions: ['backup:DescribeBackupJob'], resources: ['*'] }));
      acknowledgeDescribeBackupJob(fn);
      return fn;
    }
    case 'build-backup-report':
      return build({
        environmentSchema: reportHandlerEnvironment,
        environment: { ENVIRONMENT_NAME: config.name },
        timeout: Duration.seconds(30),
        description: 'backup: build the backup report and its metrics',
      });
  }
}

/** Where the backup bucket is, as the handlers' backupBucketEnvironment names it. */
export function backupBucketVariables({ config, resources }: BackupFunctionContext) {
  return { BACKUP_BUCKET_NAME: resources.bucketName, BACKUP_BUCKET_REGION: config.drRegion };
}

/**
 * The environment of the steps that run pg_dump or pg_restore as a Job on the cluster
 * (dumpPostgresHandlerEnvironment): the cluster, the backup bucket and the Prefect database.
 */
export function postgresJobEnvironment(context: BackupFunctionContext) {
  const { postgres } = context.config.backup;
  return {
    ...context.kubernetes,
    ...backupBucketVariables(context),
    POSTGRES_NAMESPACE: postgres.namespace,
    POSTGRES_HOST: postgres.host,
    POSTGRES_USER: postgres.user,
    POSTGRES_DATABASE: postgres.database,
    POSTGRES_PASSWORD_SECRET: postgres.passwordSecret,
    POSTGRES_DUMP_SERVICE_ACCOUNT: postgres.serviceAccountName,
  };
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

/** A BackupBucketAccess factory for the functions of one environment. */
export function backupBucketAccessFor(config: EnvironmentConfig, resources: BackupResources) {
  return (fn: OpsFunction) => new BackupBucketAccess(fn, config, resources.bucketName);
}

/**
 * Grants on the backup bucket by key prefix (runs/, manifests/, data/, postgres/), so each step
 * may touch only the part of the layout it owns, and on its KMS key by alias through S3 only.
 */
class BackupBucketAccess {
  private readonly bucketArn: string;

  constructor(
    private readonly fn: OpsFunction,
    private readonly config: EnvironmentConfig,
    bucketName: string,
  ) {
    this.bucketArn = Stack.of(fn).formatArn({ service: 's3', region: '', account: '', resource: bucketName });
  }

  list(prefixes: readonly string[]): this {
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucketArn],
        conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } },
      }),
    );
    return this;
  }

  read(prefixes: readonly string[]): this {
    return this.objects(['s3:GetObject'], prefixes);
  }

  write(prefixes: readonly string[]): this {
    return this.objects(['s3:PutObject'], prefixes);
  }

  objects(actions: readonly string[], prefixes: readonly string[]): this {
    const resources = prefixes.map((prefix) => `${this.bucketArn}/${prefix}*`);
    this.fn.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources }));
    acknowledgeWildcardResources(
      defaultPolicyOf(this.fn),
      resources,
      `${actions.join(', ')} below one prefix of the backup bucket layout (docs/backup.md); keys name buckets, objects and runs`,
    );
    return this;
  }

  decrypt(): this {
    return this.key(['kms:Decrypt']);
  }

  encrypt(): this {
    return this.key(['kms:GenerateDataKey']);
  }

  /** The key is in the BackupStack (drRegion): named by alias, used only through S3 there. */
  private key(actions: readonly string[]): this {
    const keys = Stack.of(this.fn).formatArn({
      service: 'kms',
      region: this.config.drRegion,
      resource: 'key',
      resourceName: '*',
    });
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: [...actions],
        resources: [keys],
        conditions: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': backupKeyAlias(this.config) },
          StringEquals: { 'kms:ViaService': `s3.${this.config.drRegion}.amazonaws.com` },
        },
      }),
    );
    acknowledgeWildcardResources(
      defaultPolicyOf(this.fn),
      [keys],
      'The backup key lives in the DR-region stack; it is selected by its alias (kms:ResourceAliases) and only through S3 (kms:ViaService)',
    );
    return this;
  }
}

/** Only the lease items of backup locks, on the ops table and through its key. */
function grantLockItems(fn: OpsFunction, resources: BackupResources) {
  grantOpsTableItems(
    fn,
    resources,
    ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
    lockKey(BACKUP_LOCK_SCOPE, '*'),
  );
}

/**
 * Item actions on the ops table limited to the partition keys matching `partitionKeyPattern`
 * (dynamodb:LeadingKeys), and the use of the table's key that those item actions need.
 */
export function grantOpsTableItems(
  fn: OpsFunction,
  resources: Pick<BackupResources, 'opsTable' | 'opsKey'>,
  actions: readonly string[],
  partitionKeyPattern: string,
) {
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: [...actions],
      resources: [resources.opsTable.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [partitionKeyPattern] } },
    }),
  );
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [resources.opsKey.keyArn],
    }),
  );
}

export function defaultPolicyOf(fn: OpsFunction) {
  return fn.role!.node.findChild('DefaultPolicy');
}
