import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { IncompleteBackupError } from '../../../../functions/commons/errors.ts';
import { backupBucket } from '../../../../functions/core/backup/backup-bucket.ts';
import { copyBatch } from '../../../../functions/core/backup/copy.ts';
import type { BackupDependencies } from '../../../../functions/core/backup/dependencies.ts';
import { finalizeManifest } from '../../../../functions/core/backup/finalize.ts';
import { dataKey, manifestKey, runKeys } from '../../../../functions/core/backup/layout.ts';
import { readManifest } from '../../../../functions/core/backup/manifest.ts';
import { planBackup } from '../../../../functions/core/backup/plan.ts';
import {
  BACKUP_BUCKET,
  collect,
  headMetadata,
  listKeys,
  putObjects,
  readObject,
  sha256,
  useBackupEndpoints,
} from './support/backup-endpoints.ts';

const bucket = 'finalize-src';
const busy = 'busy-src';

describe('finalizeManifest', () => {
  const stores = useBackupEndpoints([bucket, busy]);
  let deps: BackupDependencies;
  beforeAll(async () => {
    deps = stores.deps();
    const objects: Record<string, string> = {};
    for (let index = 0; index < 10; index += 1) objects[`obj-${index}`] = `content ${index}`;
    await putObjects(deps.source, bucket, objects);
  });

  it('writes no manifest and names missing keys when a batch did not run', async () => {
    const plan = await planBackup(deps, { sourceBucket: bucket, batchSize: 4 });
    await copyBatch(deps, { sourceBucket: bucket, runId: plan.runId, batchIndex: 0 });
    await copyBatch(deps, { sourceBucket: bucket, runId: plan.runId, batchIndex: 2 });

    const finalize = finalizeManifest(deps, { sourceBucket: bucket, runId: plan.runId });
    await expect(finalize).rejects.toBeInstanceOf(IncompleteBackupError);
    await expect(finalize).rejects.toMatchObject({
      details: {
        missing: 4,
        pending: 10,
        sample: expect.arrayContaining([expect.objectContaining({ key: 'obj-4' })]),
      },
    });
    expect(await listKeys(deps.destination, BACKUP_BUCKET, `manifests/${bucket}/`)).toEqual([]);
    // The run's files stay, so the batch can still run and the run be finalized.
    expect(await listKeys(deps.destination, BACKUP_BUCKET, runKeys(bucket, plan.runId).prefix)).toContain(
      runKeys(bucket, plan.runId).plan,
    );

    await copyBatch(deps, { sourceBucket: bucket, runId: plan.runId, batchIndex: 1 });
    const summary = await finalizeManifest(deps, { sourceBucket: bucket, runId: plan.runId });
    expect(summary).toMatchObject({ objects: 10, deleted: 0, manifestKey: manifestKey(bucket, plan.runId) });
    expect(await listKeys(deps.destination, BACKUP_BUCKET, runKeys(bucket, plan.runId).prefix)).toEqual([]);

    const manifest = await readManifest(deps, { sourceBucket: bucket, runId: plan.runId });
    expect(manifest.header).toMatchObject({
      objects: 10,
      bytes: summary.bytes,
      previousRunId: null,
      postgres: null,
    });
    const entries = await collect(manifest.entries);
    expect(entries.map((entry) => entry.sha256)).toEqual(
      entries.map((entry) => sha256(`content ${entry.key.slice('obj-'.length)}`)),
    );
  });

  it('has nothing to do for a run the plan committed (nothing to copy): its run files are gone', async () => {
    const plan = await planBackup(deps, { sourceBucket: bucket });
    expect(plan.batches).toBe(0);
    expect(plan.manifest).toMatchObject({ objects: 10, previousRunId: plan.previousRunId });
    await expect(finalizeManifest(deps, { sourceBucket: bucket, runId: plan.runId })).rejects.toThrow(
      /does not exist: this run was never planned, or the plan already committed its manifest/,
    );
  });

  it('completes a run whose source deleted one key and overwrote another after the plan', async () => {
    const v1 = (index: number) => `t/${index}.txt`;
    await putObjects(deps.source, busy, {
      [v1(1)]: 'one',
      [v1(2)]: 'two',
      [v1(3)]: 'three',
      [v1(4)]: 'four',
      [v1(5)]: 'five',
    });
    const first = await backupBucket(deps, { sourceBucket: busy });
    expect(first.complete).toBe(true);
    const before = new Map(
      (await collect((await readManifest(deps, { sourceBucket: busy, runId: first.runId })).entries)).map(
        (entry) => [entry.key, entry],
      ),
    );

    await putObjects(deps.source, busy, { 't/2.txt': 'two, v2', 't/3.txt': 'three, v2', 't/6.txt': 'six' });
    const plan = await planBackup(deps, { sourceBucket: busy });
    expect(plan.toCopy.objects).toBe(3);
    // Between the plan and the copy: t/2 deleted, t/3 overwritten again, the new t/6 deleted.
    await deps.source.send(new DeleteObjectCommand({ Bucket: busy, Key: 't/2.txt' }));
    await putObjects(deps.source, busy, { 't/3.txt': 'three, version 3 is longer' });
    await deps.source.send(new DeleteObjectCommand({ Bucket: busy, Key: 't/6.txt' }));
    const current = await headMetadata(deps.source, busy, 't/3.txt');
    const currentEtag = current.etag!.replaceAll('"', '');

    await copyBatch(deps, { sourceBucket: busy, runId: plan.runId, batchIndex: 0 });
    const summary = await finalizeManifest(deps, { sourceBucket: busy, runId: plan.runId });
    expect(summary).toMatchObject({ objects: 4, deleted: 1 });

    const manifest = await readManifest(deps, { sourceBucket: busy, runId: plan.runId });
    const entries = new Map((await collect(manifest.entries)).map((entry) => [entry.key, entry]));
    expect(manifest.header).toMatchObject({ objects: 4, bytes: summary.bytes, previousRunId: first.runId });
    expect([...entries.keys()]).toEqual(['t/1.txt', 't/2.txt', 't/3.txt', 't/4.txt', 't/5.txt']);
    // Deleted as the next listing would record it: its last backed-up version, still restorable.
    expect(entries.get('t/2.txt')).toEqual({
      ...before.get('t/2.txt'),
      deleted: true,
      deletedAt: new Date(Date.parse(manifest.header.startedAt)).toISOString(),
    });
    expect(sha256(await readObject(deps.destination, BACKUP_BUCKET, entries.get('t/2.txt')!.destKey))).toBe(
      sha256('two'),
    );
    // Overwritten: every field is the version that was copied.
    const overwritten = entries.get('t/3.txt')!;
    expect(overwritten).toEqual({
      key: 't/3.txt',
      size: 'three, version 3 is longer'.length,
      etag: currentEtag,
      sha256: sha256('three, version 3 is longer'),
      lastModified: overwritten.lastModified,
      destKey: dataKey(busy, 't/3.txt', currentEtag),
      deleted: false,
    });
    expect(Date.parse(overwritten.lastModified)).toBeGreaterThanOrEqual(
      Date.parse(before.get('t/3.txt')!.lastModified),
    );
    expect(sha256(await readObject(deps.destination, BACKUP_BUCKET, overwritten.destKey))).toBe(
      overwritten.sha256,
    );
    expect(summary.bytes).toBe(
      ['one', 'three, version 3 is longer', 'four', 'five'].reduce((total, body) => total + body.length, 0),
    );
    // Nothing was deleted from the backup: the first run's copies are all still there.
    const dataKeys = await listKeys(deps.destination, BACKUP_BUCKET, `data/${busy}/`);
    for (const entry of before.values()) expect(dataKeys).toContain(entry.destKey);
  });
});
