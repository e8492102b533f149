import { beforeAll, describe, expect, it, vi } from 'vitest';
import { backupBucket } from '../../functions/core/backup/backup-bucket.ts';
import { manifestKey } from '../../functions/core/backup/layout.ts';
import { handler } from '../../functions/prune-backups.handler.ts';
import { BACKUP_BUCKET, listKeys, putObjects, tamperWith } from './core/backup/support/backup-endpoints.ts';
import { useBackupHandlerHarness } from './support/backup-handler-harness.ts';
import { lambdaContext } from './support/lambda.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

const DAY = 86_400_000;
const buckets = ['prune-month', 'prune-day', 'prune-tampered'];
const run = (bucket: string) => ({ bucket, runId: '20260301T020000Z-9a9a9a9a', owner: 'execution-prune' });

describe('prune-backups handler', () => {
  const harness = useBackupHandlerHarness(buckets, {
    seed: Object.fromEntries(buckets.map((bucket) => [bucket, { x: 'x v1', y: 'y v1' }])),
    variables: () => ({ BACKUP_RETENTION_DAYS: '30' }),
  });
  /** Each bucket's run ids, oldest first: backups 40, 20 and 1 days ago, x changing after the first. */
  const runIds: Record<string, string[]> = {};

  beforeAll(async () => {
    const deps = harness.deps();
    for (const bucket of buckets) {
      const backUp = async (daysAgo: number) =>
        (
          await backupBucket(
            { ...deps, clock: () => new Date(Date.now() - daysAgo * DAY) },
            { sourceBucket: bucket },
          )
        ).runId;
      const first = await backUp(40);
      await putObjects(deps.source, bucket, { x: 'x v2 (changed)' });
      runIds[bucket] = [first, await backUp(20), await backUp(1)];
    }
  }, 60_000);

  const manifests = (bucket: string) =>
    listKeys(harness.deps().destination, BACKUP_BUCKET, `manifests/${bucket}/`);

  it('deletes the manifests older than BACKUP_RETENTION_DAYS and keeps the younger ones', async () => {
    const [oldest, ...younger] = runIds['prune-month']!;

    const result = await handler(run('prune-month'), lambdaContext());

    expect(result).toMatchObject({ keptRunIds: younger, deletedRunIds: [oldest] });
    expect(await manifests('prune-month')).toEqual(younger.map((runId) => manifestKey('prune-month', runId)));
  });

  it('never deletes the newest manifest, even when it is older than the retention', async () => {
    vi.stubEnv('BACKUP_RETENTION_DAYS', '1');
    const newest = runIds['prune-day']!.at(-1)!;

    const result = await handler(run('prune-day'), lambdaContext());

    expect(result.keptRunIds).toEqual([newest]);
    expect(await manifests('prune-day')).toEqual([manifestKey('prune-day', newest)]);
  });

  it('deletes nothing when a kept manifest fails its checksum', async () => {
    const [, kept] = runIds['prune-tampered']!;
    const before = await listKeys(harness.deps().destination, BACKUP_BUCKET);
    await tamperWith(
      harness.deps().destination,
      BACKUP_BUCKET,
      manifestKey('prune-tampered', kept!),
      (body) => body.replace('"y"', '"z"'),
    );

    await expectFailure(handler(run('prune-tampered'), lambdaContext()), 'ManifestTamperedError');

    expect(await listKeys(harness.deps().destination, BACKUP_BUCKET)).toEqual(before);
  });

  it('refuses a bucket name that S3 could not have, naming it', async () => {
    await expectFailure(handler(run('Not_A_Bucket'), lambdaContext()), 'InvalidInputError', '"Not_A_Bucket"');
  });

  itRefusesEnvironment('BACKUP_RETENTION_DAYS', '-5', () => handler(run('prune-month'), lambdaContext()));
});
