import { DeleteObjectCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { backupBucket } from '../../functions/core/backup/backup-bucket.ts';
import { handler } from '../../functions/plan-restore.handler.ts';
import { listKeys, numberedObjects, putObjects, sha256 } from './core/backup/support/backup-endpoints.ts';
import { useBackupHandlerHarness } from './support/backup-handler-harness.ts';
import { lambdaContext } from './support/lambda.ts';
import { expectFailure, itRefusesEnvironment, rejectionOf } from './support/rejection.ts';

const bucket = 'restore-src';
const objects = { ...numberedObjects(5, 'trades/'), ...numberedObjects(3, 'quotes/') };

describe('plan-restore handler', () => {
  const harness = useBackupHandlerHarness([bucket], { seed: { [bucket]: objects } });
  let runId: string;

  beforeAll(async () => {
    runId = (await backupBucket(harness.deps(), { sourceBucket: bucket })).runId;
  }, 60_000);

  it('lists what a restore of the prefix would write and skip, as a dry run by default, and writes nothing', async () => {
    const lost = ['trades/0001.json', 'trades/0003.json'];
    for (const Key of lost)
      await harness.deps().source.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    const plan = await handler(
      { sourceBucket: bucket, prefix: 'trades/', requestedBy: 'alice' },
      lambdaContext(),
    );

    expect(plan).toMatchObject({
      sourceBucket: bucket,
      runId,
      targetBucket: bucket,
      targetExists: true,
      objects: 5,
      toWrite: 2,
      identical: { objects: 3 },
      conflicts: { objects: 0, keys: [] },
      truncated: false,
      dryRun: true,
      postgres: null,
      requestedBy: 'alice',
    });
    expect(plan.items).toEqual(
      lost.map((key) => ({ key, size: objects[key]!.length, sha256: sha256(objects[key]!) })),
    );
    expect(await listKeys(harness.deps().source, bucket, 'trades/')).toHaveLength(3);
    await putObjects(
      harness.deps().source,
      bucket,
      Object.fromEntries(lost.map((key) => [key, objects[key]!])),
    );
  });

  it('says a new target bucket would be created, without creating it', async () => {
    const plan = await handler(
      { sourceBucket: bucket, runId, targetBucket: 'restore-copy', requestedBy: 'alice' },
      lambdaContext(),
    );

    expect(plan).toMatchObject({ targetBucket: 'restore-copy', targetExists: false, objects: 8, toWrite: 8 });
    expect(
      await rejectionOf(harness.deps().source.send(new HeadBucketCommand({ Bucket: 'restore-copy' }))),
    ).toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('fails with UnknownBucketError for a bucket that was never backed up', async () => {
    await expectFailure(
      handler({ sourceBucket: 'never-backed-up', requestedBy: 'alice' }, lambdaContext()),
      'UnknownBucketError',
      '"never-backed-up"',
    );
  });

  it('fails with EmptyBackupError when nothing in the backup is under the prefix', async () => {
    await expectFailure(
      handler({ sourceBucket: bucket, prefix: 'candles/', requestedBy: 'alice' }, lambdaContext()),
      'EmptyBackupError',
      'under prefix "candles/"',
    );
  });

  it('refuses a database restore from a run that recorded no PostgreSQL dump', async () => {
    await expectFailure(
      handler(
        { sourceBucket: bucket, postgresDatabase: 'prefect_restored', requestedBy: 'alice' },
        lambdaContext(),
      ),
      'InvalidInputError',
      'records no completed PostgreSQL dump',
    );
  });

  it('refuses a mistyped dryRun instead of reading it as a real restore, naming it', async () => {
    await expectFailure(
      handler({ sourceBucket: bucket, dryrun: false, requestedBy: 'alice' }, lambdaContext()),
      'InvalidInputError',
      'dryrun: unknown key',
    );
  });

  it('refuses a request that does not say who asked, naming the field', async () => {
    await expectFailure(
      handler({ sourceBucket: bucket }, lambdaContext()),
      'InvalidInputError',
      'requestedBy',
    );
  });

  itRefusesEnvironment('MINIO_ENDPOINT', 'minio port 9000', () =>
    handler({ sourceBucket: bucket, requestedBy: 'alice' }, lambdaContext()),
  );
});
