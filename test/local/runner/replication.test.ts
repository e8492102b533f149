import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalLakehouse, startLocalLakehouse } from '../../../local/lakehouse/index.ts';
import { MARKET_DATA_BUCKET } from '../../../local/lakehouse/seed/buckets.ts';
import {
  type LocalReplication,
  type ReplicatedObject,
  startLocalReplication,
} from '../../../local/runner/replication.ts';
import { type LocalWorkflows, loadWorkflows } from '../../../local/runner/workflows.ts';
import { eventually } from '../support/eventually.ts';

const REPLICATION_QUEUE = 'lakehouse-ops-development-replication';
// Seconds before a failed message is delivered again: the template's 1800 would outlast the test.
const RETRY_VISIBILITY_SECONDS = 2;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('startLocalReplication (the Dr stack of the synthesized template)', () => {
  let lakehouse: LocalLakehouse;
  let workflows: LocalWorkflows;
  let replication: LocalReplication;
  let minio: S3Client;
  let drS3: S3Client;
  const settled: ReplicatedObject[] = [];
  const failed: ReplicatedObject[] = [];

  beforeAll(async () => {
    lakehouse = await startLocalLakehouse({ replication: true });
    workflows = await loadWorkflows({
      localEnvironment: lakehouse.environment,
      taskTokens: lakehouse.taskTokens,
      visibilityTimeoutOverrides: { [REPLICATION_QUEUE]: RETRY_VISIBILITY_SECONDS },
    });
    replication = await startLocalReplication({
      workflows,
      webhook: lakehouse.replicationWebhook,
      onSettled: (object) => settled.push(object),
      onFailed: (object) => failed.push(object),
    });
    const { environment: env } = lakehouse;
    const s3 = { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' } as const;
    minio = new S3Client({
      ...s3,
      endpoint: env.MINIO_ENDPOINT,
      region: lakehouse.region,
      credentials: lakehouse.s3Credentials,
    });
    drS3 = new S3Client({
      ...s3,
      endpoint: env.AWS_ENDPOINT_URL_S3,
      region: lakehouse.replica.region,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    });
    // The seeded objects' events come first: start each test from a drained pipeline.
    await replication.idle({ timeoutMs: 90_000 });
  }, 240_000);

  afterAll(async () => {
    minio?.destroy();
    drS3?.destroy();
    await replication?.stop();
    await lakehouse?.stop();
  });

  const replicaSha256 = async (bucket: string, key: string): Promise<string | undefined> => {
    try {
      const object = await drS3.send(
        new GetObjectCommand({ Bucket: lakehouse.replica.bucketName, Key: `${bucket}/${key}` }),
      );
      return sha256(await object.Body!.transformToByteArray());
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  };

  it('creates the template queues in aws-sim, the replication queue redriving to its dead-letter queue', async () => {
    const queue = workflows.queues.find((candidate) => candidate.queueName === REPLICATION_QUEUE)!;
    const deadLetter = workflows.queues.find(
      (candidate) => candidate.queueName === `${REPLICATION_QUEUE}-dlq`,
    )!;
    expect(workflows.environment.REPLICATION_QUEUE_URL).toBe(queue.queueUrl);
    const sqs = new SQSClient({
      endpoint: lakehouse.environment.AWS_ENDPOINT_URL_SQS,
      region: lakehouse.region,
      credentials: {
        accessKeyId: lakehouse.environment.AWS_ACCESS_KEY_ID!,
        secretAccessKey: lakehouse.environment.AWS_SECRET_ACCESS_KEY!,
      },
    });
    try {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.queueUrl, AttributeNames: ['All'] }),
      );
      expect(Attributes?.VisibilityTimeout).toBe(String(RETRY_VISIBILITY_SECONDS));
      expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: deadLetter.queueArn,
        maxReceiveCount: 5,
      });
    } finally {
      sqs.destroy();
    }
    expect(workflows.eventSourceMappings.map((mapping) => mapping.function.handlerModule)).toEqual([
      'functions/replicate-objects.handler.ts',
    ]);
  });

  it('copies an object PUT to MinIO into the replica under <bucket>/<key>, byte for byte, and the lag returns to 0', async () => {
    const key = `replication-test/put-${Date.now()}.bin`;
    const body = randomBytes(64 * 1024);
    await minio.send(new PutObjectCommand({ Bucket: MARKET_DATA_BUCKET, Key: key, Body: body }));

    expect(await eventually(() => replicaSha256(MARKET_DATA_BUCKET, key), 30_000)).toBe(sha256(body));
    await replication.idle();
    const lag = await replication.measureLag();
    expect(lag.lagSeconds).toBe(0);
    expect(lag.oldestPending).toBeNull();
  });

  it('removes the replica when the object is deleted from MinIO', async () => {
    const key = `replication-test/delete-${Date.now()}.bin`;
    await minio.send(new PutObjectCommand({ Bucket: MARKET_DATA_BUCKET, Key: key, Body: randomBytes(1024) }));
    await eventually(() => replicaSha256(MARKET_DATA_BUCKET, key), 30_000);

    await minio.send(new DeleteObjectCommand({ Bucket: MARKET_DATA_BUCKET, Key: key }));
    await eventually(async () => {
      try {
        await drS3.send(
          new HeadObjectCommand({
            Bucket: lakehouse.replica.bucketName,
            Key: `${MARKET_DATA_BUCKET}/${key}`,
          }),
        );
        return undefined;
      } catch (error) {
        return error instanceof NotFound ? true : undefined;
      }
    }, 30_000);
    await replication.idle();
    expect((await replication.measureLag()).lagSeconds).toBe(0);
  });

  it('retries the messages while the replica is unreachable and replicates them once it is back', async () => {
    const key = `replication-test/outage-${Date.now()}.bin`;
    const body = randomBytes(8 * 1024);
    await lakehouse.s3Endpoints.drS3.goOffline();
    try {
      await minio.send(new PutObjectCommand({ Bucket: MARKET_DATA_BUCKET, Key: key, Body: body }));
      await eventually(() => failed.find((object) => object.key === key), 60_000);
      const during = await replication.measureLag();
      expect(during.lagSeconds).toBeGreaterThan(0);
      expect(during.oldestPending).toMatchObject({ bucket: MARKET_DATA_BUCKET, key });
    } finally {
      await lakehouse.s3Endpoints.drS3.goOnline();
    }

    const delivered = await eventually(
      () => settled.find((object) => object.key === key && object.change === 'created'),
      60_000,
    );
    expect(delivered.receiveCount).toBeGreaterThan(1);
    expect(await replicaSha256(MARKET_DATA_BUCKET, key)).toBe(sha256(body));
    await replication.idle();
    expect((await replication.measureLag()).lagSeconds).toBe(0);
  });

  it('invokes the functions the Lambda-target schedules name (reconcile-replication)', async () => {
    const lambdaSchedules = workflows.schedules.filter((schedule) => schedule.target.kind === 'function');
    expect(lambdaSchedules.map((schedule) => schedule.scheduleName).sort()).toEqual([
      'lakehouse-ops-development-measure-replication-lag',
      'lakehouse-ops-development-reconcile-replication',
    ]);
    const report = (await replication.reconcile()) as { totals: { failed: number } };
    expect(report.totals.failed).toBe(0);
  });
});
