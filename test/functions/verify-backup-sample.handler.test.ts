import { beforeAll, describe, expect, it } from 'vitest';
import { backupBucket } from '../../functions/core/backup/backup-bucket.ts';
import { dataKey, manifestKey } from '../../functions/core/backup/layout.ts';
import { loadVerificationPlan, type VerificationPlan } from '../../functions/core/backup/verify.ts';
import { verifyBackupRequestSchema } from '../../functions/core/backup/verify-request.ts';
import { handler } from '../../functions/verify-backup-sample.handler.ts';
import {
  BACKUP_BUCKET,
  headMetadata,
  numberedObjects,
  tamperWith,
} from './core/backup/support/backup-endpoints.ts';
import { useBackupHandlerHarness } from './support/backup-handler-harness.ts';
import { lambdaContext } from './support/lambda.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

const buckets = { intact: 'intact-src', corrupted: 'corrupted-src', rewritten: 'rewritten-src' };

describe('verify-backup-sample handler', () => {
  const harness = useBackupHandlerHarness(Object.values(buckets), {
    seed: Object.fromEntries(Object.values(buckets).map((bucket) => [bucket, numberedObjects(12, 'ticks/')])),
  });
  /** Each bucket's plan, checking every object (share 1) in one shard. */
  const plans: Record<string, VerificationPlan> = {};

  beforeAll(async () => {
    const deps = harness.deps();
    for (const bucket of Object.values(buckets)) {
      await backupBucket(deps, { sourceBucket: bucket });
      plans[bucket] = await loadVerificationPlan(
        deps,
        verifyBackupRequestSchema.parse({ sourceBucket: bucket, share: 1, includePostgres: false }),
      );
    }
  }, 60_000);

  const shardOf = (bucket: string) => ({ plan: plans[bucket]!, shard: plans[bucket]!.shards[0]! });

  it('re-reads every sampled object of its shard and finds each SHA-256 as the manifest recorded it', async () => {
    const result = await handler(shardOf(buckets.intact), lambdaContext());

    expect(result).toMatchObject({ shard: 0, checked: 12, mismatches: 0, reasons: [] });
    expect(result.bytesChecked).toBe(plans[buckets.intact]!.bytes);
  });

  it('reports an object whose backup copy was corrupted, by key', async () => {
    const { source, destination } = harness.deps();
    const key = 'ticks/0003.json';
    const destKey = dataKey(
      buckets.corrupted,
      key,
      (await headMetadata(source, buckets.corrupted, key)).etag!,
    );
    await tamperWith(destination, BACKUP_BUCKET, destKey, (body) => body.replace('"i":3', '"i":8'));

    const result = await handler(shardOf(buckets.corrupted), lambdaContext());

    expect(result).toMatchObject({ checked: 12, mismatches: 1 });
    expect(result.reasons).toEqual([expect.stringContaining(key)]);
  });

  it('fails with ManifestTamperedError when the manifest no longer matches its checksum', async () => {
    const { destination } = harness.deps();
    const plan = plans[buckets.rewritten]!;
    await tamperWith(destination, BACKUP_BUCKET, manifestKey(buckets.rewritten, plan.runId), (manifest) =>
      manifest.replace('ticks/0005.json', 'ticks/0005.jsoN'),
    );

    await expectFailure(
      handler(shardOf(buckets.rewritten), lambdaContext()),
      'ManifestTamperedError',
      'does not match its manifest-sha256',
    );
  });

  it('refuses an event without its shard, naming the field', async () => {
    await expectFailure(
      handler({ plan: plans[buckets.intact] }, lambdaContext()),
      'InvalidInputError',
      'verify-backup-sample: invalid event',
      'shard',
    );
  });

  itRefusesEnvironment('BACKUP_BUCKET_NAME', undefined, () =>
    handler(shardOf(buckets.intact), lambdaContext()),
  );
});
