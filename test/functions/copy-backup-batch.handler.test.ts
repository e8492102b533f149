import { DeleteBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/copy-backup-batch.handler.ts';
import { dataKey } from '../../functions/core/backup/layout.ts';
import { planBackup } from '../../functions/core/backup/plan.ts';
import {
  BACKUP_BUCKET,
  headMetadata,
  listKeys,
  patternBytes,
  readObject,
  sha256,
} from './core/backup/support/backup-endpoints.ts';
import { useBackupHandlerHarness } from './support/backup-handler-harness.ts';
import { lambdaContext } from './support/lambda.ts';
import { expectFailure, itRefusesEnvironment, rejectionOf } from './support/rejection.ts';

const MiB = 1024 * 1024;
const bucket = 'copy-src';
const vanishing = 'vanishing-src';
const lost = 'lost-src';
const objects = {
  'candles/a.csv': 'open,close\n1,2\n',
  'candles/ü space.json': '{"price": 1}',
  // Above BACKUP_MULTIPART_THRESHOLD_BYTES: streamed as a multipart upload.
  'candles/big.parquet': patternBytes(6 * MiB, 11),
};
const runId = '20260301T020000Z-c0c0c0c0';
const batch = (batchIndex: number, sourceBucket = bucket, id = runId) => ({
  sourceBucket,
  runId: id,
  batchIndex,
  objects: 3,
  bytes: 1,
});

describe('copy-backup-batch handler', () => {
  const harness = useBackupHandlerHarness([bucket, vanishing, lost], {
    seed: { [bucket]: objects, [vanishing]: { stays: 'stays', gone: 'soon gone' }, [lost]: { only: 'only' } },
    variables: () => ({
      BACKUP_COPY_CONCURRENCY: '4',
      BACKUP_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
    }),
  });
  beforeAll(async () => {
    await planBackup(harness.deps(), { sourceBucket: bucket, runId, batchSize: 10 });
  });

  it('copies the batch with each object checksummed, and copies nothing twice when invoked again', async () => {
    const result = await handler(batch(0), lambdaContext());

    expect(result).toMatchObject({ batchIndex: 0, copied: 3, skipped: 0, failed: 0 });
    const { source, destination } = harness.deps();
    for (const [key, content] of Object.entries(objects)) {
      const destKey = dataKey(bucket, key, (await headMetadata(source, bucket, key)).etag!);
      expect((await headMetadata(destination, BACKUP_BUCKET, destKey)).metadata.sha256).toBe(sha256(content));
      expect((await readObject(destination, BACKUP_BUCKET, destKey)).equals(Buffer.from(content))).toBe(true);
    }

    await expect(handler(batch(0), lambdaContext())).resolves.toMatchObject({
      copied: 0,
      skipped: 3,
      failed: 0,
    });
  });

  it('completes the item when an object vanished since the plan, recording it as gone', async () => {
    const vanishingRun = '20260301T020000Z-c0c0c0c1';
    const deps = harness.deps();
    await planBackup(deps, { sourceBucket: vanishing, runId: vanishingRun });
    await deps.source.send(new DeleteObjectCommand({ Bucket: vanishing, Key: 'gone' }));

    const result = await handler(batch(0, vanishing, vanishingRun), lambdaContext());

    expect(result).toMatchObject({ copied: 1, vanished: 1, failed: 0 });
    const resultsKey = `runs/${vanishing}/${vanishingRun}/results/0.jsonl`;
    expect((await readObject(deps.destination, BACKUP_BUCKET, resultsKey)).toString()).toContain(
      '"gone":true',
    );
  });

  it('fails the item with BackupBatchIncompleteError naming the objects of a source bucket that is gone', async () => {
    const lostRun = '20260301T020000Z-c0c0c0c2';
    const deps = harness.deps();
    await planBackup(deps, { sourceBucket: lost, runId: lostRun });
    await deps.source.send(new DeleteObjectCommand({ Bucket: lost, Key: 'only' }));
    await deps.source.send(new DeleteBucketCommand({ Bucket: lost }));

    const error = await expectFailure(
      handler(batch(0, lost, lostRun), lambdaContext()),
      'BackupBatchIncompleteError',
      '1 object(s) not copied',
      'only (NoSuchBucket',
    );

    expect(error.details).toMatchObject({ copied: 0, vanished: 0, failed: 1 });
  });

  it('fails without writing results when the batch is not part of the run the plan wrote', async () => {
    // copyBatch lets S3's NoSuchKey for batches/7.jsonl through as it is; what matters is no write.
    await rejectionOf(handler(batch(7), lambdaContext()));

    expect(
      await listKeys(harness.deps().destination, BACKUP_BUCKET, `runs/${bucket}/${runId}/results/7`),
    ).toEqual([]);
  });

  it('refuses a negative batch index, naming the field', async () => {
    await expectFailure(handler(batch(-1), lambdaContext()), 'InvalidInputError', 'batchIndex');
  });

  it('fails with ConfigurationError when the MinIO credentials secret does not exist', async () => {
    vi.stubEnv('MINIO_CREDENTIALS_SECRET_ID', 'lakehouse/test/no-such-secret');

    await expectFailure(
      handler(batch(0), lambdaContext()),
      'ConfigurationError',
      'MinIO credentials secret lakehouse/test/no-such-secret does not exist',
    );
  });

  itRefusesEnvironment('BACKUP_COPY_CONCURRENCY', '0', () => handler(batch(0), lambdaContext()));
});
