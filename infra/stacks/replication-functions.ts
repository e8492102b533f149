import { Duration } from 'aws-cdk-lib';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  measureReplicationLagHandlerEnvironment,
  reconcileReplicationHandlerEnvironment,
  replicateObjectsHandlerEnvironment,
  replicationIngressHandlerEnvironment,
} from '../../functions/commons/environment.ts';
import { pendingPartitionKey } from '../../functions/core/dr/replication/pending-journal.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import { BackupBucketAccess, type FunctionBuilder, STREAMING_STEP } from './backup-function-setup.ts';
import { replicaBucketName } from './backup-naming.ts';
import { grantReadSecret } from './function-grants.ts';

/**
 * How each function of continuous replication (issue 5, docs/dr.md) is deployed: environment,
 * timeout and IAM. MinIO's webhook posts to replication-ingress (a Function URL), which journals
 * each event as pending and queues it; replicate-objects consumes the queue and brings each
 * object's replica to MinIO's state; reconcile-replication repairs what events missed on a
 * schedule; measure-replication-lag publishes the lag the alarm and the failover gate watch.
 */
export const REPLICATION_HANDLERS = [
  'replication-ingress',
  'replicate-objects',
  'reconcile-replication',
  'measure-replication-lag',
] as const;
export type ReplicationFunctionName = (typeof REPLICATION_HANDLERS)[number];

export function isReplicationFunctionName(name: string): name is ReplicationFunctionName {
  return (REPLICATION_HANDLERS as readonly string[]).includes(name);
}

/** The webhook secret MinIO's `auth_token` comes from (`{ "token": ... }`), by name. */
export function replicationWebhookSecretName(config: EnvironmentConfig): string {
  return `lakehouse-ops/${config.name}/replication-webhook`;
}

export interface ReplicationFunctionSetup {
  readonly config: EnvironmentConfig;
  readonly minio: Record<'MINIO_ENDPOINT' | 'MINIO_CREDENTIALS_SECRET_ID', string>;
  readonly opsTableName: string;
  /** The queue between the ingress and replicate-objects (the Replication nested stack's). */
  readonly queue: IQueue;
  readonly grantMinio: (fn: OpsFunction) => void;
  readonly grantOpsTableItems: (
    fn: OpsFunction,
    actions: readonly string[],
    partitionKeyPatterns: string | readonly string[],
  ) => void;
}

/** The pending journal's partitions of every replicated bucket. */
const PENDING_ITEMS = pendingPartitionKey('*');

export function createReplicationFunction(
  name: ReplicationFunctionName,
  build: FunctionBuilder,
  setup: ReplicationFunctionSetup,
): OpsFunction {
  const { config } = setup;
  const buckets = { BACKUP_SOURCE_BUCKETS: config.backup.sourceBuckets.join(',') };
  const opsTable = { OPS_TABLE_NAME: setup.opsTableName };
  const replica = { REPLICA_BUCKET_NAME: replicaBucketName(config), REPLICA_BUCKET_REGION: config.drRegion };

  switch (name) {
    case 'replication-ingress': {
      const fn = build({
        environmentSchema: replicationIngressHandlerEnvironment,
        reaches: [],
        environment: {
          ...opsTable,
          ...buckets,
          REPLICATION_WEBHOOK_SECRET_ID: replicationWebhookSecretName(config),
          REPLICATION_QUEUE_URL: setup.queue.queueUrl,
        },
        // MinIO waits for the answer before it sends the next event of its queue.
        timeout: Duration.seconds(30),
        memorySize: 512,
        description: "replication: MinIO's bucket notifications -> pending journal -> replication queue",
      });
      grantReadSecret(fn, replicationWebhookSecretName(config), 'the one replication webhook secret');
      setup.queue.grantSendMessages(fn);
      setup.grantOpsTableItems(fn, ['dynamodb:BatchWriteItem'], PENDING_ITEMS);
      return fn;
    }
    case 'replicate-objects':
    case 'reconcile-replication': {
      const reconcile = name === 'reconcile-replication';
      const fn = build({
        environmentSchema: reconcile
          ? reconcileReplicationHandlerEnvironment
          : replicateObjectsHandlerEnvironment,
        reaches: ['minio-s3'],
        environment: { ...setup.minio, ...opsTable, ...replica, ...(reconcile ? buckets : {}) },
        // Both stream objects with SHA-256 (the backup's copy core); the reconciler lists whole
        // buckets and stops before its deadline (`complete: false`), the next run goes on.
        ...(reconcile ? STREAMING_STEP : { timeout: Duration.minutes(5), memorySize: 1024 }),
        description: reconcile
          ? 'replication: compare MinIO with the replica and repair what events missed'
          : "replication: bring each queued object's replica to its MinIO state (copy or delete)",
      });
      setup.grantMinio(fn);
      grantReplicaBucket(fn, config);
      setup.grantOpsTableItems(
        fn,
        reconcile ? ['dynamodb:BatchWriteItem', 'dynamodb:Query'] : ['dynamodb:BatchWriteItem'],
        PENDING_ITEMS,
      );
      return fn;
    }
    case 'measure-replication-lag': {
      const fn = build({
        environmentSchema: measureReplicationLagHandlerEnvironment,
        reaches: [],
        environment: { ...opsTable, ...buckets, ENVIRONMENT_NAME: config.name },
        timeout: Duration.seconds(30),
        description: 'replication: the age of the oldest event not yet replicated, as a metric',
      });
      setup.grantOpsTableItems(fn, ['dynamodb:Query'], PENDING_ITEMS);
      return fn;
    }
  }
}

/**
 * Objects of every replicated bucket's prefix in the replica bucket, and the key through S3.
 * "Missing" (a 404, see existenceChecks) is how replicate-objects tells a deleted replica from a
 * present one.
 */
function grantReplicaBucket(fn: OpsFunction, config: EnvironmentConfig): void {
  const bucketName = replicaBucketName(config);
  const prefixes = config.backup.sourceBuckets.map((bucket) => `${bucket}/`);
  new BackupBucketAccess(fn, config, bucketName, 'the replica bucket layout (docs/dr.md)')
    .existenceChecks()
    .objects(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], prefixes)
    .decrypt()
    .encrypt();
}
