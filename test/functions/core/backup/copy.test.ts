import { DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CopyBatchOptions, copyBatch } from '../../../../functions/core/backup/copy.ts';
import type { BackupDependencies } from '../../../../functions/core/backup/dependencies.ts';
import { dataKey, runKeys } from '../../../../functions/core/backup/layout.ts';
import {
  openJsonLinesFile,
  resultEntrySchema,
  resultsHeaderSchema,
} from '../../../../functions/core/backup/manifest.ts';
import { planBackup } from '../../../../functions/core/backup/plan.ts';
import {
  BACKUP_BUCKET,
  collect,
  headMetadata,
  numberedObjects,
  patternBytes,
  putObjects,
  s3ClientFor,
  sha256,
  useBackupEndpoints,
} from './support/backup-endpoints.ts';

const MiB = 1024 * 1024;

describe('copyBatch', () => {
  const stores = useBackupEndpoints(['copy-src', 'vanishing', 'fresh-src', 'gone-bucket']);
  let deps: BackupDependencies;
  const large = patternBytes(12 * MiB, 7);

  beforeAll(async () => {
    deps = stores.deps();
    await putObjects(deps.source, 'copy-src', {
      'small/a.csv': 'a,b\n1,2\n',
      'small/ü space.json': '{"price": 1}',
      'big/candles.parquet': large,
    });
  });

  /** Plans the bucket (one batch) and copies batch 0 with a 5 MiB multipart threshold. */
  async function planAndCopy(sourceBucket: string, options: Partial<CopyBatchOptions> = {}) {
    const plan = await planBackup(deps, { sourceBucket });
    const result = await copyBatch(deps, {
      sourceBucket,
      runId: plan.runId,
      batchIndex: 0,
      multipartThresholdBytes: 5 * MiB,
      ...options,
    });
    return { plan, result };
  }

  it('copies each object with its sha256, streaming a large one as multipart, byte-identical', async () => {
    const { plan, result } = await planAndCopy('copy-src', { partBytes: 5 * MiB, partConcurrency: 2 });
    expect(result).toMatchObject({ copied: 3, skipped: 0, failed: 0, bytesCopied: large.length + 8 + 12 });

    const head = await headMetadata(deps.source, 'copy-src', 'big/candles.parquet');
    const destKey = dataKey('copy-src', 'big/candles.parquet', head.etag!);
    const copy = await deps.destination.send(new GetObjectCommand({ Bucket: BACKUP_BUCKET, Key: destKey }));
    const bytes = Buffer.from(await copy.Body!.transformToByteArray());
    expect(bytes.equals(large)).toBe(true);
    expect(copy.Metadata).toMatchObject({
      sha256: sha256(large),
      'source-etag': head.etag!.replaceAll('"', ''),
    });

    const smallHead = await headMetadata(deps.source, 'copy-src', 'small/ü space.json');
    const small = await headMetadata(
      deps.destination,
      BACKUP_BUCKET,
      dataKey('copy-src', 'small/ü space.json', smallHead.etag!),
    );
    expect(small.metadata.sha256).toBe(sha256('{"price": 1}'));

    const results = await openJsonLinesFile(deps, runKeys('copy-src', plan.runId).results(0), {
      header: resultsHeaderSchema,
      entry: resultEntrySchema,
    });
    const lines = await collect(results!.entries);
    expect(lines.map((line) => [line.key, line.ok, line.reused])).toEqual([
      ['big/candles.parquet', true, false],
      ['small/a.csv', true, false],
      ['small/ü space.json', true, false],
    ]);
    expect(lines[0]?.sha256).toBe(sha256(large));
  });

  it('reuses copies already in the backup, transferring nothing twice', async () => {
    const { result } = await planAndCopy('copy-src');
    expect(result).toMatchObject({ copied: 0, skipped: 3, failed: 0, bytesCopied: 0 });
  });

  it('copies the current version of an object overwritten after the plan, and records one deleted as gone', async () => {
    await putObjects(deps.source, 'vanishing', { gone: 'soon gone', changing: 'version 1', stable: 'stays' });
    const plan = await planBackup(deps, { sourceBucket: 'vanishing' });
    await deps.source.send(new DeleteObjectCommand({ Bucket: 'vanishing', Key: 'gone' }));
    await putObjects(deps.source, 'vanishing', { changing: 'version 2 is longer' });
    const current = await headMetadata(deps.source, 'vanishing', 'changing');
    const currentEtag = current.etag!.replaceAll('"', '');

    const result = await copyBatch(deps, { sourceBucket: 'vanishing', runId: plan.runId, batchIndex: 0 });
    expect(result).toMatchObject({ copied: 2, vanished: 1, failed: 0, bytesCopied: 5 + 19 });
    const lines = await resultLines('vanishing', plan.runId);
    expect(lines.find((line) => line.key === 'gone')).toMatchObject({ ok: true, gone: true });
    const changing = lines.find((line) => line.key === 'changing')!;
    expect(changing).toMatchObject({
      ok: true,
      size: 9,
      sha256: sha256('version 2 is longer'),
      copiedVersion: { size: 19, etag: currentEtag, destKey: dataKey('vanishing', 'changing', currentEtag) },
    });
    const copy = await headMetadata(deps.destination, BACKUP_BUCKET, changing.copiedVersion!.destKey);
    expect(copy.metadata).toMatchObject({
      sha256: sha256('version 2 is longer'),
      'source-etag': currentEtag,
    });

    // A retry of the batch transfers nothing twice: the new version's copy is found and reused.
    const retried = await copyBatch(deps, { sourceBucket: 'vanishing', runId: plan.runId, batchIndex: 0 });
    expect(retried).toMatchObject({ copied: 0, skipped: 2, vanished: 1, failed: 0, bytesCopied: 0 });
  });

  it('does not take a missing source bucket for deleted objects', async () => {
    await putObjects(deps.source, 'gone-bucket', { 'a.txt': 'a', 'b.txt': 'b' });
    const plan = await planBackup(deps, { sourceBucket: 'gone-bucket' });
    await deps.source.send(new DeleteObjectCommand({ Bucket: 'gone-bucket', Key: 'a.txt' }));
    await deps.source.send(new DeleteObjectCommand({ Bucket: 'gone-bucket', Key: 'b.txt' }));
    await deps.source.send(new DeleteBucketCommand({ Bucket: 'gone-bucket' }));

    const result = await copyBatch(deps, { sourceBucket: 'gone-bucket', runId: plan.runId, batchIndex: 0 });
    expect(result).toMatchObject({ copied: 0, vanished: 0, failed: 2 });
    expect(result.failures[0]?.reason).toMatch(/NoSuchBucket/);
  });

  it('copies the first attempt of a fresh batch without a HEAD per object; a retried batch checks and reuses', async () => {
    await putObjects(deps.source, 'fresh-src', numberedObjects(6, 'fresh/'));
    const heads = { count: 0 };
    const destination = s3ClientFor(stores.endpoints().destination.url);
    destination.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'HeadObjectCommand') heads.count += 1;
        return next(args);
      },
      { step: 'initialize' },
    );
    const counting = { ...deps, destination };
    const plan = await planBackup(counting, { sourceBucket: 'fresh-src' });
    const first = await copyBatch(counting, { sourceBucket: 'fresh-src', runId: plan.runId, batchIndex: 0 });
    expect(first).toMatchObject({ copied: 6, skipped: 0, failed: 0 });
    // One HEAD: the batch's started marker. None per object.
    expect(heads.count).toBe(1);

    heads.count = 0;
    const retried = await copyBatch(counting, {
      sourceBucket: 'fresh-src',
      runId: plan.runId,
      batchIndex: 0,
    });
    expect(retried).toMatchObject({ copied: 0, skipped: 6, failed: 0, bytesCopied: 0 });
    expect(heads.count).toBe(1 + 6);
  });

  async function resultLines(sourceBucket: string, runId: string) {
    const results = await openJsonLinesFile(deps, runKeys(sourceBucket, runId).results(0), {
      header: resultsHeaderSchema,
      entry: resultEntrySchema,
    });
    return collect(results!.entries);
  }

  it('refuses a part size below S3 minimum', async () => {
    await expect(
      copyBatch(deps, {
        sourceBucket: 'copy-src',
        runId: '20240101T000000Z-00000000',
        batchIndex: 0,
        partBytes: 1024,
      }),
    ).rejects.toThrow(/partBytes must be at least 5242880/);
  });
});
