import type { ClientRequest, IncomingMessage } from 'node:http';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { IncompleteBackupError, ManifestTamperedError } from '../../../../functions/commons/errors.ts';
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
  numberedObjects,
  putObjects,
  readObject,
  sha256,
  tamperWith,
  useBackupEndpoints,
} from './support/backup-endpoints.ts';

const bucket = 'finalize-src';
const busy = 'busy-src';
const churn = 'churn-src';
const tampered = 'tampered-src';

describe('finalizeManifest', () => {
  const stores = useBackupEndpoints([bucket, busy, churn, tampered]);
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

  it('records objects deleted across batches during the copy with their previous lines, once they fit in memory', async () => {
    await putObjects(deps.source, churn, numberedObjects(8, 'a/'));
    expect((await backupBucket(deps, { sourceBucket: churn })).complete).toBe(true);
    await deps.source.send(new DeleteObjectCommand({ Bucket: churn, Key: 'a/0003.json' }));
    const second = await backupBucket(deps, { sourceBucket: churn });
    expect(second.manifest).toMatchObject({ deleted: 1 });
    const before = await manifestLines(deps, churn, second.runId);
    expect(before.get('a/0003.json')).toMatchObject({ deleted: true, deletedAt: expect.any(String) });

    // a/0003 comes back and a/0009 is new; with a/0000 and a/0007 overwritten, 4 keys in 2 batches.
    await putObjects(deps.source, churn, {
      ...numberedObjects(1, 'a/', 'v2'),
      'a/0003.json': 'back',
      'a/0005.json': 'five, v2',
      'a/0007.json': 'seven, v2',
      'a/0009.json': 'nine',
    });
    const plan = await planBackup(deps, { sourceBucket: churn, batchSize: 3 });
    expect(plan).toMatchObject({ batches: 2, toCopy: { objects: 5 } });
    for (const key of ['a/0000.json', 'a/0003.json', 'a/0007.json', 'a/0009.json']) {
      await deps.source.send(new DeleteObjectCommand({ Bucket: churn, Key: key }));
    }
    for (const batchIndex of [0, 1])
      await copyBatch(deps, { sourceBucket: churn, runId: plan.runId, batchIndex });

    const overLimit = finalizeManifest(deps, { sourceBucket: churn, runId: plan.runId, vanishedLimit: 3 });
    await expect(overLimit).rejects.toBeInstanceOf(IncompleteBackupError);
    await expect(overLimit).rejects.toMatchObject({
      message: expect.stringMatching(
        /4 objects were deleted at the source during its copy, more than the 3 .* re-run the backup/,
      ),
      details: { vanished: 4, vanishedLimit: 3 },
    });
    expect(await listKeys(deps.destination, BACKUP_BUCKET, manifestKey(churn, plan.runId))).toEqual([]);

    const watched = stores.deps();
    const gets = watchGetObjects(watched.destination);
    const summary = await finalizeManifest(watched, { sourceBucket: churn, runId: plan.runId });
    expect(summary).toMatchObject({ objects: 5, deleted: 3, previousRunId: second.runId });
    // The passes before the manifest is written leave no response unread (S3 would drop it): when
    // the results and the previous manifest are fetched, no other body (the plan's) is still open.
    const fetched = (key: string) => gets.filter((get) => get.key === key);
    expect(fetched(runKeys(churn, plan.runId).plan)).toHaveLength(2);
    expect(fetched(runKeys(churn, plan.runId).results(0))[0]).toEqual({
      key: runKeys(churn, plan.runId).results(0),
      openWhenSent: [],
    });
    expect(fetched(manifestKey(churn, second.runId))).toEqual([
      { key: manifestKey(churn, second.runId), openWhenSent: [] },
    ]);
    const manifest = await readManifest(deps, { sourceBucket: churn, runId: plan.runId });
    const startedAt = new Date(Date.parse(manifest.header.startedAt)).toISOString();
    const after = new Map((await collect(manifest.entries)).map((entry) => [entry.key, entry]));
    expect([...after.keys()]).toEqual(Object.keys(numberedObjects(8, 'a/')));
    expect(after.get('a/0000.json')).toEqual({
      ...before.get('a/0000.json'),
      deleted: true,
      deletedAt: startedAt,
    });
    expect(after.get('a/0007.json')).toEqual({
      ...before.get('a/0007.json'),
      deleted: true,
      deletedAt: startedAt,
    });
    // Already deleted in the previous manifest: the line and its deletedAt stay as they were.
    expect(after.get('a/0003.json')).toEqual(before.get('a/0003.json'));
    expect(after.get('a/0005.json')).toMatchObject({ deleted: false, sha256: sha256('five, v2') });
    for (const key of ['a/0001.json', 'a/0002.json', 'a/0004.json', 'a/0006.json']) {
      expect(after.get(key)).toEqual(before.get(key));
    }
  });

  it('refuses deletion lines from a previous manifest that fails its checksum', async () => {
    await putObjects(deps.source, tampered, numberedObjects(4, 'b/'));
    const first = await backupBucket(deps, { sourceBucket: tampered });
    expect(first.complete).toBe(true);
    await putObjects(deps.source, tampered, numberedObjects(4, 'b/', 'v2'));
    const plan = await planBackup(deps, { sourceBucket: tampered });
    await deps.source.send(new DeleteObjectCommand({ Bucket: tampered, Key: 'b/0001.json' }));
    await copyBatch(deps, { sourceBucket: tampered, runId: plan.runId, batchIndex: 0 });
    // The last line is changed but still well-formed: only the checksum at the end can tell.
    await tamperWith(deps.destination, BACKUP_BUCKET, manifestKey(tampered, first.runId), (body) =>
      body.replace(
        /"sha256":"([0-9a-f])([0-9a-f]{63})"(?![\s\S]*"sha256")/,
        (_, head: string, tail: string) => `"sha256":"${head === '0' ? '1' : '0'}${tail}"`,
      ),
    );

    const finalize = finalizeManifest(deps, { sourceBucket: tampered, runId: plan.runId });
    await expect(finalize).rejects.toBeInstanceOf(ManifestTamperedError);
    await expect(finalize).rejects.toThrow(
      `${manifestKey(tampered, first.runId)} does not match its manifest-sha256`,
    );
    expect(await listKeys(deps.destination, BACKUP_BUCKET, manifestKey(tampered, plan.runId))).toEqual([]);
  });
});

