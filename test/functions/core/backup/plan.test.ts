import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnknownBucketError } from '../../../../functions/commons/errors.ts';
import { backupBucket } from '../../../../functions/core/backup/backup-bucket.ts';
import { copyBatch } from '../../../../functions/core/backup/copy.ts';
import type { BackupDependencies } from '../../../../functions/core/backup/dependencies.ts';
import { finalizeManifest } from '../../../../functions/core/backup/finalize.ts';
import { runKeys, runsPrefix } from '../../../../functions/core/backup/layout.ts';
import {
  batchEntrySchema,
  batchHeaderSchema,
  openJsonLinesFile,
  planEntrySchema,
  planHeaderSchema,
  readManifest,
} from '../../../../functions/core/backup/manifest.ts';
import { planBackup } from '../../../../functions/core/backup/plan.ts';
import { getJson } from '../../../../functions/core/backup/s3-calls.ts';
import {
  BACKUP_BUCKET,
  collect,
  listKeys,
  putObjects,
  useBackupEndpoints,
} from './support/backup-endpoints.ts';

const bucket = 'market-data';
const emptyBucket = 'empty-bucket';

async function readPlan(deps: BackupDependencies, runId: string) {
  const file = await openJsonLinesFile(deps, runKeys(bucket, runId).plan, {
    header: planHeaderSchema,
    entry: planEntrySchema,
  });
  return collect(file!.entries);
}

