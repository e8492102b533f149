import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackupDrillReport, backupReportOf } from '../../local/cli/drill/backup-scenarios.ts';
import { type LocalLakehouse, startLocalLakehouse } from '../../local/lakehouse/index.ts';
import { LAKEHOUSE_BUCKET, MARKET_DATA_BUCKET } from '../../local/lakehouse/seed/buckets.ts';
import type { ExecutionResult } from '../../local/runner/execution-result.ts';
import { localS3Client } from '../../local/runner/stack-buckets.ts';
import { type LocalWorkflows, loadWorkflows } from '../../local/runner/workflows.ts';

// The synthesized backup state machine, run by the local runner against the local lakehouse.
// One object per batch, so the seeded buckets fan out into enough Distributed Map items for one
// failed batch to stay within the configured tolerated failure percentage.
const WORKFLOW = 'backup';
const INPUT = { requestedBy: 'vitest' };
const LOCK_KEY = { pk: { S: `LOCK#backup#${MARKET_DATA_BUCKET}` }, sk: { S: 'LOCK' } };

describe('backup workflow', () => {
  let lakehouse: LocalLakehouse;
  let workflows: LocalWorkflows;

  beforeAll(async () => {
    lakehouse = await startLocalLakehouse();
    workflows = await loadWorkflows({
      environment: 'development',
      localEnvironment: { ...lakehouse.environment, BACKUP_BATCH_SIZE: '1' },
    });
  }, 120_000);
  afterAll(() => lakehouse?.stop());

  const env = () => workflows.environment;
  const bucketOf = (report: BackupDrillReport | undefined, name: string) =>
    report?.buckets.find((bucket) => bucket.bucket === name);
  const entries = (result: ExecutionResult, state: string) =>
    result.timeline.filter((entry) => entry.state === state);
  const dynamoDb = () =>
    new DynamoDBClient({
      region: lakehouse.region,
      endpoint: env().AWS_ENDPOINT_URL_DYNAMODB,
      credentials: { accessKeyId: env().AWS_ACCESS_KEY_ID!, secretAccessKey: env().AWS_SECRET_ACCESS_KEY! },
    });
  const minio = () =>
    new S3Client({
      region: lakehouse.region,
      endpoint: lakehouse.endpoints.minio,
      credentials: lakehouse.s3Credentials,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });

  it('backs up every seeded bucket with a manifest in the backup bucket, then copies nothing unchanged', async () => {
    const first = await workflows.runWorkflow(WORKFLOW, INPUT);
    expect(first.status).toBe('SUCCEEDED');
    const report = backupReportOf(first);
    expect(report?.status, JSON.stringify(report?.buckets)).toBe('SUCCEEDED');
    const marketData = bucketOf(report, MARKET_DATA_BUCKET);
    expect(marketData).toMatchObject({ status: 'BACKED_UP', copied: { objects: 24 } });
    expect(bucketOf(report, LAKEHOUSE_BUCKET)).toMatchObject({ status: 'BACKED_UP', copied: { objects: 6 } });
    // One Distributed Map child per batch (one object each), all in the timeline.
    expect(entries(first, 'CopyBackupBatch').filter((entry) => entry.status === 'SUCCEEDED')).toHaveLength(
      30,
    );
    expect(entries(first, 'CopyBackupBatches').every((entry) => entry.type === 'Map')).toBe(true);

    const s3 = localS3Client(env());
    const manifest = await s3.send(
      new GetObjectCommand({ Bucket: env().BACKUP_BUCKET_NAME, Key: marketData?.manifestKey }),
    );
    const [header, ...lines] = ((await manifest.Body?.transformToString()) ?? '').trim().split('\n');
    expect(JSON.parse(header ?? '{}')).toMatchObject({
      format: 'lakehouse-ops/backup-manifest@1',
      sourceBucket: MARKET_DATA_BUCKET,
      objects: 24,
    });
    expect(lines).toHaveLength(24);
    s3.destroy();

    const second = await workflows.runWorkflow(WORKFLOW, INPUT);
    const again = backupReportOf(second);
    expect(second.status, JSON.stringify(again?.buckets ?? second.output)).toBe('SUCCEEDED');
    for (const bucket of [MARKET_DATA_BUCKET, LAKEHOUSE_BUCKET]) {
      expect(bucketOf(again, bucket)).toMatchObject({ status: 'BACKED_UP', copied: { objects: 0 } });
    }
    expect(entries(second, 'CopyBackupBatch')).toHaveLength(0);
  });

  it('tolerates a failed batch in the Map, refuses to commit the incomplete run, and completes it on a re-run', async () => {
    const source = minio();
    for (let n = 0; n < 20; n += 1) {
      await source.send(
        new PutObjectCommand({
          Bucket: MARKET_DATA_BUCKET,
          Key: `trades/new/part-${String(n).padStart(4, '0')}.parquet`,
          Body: `trade ${n}`,
        }),
      );
    }
    source.destroy();

    const failed = await workflows.runWorkflow(WORKFLOW, INPUT, {
      // One batch's Lambda times out, as a Lambda does when its function runs out of time.
      interceptTask: (state, input, invoke) => {
        const batch = input as { sourceBucket?: string; batchIndex?: number };
        return state === 'CopyBackupBatch' &&
          batch.sourceBucket === MARKET_DATA_BUCKET &&
          batch.batchIndex === 0
          ? Promise.reject(
              Object.assign(new Error('Task timed out after 900.00 seconds'), { name: 'Sandbox.Timedout' }),
            )
          : invoke();
      },
    });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'BackupFailed' });
    expect(entries(failed, 'CopyBackupBatches').map((entry) => entry.status)).toContain('SUCCEEDED');
    expect(entries(failed, 'CopyBackupBatch').filter((entry) => entry.status === 'FAILED')).toHaveLength(1);
    const report = backupReportOf(failed);
    expect(bucketOf(report, MARKET_DATA_BUCKET)?.status).toBe('FAILED');
    expect(bucketOf(report, LAKEHOUSE_BUCKET)?.status).toBe('BACKED_UP');
    expect(lakehouse.published.at(-1)?.subject).toContain('backup FAILED');
    // The lock was released on the failure path.
    expect(
      (await dynamoDb().send(new GetItemCommand({ TableName: env().OPS_TABLE_NAME, Key: LOCK_KEY }))).Item,
    ).toBeUndefined();

    const rerun = await workflows.runWorkflow(WORKFLOW, INPUT);
    expect(rerun.status).toBe('SUCCEEDED');
    expect(bucketOf(backupReportOf(rerun), MARKET_DATA_BUCKET)).toMatchObject({
      status: 'BACKED_UP',
      copied: { objects: 20 },
    });
  });

  it('skips a bucket whose lock another execution holds, and leaves that lock alone', async () => {
    const table = env().OPS_TABLE_NAME;
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await dynamoDb().send(
      new PutItemCommand({
        TableName: table,
        Item: { ...LOCK_KEY, owner: { S: 'another-execution' }, expiresAt: { N: String(expiresAt) } },
      }),
    );
    try {
      const result = await workflows.runWorkflow(WORKFLOW, INPUT);
      const report = backupReportOf(result);
      expect(bucketOf(report, MARKET_DATA_BUCKET)?.status).toBe('SKIPPED');
      expect(bucketOf(report, LAKEHOUSE_BUCKET)?.status).toBe('BACKED_UP');
      expect(entries(result, 'RecordBucketSkipped')).toHaveLength(1);
      const lock = await dynamoDb().send(new GetItemCommand({ TableName: table, Key: LOCK_KEY }));
      expect(lock.Item?.owner?.S).toBe('another-execution');
    } finally {
      await dynamoDb().send(new DeleteItemCommand({ TableName: table, Key: LOCK_KEY }));
    }
  });
});