async function manifestLines(deps: BackupDependencies, sourceBucket: string, runId: string) {
  const manifest = await readManifest(deps, { sourceBucket, runId });
  return new Map((await collect(manifest.entries)).map((entry) => [entry.key, entry]));
}

/** An HTTP client response, which Node links to its request (the types only declare it server-side). */
type ResponseBody = IncomingMessage & { req?: ClientRequest };

/**
 * Each GetObject sent on `s3`, with the keys whose responses were still open at that moment. A body
 * left early is closed by aborting its request, so the body itself only reports it a tick later.
 */
function watchGetObjects(s3: S3Client): { key: string; openWhenSent: string[] }[] {
  const gets: { key: string; openWhenSent: string[] }[] = [];
  const bodies = new Map<string, ResponseBody>();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'GetObjectCommand') return next(args);
      const key = (args.input as { Key: string }).Key;
      const open = [...bodies].filter(
        ([, body]) => !body.readableEnded && !body.destroyed && !body.req?.destroyed,
      );
      gets.push({ key, openWhenSent: open.map(([openKey]) => openKey) });
      const result = await next(args);
      bodies.set(key, (result.output as { Body: ResponseBody }).Body);
      return result;
    },
    { step: 'initialize', name: 'watchGetObjects' },
  );
  return gets;
}