describe('planBackup', () => {
  const stores = useBackupEndpoints([bucket, emptyBucket]);
  let deps: BackupDependencies;
  beforeAll(async () => {
    deps = stores.deps();
    const objects: Record<string, string> = {};
    for (let index = 0; index < 30; index += 1)
      objects[`ticks/${String(index).padStart(3, '0')}`] = `tick ${index}`;
    await putObjects(deps.source, bucket, objects);
  });

  it('plans every object of a first backup as pending, in batches bounded by count, over listing pages', async () => {
    const plan = await planBackup(deps, { sourceBucket: bucket, batchSize: 7, pageSize: 4 });
    expect(plan).toMatchObject({
      previousRunId: null,
      scanned: { objects: 30 },
      toCopy: { objects: 30 },
      unchanged: 0,
      deleted: 0,
      batches: 5,
    });
    const descriptors = (await getJson(deps.destination, BACKUP_BUCKET, plan.batchesKey)) as {
      objects: number;
    }[];
    expect(descriptors.map((batch) => batch.objects)).toEqual([7, 7, 7, 7, 2]);
    expect(descriptors[0]).toMatchObject({ sourceBucket: bucket, runId: plan.runId, batchIndex: 0 });
    const batch = await openJsonLinesFile(deps, runKeys(bucket, plan.runId).batch(4), {
      header: batchHeaderSchema,
      entry: batchEntrySchema,
    });
    expect((await collect(batch!.entries)).map((entry) => entry.key)).toEqual(['ticks/028', 'ticks/029']);
  });

  it('cuts batches by bytes, giving an object bigger than batchBytes a batch of its own', async () => {
    // "tick N" bodies are 6-7 bytes: 20 bytes hold 2-3 of them.
    const plan = await planBackup(deps, { sourceBucket: bucket, batchBytes: 20 });
    const descriptors = (await getJson(deps.destination, BACKUP_BUCKET, plan.batchesKey)) as {
      objects: number;
      bytes: number;
    }[];
    expect(descriptors.every((batch) => batch.bytes <= 20 && batch.objects >= 2)).toBe(true);
    expect(descriptors.reduce((total, batch) => total + batch.objects, 0)).toBe(30);
    const tiny = await planBackup(deps, { sourceBucket: bucket, batchBytes: 1, batchSize: 100 });
    expect(tiny.batches).toBe(30);
  });

  it('sorts objects into unchanged, changed, new and deleted against the previous manifest', async () => {
    const first = await backupBucket(deps, { sourceBucket: bucket });
    expect(first.complete).toBe(true);
    await putObjects(deps.source, bucket, {
      'ticks/005': 'changed content',
      'ticks/100': 'new',
      'a-first': 'new',
    });
    await deps.source.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'ticks/010' }));

    const plan = await planBackup(deps, { sourceBucket: bucket });
    expect(plan).toMatchObject({
      previousRunId: first.runId,
      scanned: { objects: 31 },
      toCopy: { objects: 3 },
      unchanged: 28,
      deleted: 1,
      batches: 1,
    });
    const lines = await readPlan(deps, plan.runId);
    const byKey = new Map(lines.map((line) => [line.key, line]));
    expect(byKey.get('ticks/005')).toMatchObject({ pending: true, deleted: false, size: 15 });
    expect(byKey.get('ticks/005')?.sha256).toBeUndefined();
    expect(byKey.get('a-first')).toMatchObject({ pending: true });
    expect(byKey.get('ticks/010')).toMatchObject({ pending: false, deleted: true, size: 7 });
    expect(byKey.get('ticks/010')?.deletedAt).toBeDefined();
    expect(byKey.get('ticks/001')).toMatchObject({ pending: false, deleted: false });
    expect(byKey.get('ticks/001')?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(lines.map((line) => line.key)).toEqual([...byKey.keys()].sort());
  });

  it('drops deleted lines older than deletedRetentionDays', async () => {
    // Run ids order runs by their start second; this run must come after the previous test's
    // (which may have started in the same second), so it starts "5 s later".
    await backupBucket({ ...deps, clock: () => new Date(Date.now() + 5_000) }, { sourceBucket: bucket });
    const later = await planBackup(
      { ...deps, clock: () => new Date(Date.now() + 10 * 86_400_000) },
      { sourceBucket: bucket, deletedRetentionDays: 7, dryRun: true },
    );
    expect(later.deleted).toBe(0);
    expect(later.toCopy.objects).toBe(0);
  });

  it('commits an empty manifest for an empty bucket straight from the plan', async () => {
    const plan = await planBackup(deps, { sourceBucket: emptyBucket });
    expect(plan).toMatchObject({ scanned: { objects: 0, bytes: 0 }, toCopy: { objects: 0 }, batches: 0 });
    expect(plan.manifest).toMatchObject({ objects: 0, bytes: 0, deleted: 0, runId: plan.runId });
    expect(await listKeys(deps.destination, BACKUP_BUCKET, runsPrefix(emptyBucket))).toEqual([]);
  });

  it('commits the manifest from the plan when nothing changed: one PUT, no run files', async () => {
    await backupBucket(deps, { sourceBucket: bucket });
    const plan = await planBackup(deps, { sourceBucket: bucket, postgres: { dump: 'x' } });
    expect(plan).toMatchObject({ toCopy: { objects: 0 }, batches: 0 });
    expect(plan.manifest).toMatchObject({ runId: plan.runId, objects: plan.unchanged });
    expect(await listKeys(deps.destination, BACKUP_BUCKET, runsPrefix(bucket))).toEqual([]);
    const manifest = await readManifest(deps, { sourceBucket: bucket, runId: plan.runId });
    expect(manifest.header).toMatchObject({ postgres: { dump: 'x' }, previousRunId: plan.previousRunId });
    expect(await collect(manifest.entries)).toHaveLength(plan.unchanged + plan.deleted);
  });

  it('writes nothing in a dry run, but counts what a run would copy', async () => {
    await putObjects(deps.source, bucket, { 'ticks/dry-run': 'new' });
    const plan = await planBackup(deps, { sourceBucket: bucket, dryRun: true });
    expect(plan).toMatchObject({ dryRun: true, toCopy: { objects: 1 }, batches: 1, manifest: null });
    expect(await listKeys(deps.destination, BACKUP_BUCKET, runsPrefix(bucket))).toEqual([]);
    await deps.source.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'ticks/dry-run' }));
  });

  it('has batches check for existing copies after an unfinished run; the next commit clears its files', async () => {
    const verifyFlagOf = async (runId: string) => {
      const file = await openJsonLinesFile(
        deps,
        runKeys(bucket, runId).batch(0),
        { header: batchHeaderSchema, entry: batchEntrySchema },
        { missingAsEmpty: true },
      );
      return file?.header.verifyExisting;
    };
    await putObjects(deps.source, bucket, { 'ticks/unfinished': 'copied by a run that never finished' });
    const abandoned = await planBackup(deps, { sourceBucket: bucket });
    expect(await verifyFlagOf(abandoned.runId)).toBe(false);
    const next = await planBackup(deps, { sourceBucket: bucket });
    expect(await verifyFlagOf(next.runId)).toBe(true);
    await copyBatch(deps, { sourceBucket: bucket, runId: next.runId, batchIndex: 0 });
    await finalizeManifest(deps, { sourceBucket: bucket, runId: next.runId });
    expect(await verifyFlagOf(abandoned.runId)).toBeUndefined();
    expect(await listKeys(deps.destination, BACKUP_BUCKET, runsPrefix(bucket))).toEqual([]);
  });

  it('names an unknown source bucket in an UnknownBucketError', async () => {
    const plan = planBackup(deps, { sourceBucket: 'no-such-bucket' });
    await expect(plan).rejects.toBeInstanceOf(UnknownBucketError);
    await expect(planBackup(deps, { sourceBucket: 'no-such-bucket' })).rejects.toThrow(
      /"no-such-bucket" does not exist/,
    );
  });

  it('refuses a bad batch size with the expected value', async () => {
    await expect(planBackup(deps, { sourceBucket: bucket, batchSize: 0 })).rejects.toThrow(
      /batchSize must be a positive integer, got 0/,
    );
  });
});
