import { describe, expect, it } from 'vitest';
import { runKeys } from '../../functions/core/backup/layout.ts';
import {
  openJsonLinesFile,
  planEntrySchema,
  planHeaderSchema,
  readManifest,
} from '../../functions/core/backup/manifest.ts';
import { handler } from '../../functions/plan-backup.handler.ts';
import {
  BACKUP_BUCKET,
  collect,
  listKeys,
  numberedObjects,
  readObject,
} from './core/backup/support/backup-endpoints.ts';
import { useBackupHandlerHarness, WORK_BUCKET } from './support/backup-handler-harness.ts';
import { lambdaContext } from './support/lambda.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

const bucket = 'market-data';
const emptyBucket = 'empty-market';
const run = (runId: string, sourceBucket = bucket) => ({
  bucket: sourceBucket,
  runId,
  owner: 'execution-plan',
});

describe('plan-backup handler', () => {
  const harness = useBackupHandlerHarness([bucket, emptyBucket], {
    seed: { [bucket]: numberedObjects(5, 'ticks/') },
    variables: () => ({
      BACKUP_WORK_BUCKET_NAME: WORK_BUCKET,
      BACKUP_BATCH_SIZE: '2',
      BACKUP_BATCH_BYTES: String(1024 * 1024),
      BACKUP_RETENTION_DAYS: '30',
    }),
  });

  it('plans every object of a first backup in batches and publishes batches.json to the work bucket', async () => {
    const runId = '20260301T020000Z-0a1b2c3d';

    const plan = await handler(run(runId), lambdaContext());

    const keys = runKeys(bucket, runId);
    expect(plan).toMatchObject({
      runId,
      sourceBucket: bucket,
      previousRunId: null,
      scanned: { objects: 5 },
      toCopy: { objects: 5 },
      batches: 3,
      batchesKey: keys.batches,
      itemList: { bucket: WORK_BUCKET, key: keys.batches },
    });
    const { destination } = harness.deps();
    const published = await readObject(destination, WORK_BUCKET, keys.batches);
    expect(published.equals(await readObject(destination, BACKUP_BUCKET, keys.batches))).toBe(true);
    expect(JSON.parse(published.toString('utf8'))).toHaveLength(3);
    const planFile = await openJsonLinesFile(harness.deps(), keys.plan, {
      header: planHeaderSchema,
      entry: planEntrySchema,
    });
    // The source endpoint comes from MINIO_ENDPOINT, read through the credentials secret.
    expect(planFile?.header.sourceEndpoint).toBe(harness.endpoints().source.url);
    expect((await collect(planFile!.entries)).map((entry) => entry.key)).toEqual(
      Object.keys(numberedObjects(5, 'ticks/')),
    );
  });

  it('commits the manifest of an empty bucket itself, with the dump in its header and no item list', async () => {
    const runId = '20260301T020000Z-0e0e0e0e';
    const dump = {
      state: 'COMPLETED',
      bucket: BACKUP_BUCKET,
      key: `postgres/prefect/${runId}.dump`,
      database: 'prefect',
    };

    const plan = await handler({ ...run(runId, emptyBucket), postgres: dump }, lambdaContext());

    expect(plan).toMatchObject({
      scanned: { objects: 0 },
      batches: 0,
      itemList: null,
      manifest: { objects: 0 },
    });
    const manifest = await readManifest(harness.deps(), { sourceBucket: emptyBucket, runId });
    expect(manifest.header.postgres).toEqual(dump);
    expect(await listKeys(harness.deps().destination, WORK_BUCKET, `runs/${emptyBucket}/`)).toEqual([]);
  });

  it('counts what a run would copy and writes nothing on a dry run', async () => {
    const runId = '20260301T020000Z-0d0d0d0d';

    const plan = await handler({ ...run(runId), dryRun: true }, lambdaContext());

    expect(plan).toMatchObject({
      dryRun: true,
      toCopy: { objects: 5 },
      batches: 3,
      itemList: null,
      manifest: null,
    });
    const { destination } = harness.deps();
    expect(await listKeys(destination, BACKUP_BUCKET, runKeys(bucket, runId).prefix)).toEqual([]);
    expect(await listKeys(destination, WORK_BUCKET)).not.toContain(runKeys(bucket, runId).batches);
  });

  it('fails with UnknownBucketError for a bucket MinIO does not have, and writes no plan', async () => {
    const runId = '20260301T020000Z-0badb0c1';

    await expectFailure(
      handler(run(runId, 'no-such-bucket'), lambdaContext()),
      'UnknownBucketError',
      'no-such-bucket',
    );

    const { destination } = harness.deps();
    expect(await listKeys(destination, BACKUP_BUCKET, 'runs/no-such-bucket/')).toEqual([]);
    expect(await listKeys(destination, WORK_BUCKET, 'runs/no-such-bucket/')).toEqual([]);
  });

  it('refuses an event without a run id, naming the field', async () => {
    await expectFailure(
      handler({ bucket, owner: 'execution-plan' }, lambdaContext()),
      'InvalidInputError',
      'plan-backup: invalid event',
      'runId',
    );
  });

  it('refuses a run id that is not of the backup layout, naming the expected form', async () => {
    await expectFailure(
      handler(run('yesterday'), lambdaContext()),
      'InvalidInputError',
      '"yesterday"',
      'YYYYMMDDTHHMMSSmmmZ',
    );
  });

  itRefusesEnvironment('BACKUP_BATCH_SIZE', 'many', () =>
    handler(run('20260301T020000Z-0c0c0c0c'), lambdaContext()),
  );

  itRefusesEnvironment('BACKUP_WORK_BUCKET_NAME', undefined, () =>
    handler(run('20260301T020000Z-0c0c0c0d'), lambdaContext()),
  );
});
