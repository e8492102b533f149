import { Duration, Stack } from 'aws-cdk-lib';
import type { IBackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { DEFAULT_POSTGRES_PORT } from '../../functions/core/postgres/job-spec.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { acknowledgeWildcardResources } from '../constructs/nag-acknowledgements.ts';
import type { EnvironmentSchema, OpsFunction, OpsFunctionProps } from '../constructs/ops-function.ts';
import { backupKeyAlias } from './backup-naming.ts';
import type { PlatformEndpoint } from './ops-network.ts';

/**
 * What the functions of the backup, verify-backup and restore workflows share when they are
 * deployed: the backup bucket's variables, least-privilege grants on it (by key prefix) and on its
 * KMS key, and item grants on the ops table. ops-functions.ts builds one BackupFunctionSetup per
 * environment; backup-functions.ts and recovery-functions.ts deploy each function from it.
 */

/** What the backup functions are granted on; built by the OpsStack. */
export interface BackupResources {
  readonly opsTable: ITable;
  readonly opsKey: IKey;
  /** The backup bucket lives in the BackupStack (drRegion); known here by its deterministic name. */
  readonly bucketName: string;
  /** The backup workflow's work bucket, vault and AWS Backup role: the OpsStack's, absent in the DR stack. */
  readonly workBucket?: IBucket;
  readonly vault?: IBackupVault;
  /** The role AWS Backup assumes for on-demand volume jobs (the plan's selection uses it too). */
  readonly serviceRole?: IRole;
}

/**
 * How one handler is deployed. `reaches` is required, so no function is deployed without saying
 * whether it needs the cluster's network (ops-network.ts): the Kubernetes API, MinIO or Prefect.
 */
export type HandlerSettings<Schema extends EnvironmentSchema> = Pick<
  OpsFunctionProps<Schema>,
  'environmentSchema' | 'environment' | 'timeout' | 'description' | 'memorySize'
> & { readonly reaches: readonly PlatformEndpoint[] };
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

/** The backup bucket's layout (docs/backup.md): the key prefixes that grants are scoped to. */
export const RUNS = 'runs/';
export const MANIFESTS = 'manifests/';
export const DATA = 'data/';
export const POSTGRES = 'postgres/';

/**
 * A step that streams a whole listing or manifest, or copies a batch of objects: Lambda's longest
 * timeout, and the memory (hence CPU and network share) that streaming SHA-256 wants.
 */
export const STREAMING_STEP = { timeout: Duration.minutes(15), memorySize: 1024 } as const;

/** The context, with the variables and grants that it implies. */
export interface BackupFunctionSetup extends BackupFunctionContext {
  /** Where the backup bucket is, as the handlers' backupBucketEnvironment names it. */
  readonly bucketEnvironment: { BACKUP_BUCKET_NAME: string; BACKUP_BUCKET_REGION: string };
  /**
   * The environment of the steps that run pg_dump or pg_restore as a Job on the cluster
   * (dumpPostgresHandlerEnvironment): the cluster, the backup bucket and the Prefect database.
   */
  readonly postgresJobEnvironment: ReturnType<typeof postgresJobEnvironmentOf>;
  /** Grants on the backup bucket by key prefix, and on its key through S3, for one function. */
  grantBucket(fn: OpsFunction): BackupBucketAccess;
  /**
   * Item actions on the ops table limited to the partition keys matching `partitionKeyPattern`
   * (dynamodb:LeadingKeys), and the use of the table's key that those item actions need.
   */
  grantOpsTableItems(fn: OpsFunction, actions: readonly string[], partitionKeyPattern: string): void;
}

export function backupFunctionSetup(context: BackupFunctionContext): BackupFunctionSetup {
  const { config, resources } = context;
  const bucketEnvironment = {
    BACKUP_BUCKET_NAME: resources.bucketName,
    BACKUP_BUCKET_REGION: config.drRegion,
  };
  return {
    ...context,
    bucketEnvironment,
    postgresJobEnvironment: postgresJobEnvironmentOf(context, bucketEnvironment),
    grantBucket: (fn) => new BackupBucketAccess(fn, config, resources.bucketName),
    grantOpsTableItems: (fn, actions, partitionKeyPattern) =>
      grantOpsTableItems(fn, resources, actions, partitionKeyPattern),
  };
}

function postgresJobEnvironmentOf(
  context: BackupFunctionContext,
  bucketEnvironment: BackupFunctionSetup['bucketEnvironment'],
) {
  const { postgres } = context.config.backup;
  return {
    ...context.kubernetes,
    ...bucketEnvironment,
    POSTGRES_NAMESPACE: postgres.namespace,
    POSTGRES_HOST: postgres.host,
    POSTGRES_PORT: String(DEFAULT_POSTGRES_PORT),
    POSTGRES_USER: postgres.user,
    POSTGRES_DATABASE: postgres.database,
    POSTGRES_PASSWORD_SECRET: postgres.passwordSecret,
    POSTGRES_DUMP_SERVICE_ACCOUNT: postgres.serviceAccountName,
  };
}

/**
 * Grants on a bucket of the BackupStack (drRegion) by key prefix, so each step may touch only the
 * part of the layout it owns, and on the stack's KMS key by alias through S3 only: the backup
 * bucket (runs/, manifests/, data/, postgres/) and the replica bucket (`<minio-bucket>/`).
 */
export class BackupBucketAccess {
  private readonly bucketArn: string;

  constructor(
    private readonly fn: OpsFunction,
    private readonly config: EnvironmentConfig,
    bucketName: string,
    /** The layout the prefixes come from, for the reason of the wildcard acknowledgement. */
    private readonly layout = 'the backup bucket layout (docs/backup.md)',
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

  /**
   * ListBucket on the whole bucket, without an s3:prefix condition, for a step that asks whether a
   * key exists (a HEAD or GET of a key that may be missing): S3 answers a missing key with 404 only
   * to a caller that may list the bucket, and with 403 AccessDenied to any other, which the code
   * could not tell from a real refusal. Listing reveals key names, never content or metadata.
   */
  existenceChecks(): this {
    this.fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucketArn] }));
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
      `${actions.join(', ')} below one prefix of ${this.layout}; keys name buckets, objects and runs`,
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

/**
 * Actions on the ops table's items of the given partition-key patterns only (`LOCK#provision#*`),
 * and its key.
 */
export function grantOpsTableItems(
  fn: OpsFunction,
  resources: Pick<BackupResources, 'opsTable' | 'opsKey'>,
  actions: readonly string[],
  partitionKeyPatterns: string | readonly string[],
) {
  const patterns =
    typeof partitionKeyPatterns === 'string' ? [partitionKeyPatterns] : [...partitionKeyPatterns];
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: [...actions],
      resources: [resources.opsTable.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns } },
    }),
  );
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [resources.opsKey.keyArn],
    }),
  );
}

/** The role's default policy, where cdk-nag findings on a function's statements are acknowledged. */
export function defaultPolicyOf(fn: OpsFunction) {
  return fn.role!.node.findChild('DefaultPolicy');
}
