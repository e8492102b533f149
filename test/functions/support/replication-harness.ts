import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach } from 'vitest';
import { clearJsonSecretCache } from '../../../functions/commons/json-secret.ts';
import { clearMinioClientCache } from '../../../functions/commons/minio-client.ts';
import { ByteBudget } from '../../../functions/core/backup/concurrency.ts';
import {
  OBJECT_EVENT_FORMAT,
  type ObjectEvent,
} from '../../../functions/core/dr/replication/object-event.ts';
import type { ReplicationStores } from '../../../functions/core/dr/replication/object-sync.ts';
import {
  type PendingTable,
  pendingPartitionKey,
} from '../../../functions/core/dr/replication/pending-journal.ts';
import {
  type BackupFixture,
  fastRetry,
  MINIO_CREDENTIALS,
  type SeedObjects,
  useBackupEndpoints,
} from '../core/backup/support/backup-endpoints.ts';
import { TEST_REGION } from './lambda.ts';
import { type DynamoDbFixture, OPS_TABLE, useLocalDynamoDb } from './local-dynamodb.ts';

/**
 * What the replication tests share: MinIO and the DR-region S3 as two s3rver endpoints (the
 * replica bucket in the second), the ops table on dynalite, Secrets Manager mocked with MinIO's
 * key pair and the webhook token, and builders for MinIO notifications, queue messages and SQS events.
 */
export const REPLICA_BUCKET = 'lakehouse-replica';
export const MINIO_SECRET_ID = 'lakehouse/test/minio-credentials';
export const WEBHOOK_SECRET_ID = 'lakehouse/test/replication-webhook';
export const WEBHOOK_TOKEN = 'replication-token-5d1e7c';
export const BEARER = `Bearer ${WEBHOOK_TOKEN}`;

export interface ReplicationHarness extends BackupFixture {
  dynamo: DynamoDbFixture;
  /** The stores on the two endpoints, with instant retries. */
  stores(overrides?: Partial<ReplicationStores>): ReplicationStores;
  table(clock?: () => Date): PendingTable;
  /** Every pending record of `bucket`, oldest first. */
  pending(bucket: string): Promise<Record<string, string>[]>;
  /** The variables every replication handler needs (endpoints, table, secrets, replica bucket). */
  environment(): Record<string, string>;
}

export function useReplicationHarness(
  sourceBuckets: string[],
  seed: Record<string, SeedObjects> = {},
): ReplicationHarness {
  const endpoints = useBackupEndpoints(sourceBuckets, { destinationBuckets: [REPLICA_BUCKET], seed });
  const dynamo = useLocalDynamoDb();
  useReplicationSecrets();
  const table = (clock?: () => Date): PendingTable => ({
    dynamoDb: dynamo.client(),
    tableName: OPS_TABLE,
    clock,
  });
  return {
    ...endpoints,
    dynamo,
    stores: (overrides = {}) => {
      const deps = endpoints.deps();
      return {
        source: deps.source,
        replica: deps.destination,
        replicaBucket: REPLICA_BUCKET,
        buffers: new ByteBudget(64 * 1024 * 1024),
        retry: fastRetry,
        ...overrides,
      };
    },
    table,
    pending: async (bucket) => {
      const result = await dynamo.client().send(
        new QueryCommand({
          TableName: OPS_TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pendingPartitionKey(bucket) } },
        }),
      );
      return (result.Items ?? []).map((item) =>
        Object.fromEntries(Object.entries(item).map(([name, value]) => [name, value.S ?? value.N ?? ''])),
      );
    },
    environment: () => ({
      MINIO_ENDPOINT: endpoints.endpoints().source.url,
      MINIO_CREDENTIALS_SECRET_ID: MINIO_SECRET_ID,
      AWS_ENDPOINT_URL_S3: endpoints.endpoints().destination.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
      OPS_TABLE_NAME: OPS_TABLE,
      REPLICA_BUCKET_NAME: REPLICA_BUCKET,
      REPLICA_BUCKET_REGION: TEST_REGION,
      BACKUP_SOURCE_BUCKETS: sourceBuckets.join(','),
    }),
  };
}

