import { beforeAll, describe, expect, it } from 'vitest';
import { backupBucket } from '../../../../functions/core/backup/backup-bucket.ts';
import type { BackupDependencies } from '../../../../functions/core/backup/dependencies.ts';
import { dataKey } from '../../../../functions/core/backup/layout.ts';
import { pruneBackups } from '../../../../functions/core/backup/prune.ts';
import {
  BACKUP_BUCKET,
  headMetadata,
  listKeys,
  putObjects,
  useBackupEndpoints,
} from './support/backup-endpoints.ts';

const bucket = 'prune-src';
const DAY = 86_400_000;
// Runs are dated in the future so that every copy made now is older than every run (see prune.ts).
const day = (n: number) => new Date(Date.now() + (n + 1) * DAY);

describe('pruneBackups', () => {
  const stores = useBackupEndpoints([bucket]);
  let deps: BackupDependencies;
  const runs: string[] = [];
  const destKeyOf = async (key: string) =>
    dataKey(bucket, key, (await headMetadata(deps.source, bucket, key)).etag!);
  let oldX: string;

  beforeAll(async () => {
    deps = stores.deps();
    await putObjects(deps.source, bucket, { x: 'x v1', y: 'y v1' });
    oldX = await destKeyOf('x');
    runs.push((await backupBucket({ ...deps, clock: () => day(0) }, { sourceBucket: bucket })).runId);
    await putObjects(deps.source, bucket, { x: 'x v2 (changed)' });
    runs.push((await backupBucket({ ...deps, clock: () => day(10) }, { sourceBucket: bucket })).runId);
    runs.push((await backupBucket({ ...deps, clock: () => day(20) }, { sourceBucket: bucket })).runId);
  });

  it('deletes manifests past retention and the data only they referenced, keeping referenced data', async () => {
    const result = await pruneBackups(deps, { sourceBucket: bucket, retentionDays: 15, now: day(21) });
    expect(result).toMatchObject({
      keptRunIds: runs.slice(1),
      deletedRunIds: runs.slice(0, 1),
      deletedDataObjects: 1,
    });
    const data = await listKeys(deps.destination, BACKUP_BUCKET, `data/${bucket}/`);
    expect(data).not.toContain(oldX);
    expect(data).toEqual(expect.arrayContaining([await destKeyOf('x'), await destKeyOf('y')]));
    expect(await listKeys(deps.destination, BACKUP_BUCKET, `manifests/${bucket}/`)).toHaveLength(2);
  });

  it('always keeps the newest complete manifest and everything it references', async () => {
    const result = await pruneBackups(deps, { sourceBucket: bucket, retentionDays: 0, now: day(400) });
    expect(result).toMatchObject({ keptRunIds: runs.slice(2), deletedDataObjects: 0 });
    expect(await listKeys(deps.destination, BACKUP_BUCKET, `manifests/${bucket}/`)).toHaveLength(1);
    expect(await listKeys(deps.destination, BACKUP_BUCKET, `data/${bucket}/`)).toHaveLength(2);
  });

  it('refuses a negative retention', async () => {
    await expect(
      pruneBackups(deps, { sourceBucket: bucket, retentionDays: -1, now: day(0) }),
    ).rejects.toThrow(/retentionDays must be a non-negative number, got -1/);
  });
});
