import { describe, expect, it } from 'vitest';
import { copyBatch } from '../../functions/core/backup/copy.ts';
import { manifestKey, runKeys } from '../../functions/core/backup/layout.ts';
import { readManifest } from '../../functions/core/backup/manifest.ts';
import { planBackup } from '../../functions/core/backup/plan.ts';
import { handler } from '../../functions/finalize-backup-manifest.handler.ts';
import {
  BACKUP_BUCKET,
  collect,
  listKeys,
  numberedObjects,
  tamperWith,
} from './core/backup/support/backup-endpoints.ts';
import { useBackupHandlerHarness } from './support/backup-handler-harness.ts';
import { lambdaContext } from './support/lambda.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

/** One source bucket per run: a second run of a bucket would find nothing left to copy. */
const buckets = ['finalize-a', 'finalize-b', 'finalize-c', 'finalize-d'];
const dump = {
  state: 'COMPLETED',
  bucket: BACKUP_BUCKET,
  key: 'postgres/prefect/20260301T020000Z-f0f0f0f0.dump',
  database: 'prefect',
  sha256: 'ab'.repeat(32),
};

describe('finalize-backup-manifest handler', () => {
  const harness = useBackupHandlerHarness(buckets, {
    seed: Object.fromEntries(buckets.map((name) => [name, numberedObjects(6, 'trades/')])),
  });

  /** Plans a first backup of the bucket in batches of two and copies the given batches (all three by default). */
  async function copiedRun(sourceBucket: string, runId: string, batches = [0, 1, 2]) {
    const deps = harness.deps();
    await planBackup(deps, { sourceBucket, runId, batchSize: 2 });
    for (const batchIndex of batches) await copyBatch(deps, { sourceBucket, runId, batchIndex });
    return { bucket: sourceBucket, runId, owner: `execution-${runId}` };
  }

  it('commits the checksummed manifest with the completed dump in its header and clears the run files', async () => {
    const run = await copiedRun(buckets[0]!, '20260301T020000Z-f0f0f0f0');

    const summary = await handler({ ...run, postgres: dump }, lambdaContext());

    expect(summary).toMatchObject({
      manifestKey: manifestKey(run.bucket, run.runId),
      objects: 6,
      deleted: 0,
    });
    const manifest = await readManifest(harness.deps(), { sourceBucket: run.bucket, runId: run.runId });
    expect(manifest.header).toMatchObject({ runId: run.runId, objects: 6, postgres: dump });
    expect(await collect(manifest.entries)).toHaveLength(6);
    expect(
      await listKeys(harness.deps().destination, BACKUP_BUCKET, runKeys(run.bucket, run.runId).prefix),
    ).toEqual([]);
  });

  it('records no dump in the header when the dump did not complete', async () => {
    const run = await copiedRun(buckets[1]!, '20260301T030000Z-f0f0f0f1');

    await handler({ ...run, postgres: { state: 'FAILED' } }, lambdaContext());

    const manifest = await readManifest(harness.deps(), { sourceBucket: run.bucket, runId: run.runId });
    expect(manifest.header.postgres).toBeNull();
  });

  it('refuses an incomplete run with IncompleteBackupError and writes no manifest', async () => {
    const run = await copiedRun(buckets[2]!, '20260301T040000Z-f0f0f0f2', [0, 2]);

    const error = await expectFailure(handler(run, lambdaContext()), 'IncompleteBackupError');

    expect(error.details).toMatchObject({ missing: 2, pending: 6 });
    const { destination } = harness.deps();
    expect(await listKeys(destination, BACKUP_BUCKET, manifestKey(run.bucket, run.runId))).toEqual([]);
    // The run's files stay, so a re-run of the missing batch can still complete it.
    expect(await listKeys(destination, BACKUP_BUCKET, runKeys(run.bucket, run.runId).plan)).toHaveLength(1);
  });

  it('refuses a plan changed after it was written with ManifestTamperedError and writes no manifest', async () => {
    const run = await copiedRun(buckets[3]!, '20260301T050000Z-f0f0f0f3');
    const { destination } = harness.deps();
    const planKey = runKeys(run.bucket, run.runId).plan;
    await tamperWith(destination, BACKUP_BUCKET, planKey, (plan) =>
      plan.replace('"sourceEndpoint":null', '"sourceEndpoint":"http://elsewhere:9000"'),
    );

    await expectFailure(
      handler(run, lambdaContext()),
      'ManifestTamperedError',
      `${planKey} does not match its manifest-sha256`,
    );

    expect(await listKeys(destination, BACKUP_BUCKET, manifestKey(run.bucket, run.runId))).toEqual([]);
  });

  it('refuses an event without the lock owner, naming the field', async () => {
    await expectFailure(
      handler({ bucket: 'finalize-a', runId: '20260301T020000Z-f0f0f0f0' }, lambdaContext()),
      'InvalidInputError',
      'finalize-backup-manifest: invalid event',
      'owner',
    );
  });

  itRefusesEnvironment('BACKUP_BUCKET_NAME', undefined, () =>
    handler({ bucket: 'finalize-a', runId: '20260301T020000Z-f0f0f0f0', owner: 'x' }, lambdaContext()),
  );
});
