import { beforeAll, describe, expect, it } from 'vitest';
import { backupBucket } from '../../functions/core/backup/backup-bucket.ts';
import { manifestKey } from '../../functions/core/backup/layout.ts';
import { handler } from '../../functions/load-verification-plan.handler.ts';
import { BACKUP_BUCKET, numberedObjects, tamperWith } from './core/backup/support/backup-endpoints.ts';
import { useBackupHandlerHarness } from './support/backup-handler-harness.ts';
import { lambdaContext } from './support/lambda.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

const bucket = 'verified-src';
const tampered = 'tampered-src';

describe('load-verification-plan handler', () => {
  const harness = useBackupHandlerHarness([bucket, tampered], {
    seed: { [bucket]: numberedObjects(30, 'ticks/'), [tampered]: numberedObjects(3, 'ticks/') },
  });
  let runId: string;
  let tamperedRunId: string;

  beforeAll(async () => {
    const deps = harness.deps();
    runId = (await backupBucket(deps, { sourceBucket: bucket, batchSize: 10 })).runId;
    tamperedRunId = (await backupBucket(deps, { sourceBucket: tampered })).runId;
    await tamperWith(deps.destination, BACKUP_BUCKET, manifestKey(tampered, tamperedRunId), (manifest) =>
      manifest.replace('ticks/0001.json', 'ticks/0001.jsoN'),
    );
  }, 60_000);

  it('plans the sample of the newest backup run after proving its manifest checksum', async () => {
    const plan = await handler(
      { sourceBucket: bucket, share: 0.1, minimum: 5, includePostgres: false, requestedBy: 'oncall' },
      lambdaContext(),
    );

    expect(plan).toMatchObject({
      sourceBucket: bucket,
      runId,
      manifest: { status: 'VERIFIED' },
      liveObjects: 30,
      shards: [{ index: 0, count: 1 }],
      postgres: { applicable: false, detail: 'not requested (includePostgres is false)' },
      requestedBy: 'oncall',
    });
    // The share (3) is below the minimum; the newest object joins the sample if the ranks missed it.
    expect(plan.sampleSize).toBeGreaterThanOrEqual(5);
    expect(plan.sampleSize).toBeLessThanOrEqual(6);
  });

  it('returns a plan marked TAMPERED, not an error, when the manifest does not match its checksum', async () => {
    const plan = await handler({ sourceBucket: tampered }, lambdaContext());

    expect(plan).toMatchObject({
      runId: tamperedRunId,
      manifest: { status: 'TAMPERED', detail: expect.stringContaining('ManifestTamperedError') },
      shards: [],
    });
  });

  it('fails with UnknownBucketError for a bucket that was never backed up', async () => {
    await expectFailure(
      handler({ sourceBucket: 'never-backed-up' }, lambdaContext()),
      'UnknownBucketError',
      '"never-backed-up"',
    );
  });

  it('fails with ManifestNotFoundError naming the runs that exist when the run does not', async () => {
    await expectFailure(
      handler({ sourceBucket: bucket, runId: '20200101T000000Z-00000000' }, lambdaContext()),
      'ManifestNotFoundError',
      '20200101T000000Z-00000000',
      runId,
    );
  });

  it('refuses a mistyped option instead of verifying with the default, naming it', async () => {
    await expectFailure(
      handler({ sourceBucket: bucket, shares: 1 }, lambdaContext()),
      'InvalidInputError',
      'shares: unknown key',
    );
  });

  it('refuses a share above 1, naming the field', async () => {
    await expectFailure(
      handler({ sourceBucket: bucket, share: 5 }, lambdaContext()),
      'InvalidInputError',
      'share',
    );
  });

  itRefusesEnvironment('BACKUP_BUCKET_REGION', undefined, () =>
    handler({ sourceBucket: bucket }, lambdaContext()),
  );
});