/** Secrets Manager (mocked) holding MinIO's key pair and the webhook token, read afresh by each test. */
export function useReplicationSecrets() {
  const secretsManager = mockClient(SecretsManagerClient);
  beforeEach(() => {
    clearMinioClientCache();
    clearJsonSecretCache();
    secretsManager.reset();
    secretsManager
      .on(GetSecretValueCommand, { SecretId: MINIO_SECRET_ID })
      .resolves({ SecretString: JSON.stringify(MINIO_CREDENTIALS) })
      .on(GetSecretValueCommand, { SecretId: WEBHOOK_SECRET_ID })
      .resolves({ SecretString: JSON.stringify({ token: WEBHOOK_TOKEN }) });
  });
  return secretsManager;
}

export interface EventOptions {
  bucket: string;
  key: string;
  change?: ObjectEvent['change'];
  eventTime?: string;
  sequencer?: string;
}

/** A queue message's event; by default a Put now. */
export function objectEvent(options: EventOptions): ObjectEvent {
  const change = options.change ?? 'created';
  const eventTime = options.eventTime ?? new Date().toISOString();
  return {
    format: OBJECT_EVENT_FORMAT,
    bucket: options.bucket,
    key: options.key,
    change,
    eventName: change === 'created' ? 's3:ObjectCreated:Put' : 's3:ObjectRemoved:Delete',
    eventTime,
    sequencer: options.sequencer ?? sequencerOf(eventTime),
  };
}

/** MinIO's sequencer: the event time in nanoseconds, upper-case hex. */
export function sequencerOf(eventTime: string): string {
  return (BigInt(Date.parse(eventTime)) * 1_000_000n).toString(16).toUpperCase();
}

/** An SQS event carrying `bodies` (events are serialised), message ids `m0`, `m1`, ... */
export function sqsEvent(bodies: readonly (ObjectEvent | string)[]): Record<string, unknown> {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `m${index}`,
      receiptHandle: `receipt-${index}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:lakehouse-ops-test-replication',
      awsRegion: TEST_REGION,
    })),
  };
}

/** The body MinIO's webhook target POSTs for one event (internal/event: Log{EventName, Key, Records}). */
export function minioNotification(
  options: EventOptions & { eventName?: string; size?: number; eTag?: string },
): Record<string, unknown> {
  const change = options.change ?? 'created';
  const eventName =
    options.eventName ?? (change === 'created' ? 's3:ObjectCreated:Put' : 's3:ObjectRemoved:Delete');
  const eventTime = options.eventTime ?? new Date().toISOString();
  const object: Record<string, unknown> = {
    // Go's url.QueryEscape: spaces as '+', '/' and other reserved bytes percent-encoded.
    key: encodeURIComponent(options.key).replaceAll('%20', '+'),
    sequencer: options.sequencer ?? sequencerOf(eventTime),
  };
  if (change === 'created') {
    object.size = options.size ?? 12;
    object.eTag = options.eTag ?? 'f22d66a7d0dbbc4a7cf1122eeeb1a106';
    object.contentType = 'application/octet-stream';
    object.userMetadata = { 'content-type': 'application/octet-stream' };
  }
  return {
    EventName: eventName,
    Key: `${options.bucket}/${options.key}`,
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'minio:s3',
        awsRegion: '',
        eventTime,
        eventName,
        userIdentity: { principalId: 'minio-admin' },
        requestParameters: { principalId: 'minio-admin', region: '', sourceIPAddress: '10.0.3.4' },
        responseElements: {
          'x-amz-id-2': 'dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8',
          'x-amz-request-id': '1797C4F2E1A0B2C3',
          'x-minio-deployment-id': '0170a4cc-dca6-4e72-86f1-c0cc760dff7f',
          'x-minio-origin-endpoint': 'http://10.0.3.4:9000',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'Config',
          bucket: {
            name: options.bucket,
            ownerIdentity: { principalId: 'minio-admin' },
            arn: `arn:aws:s3:::${options.bucket}`,
          },
          object,
        },
        source: { host: '10.0.3.4', port: '', userAgent: 'MinIO (linux; amd64) minio-go/v7.0.70' },
      },
    ],
  };
}
