import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { backupBucket } from '../../functions/core/backup/backup-bucket.ts';
import { handler } from '../../functions/restore-objects.handler.ts';
import { listKeys, patternBytes, putObjects, readObject } from './core/backup/support/backup-endpoints.ts';
import { useBackupHandlerHarness } from './support/backup-handler-harness.ts';
import { lambdaContext } from './support/lambda.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

const bucket = 'restore-src';
const objects: Record<string, Buffer> = {};
for (let index = 0; index < 5; index += 1)
  objects[`trades/${index}.bin`] = patternBytes(200 + index * 37, index + 1);
for (let index = 0; index < 3; index += 1) objects[`quotes/${index}.bin`] = patternBytes(300, 100 + index);

describe('restore-objects handler', () => {
  const harness = useBackupHandlerHarness([bucket], { seed: { [bucket]: objects } });
  let runId: string;
  const selection = (prefix: string, targetBucket = bucket) => ({
    sourceBucket: bucket,
    runId,
    prefix,
    targetBucket,
  });

  beforeAll(async () => {
    runId = (await backupBucket(harness.deps(), { sourceBucket: bucket })).runId;
  }, 60_000);

  /** Deletes the keys under the prefix from MinIO, as the accident a restore repairs. */
  async function deleteFromMinio(prefix: string) {
    const { source } = harness.deps();
    for (const key of await listKeys(source, bucket, prefix)) {
      await source.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    }
  }

  async function expectRestored(targetBucket: string, prefix: string) {
    const { source } = harness.deps();
    const expected = Object.keys(objects).filter((key) => key.startsWith(prefix));
    expect(await listKeys(source, targetBucket, prefix)).toEqual(expected.sort());
    for (const key of expected)
      expect((await readObject(source, targetBucket, key)).equals(objects[key]!)).toBe(true);
  }

  it('brings a deleted prefix back byte for byte, verified, and writes nothing twice when invoked again', async () => {
    await deleteFromMinio('trades/');

    const report = await handler(selection('trades/'), lambdaContext());

    expect(report).toMatchObject({ written: 5, verified: 5, skipped: 0, failed: 0, createdBucket: false });
    await expectRestored(bucket, 'trades/');
    await expect(handler(selection('trades/'), lambdaContext())).resolves.toMatchObject({
      written: 0,
      skipped: 5,
    });
  });

  it('near its timeout restores one object at a time and says where the next invocation continues', async () => {
    await deleteFromMinio('trades/');
    const nearTimeout = lambdaContext('restore-objects', 60_000);
    const first = await handler(selection('trades/'), nearTimeout);
    expect(first).toMatchObject({ written: 1, failed: 0 });
    expect(first.continueAfter).toMatch(/^trades\//);
    const second = await handler({ ...selection('trades/'), progress: first }, nearTimeout);
    expect(second).toMatchObject({ written: 2 });
    expect(second.continueAfter! > first.continueAfter!).toBe(true);
    const rest = await handler({ ...selection('trades/'), progress: second }, lambdaContext());
    expect(rest).toMatchObject({ written: 5, verified: 5, continueAfter: null });
    await expectRestored(bucket, 'trades/');
  });

  it('restores into a new bucket, creating it', async () => {
    const report = await handler(selection('', 'restore-copy'), lambdaContext());

    expect(report).toMatchObject({ written: 8, createdBucket: true });
    await expectRestored('restore-copy', '');
  });

  it('refuses with RestoreConflictError and writes nothing when the target holds different data', async () => {
    await deleteFromMinio('quotes/');
    await putObjects(harness.deps().source, bucket, { 'quotes/1.bin': 'written since the backup' });

    await expectFailure(
      handler(selection('quotes/'), lambdaContext()),
      'RestoreConflictError',
      'quotes/1.bin',
      'nothing was written',
    );

    expect(await listKeys(harness.deps().source, bucket, 'quotes/')).toEqual(['quotes/1.bin']);
  });

  it('refuses a selection without the resolved run id, naming the field', async () => {
    await expectFailure(
      handler({ sourceBucket: bucket, prefix: '', targetBucket: bucket }, lambdaContext()),
      'InvalidInputError',
      'restore-objects: invalid event',
      'runId',
    );
  });

  itRefusesEnvironment('MINIO_CREDENTIALS_SECRET_ID', undefined, () =>
    handler(selection('trades/'), lambdaContext()),
  );
});
