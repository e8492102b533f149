import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EmptyBackupError,
  InvalidInputError,
  ManifestNotFoundError,
  RestoreConflictError,
  RestoreIncompleteError,
  UnknownBucketError,
} from '../../../../functions/commons/errors.ts';
import { backupBucket } from '../../../../functions/core/backup/backup-bucket.ts';
import type { BackupDependencies } from '../../../../functions/core/backup/dependencies.ts';
import { planRestore, restoreObjects } from '../../../../functions/core/backup/restore.ts';
import {
  type RestoreInput,
  restoreRequestSchema,
} from '../../../../functions/core/backup/restore-request.ts';
import { rejectionOf } from '../../support/rejection.ts';
import {
  headMetadata,
  listKeys,
  patternBytes,
  putObjects,
  readObject,
  sha256,
  useBackupEndpoints,
} from './support/backup-endpoints.ts';

const bucket = 'restored-src';
const otherTarget = 'restored-copy';

function request(input: Partial<RestoreInput> = {}) {
  return restoreRequestSchema.parse({ sourceBucket: bucket, requestedBy: 'restore-test', ...input });
}

describe('restore', () => {
  const stores = useBackupEndpoints([bucket]);
  let deps: BackupDependencies;
  let runId: string;
  const original: Record<string, Buffer> = {};

  beforeAll(async () => {
    deps = stores.deps();
    for (let index = 0; index < 12; index += 1)
      original[`trades/${index}.bin`] = patternBytes(100 + index * 37, index + 1);
    for (let index = 0; index < 5; index += 1)
      original[`quotes/${index}.bin`] = patternBytes(300, 100 + index);
    original['trades/large.bin'] = patternBytes(200_000, 7);
    await putObjects(deps.source, bucket, original);
    const report = await backupBucket(deps, { sourceBucket: bucket, batchSize: 10 });
    expect(report.complete).toBe(true);
    runId = report.runId;
  }, 60_000);

  it('lists what a dry run would write and writes nothing', async () => {
    const plan = await planRestore(deps, request({ prefix: 'quotes/', targetBucket: otherTarget }), {
      listLimit: 3,
    });
    expect(plan).toMatchObject({
      runId,
      prefix: 'quotes/',
      targetBucket: otherTarget,
      targetExists: false,
      objects: 5,
      bytes: 1500,
      truncated: true,
      dryRun: true,
      postgres: null,
    });
    expect(plan.items.map((item) => item.key)).toEqual(['quotes/0.bin', 'quotes/1.bin', 'quotes/2.bin']);
    expect(plan.items[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await listKeys(deps.source, bucket, 'quotes/')).toHaveLength(5);
    await expect(listKeys(deps.source, otherTarget)).rejects.toThrow();
  });

  it('brings a deleted prefix back byte for byte, verified, and skips what is still there', async () => {
    const trades = Object.keys(original).filter((key) => key.startsWith('trades/'));
    for (const Key of trades) await deps.source.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    const report = await restoreObjects(deps, request({ prefix: 'trades/' }), { wholeObjectBytes: 100_000 });
    expect(report).toMatchObject({ written: 13, verified: 13, skipped: 0, failed: 0, createdBucket: false });
    for (const key of trades) {
      expect((await readObject(deps.source, bucket, key)).equals(original[key]!)).toBe(true);
      expect((await headMetadata(deps.source, bucket, key)).metadata['restored-from-run']).toBe(runId);
    }
    const again = await restoreObjects(deps, request({}));
    expect(again).toMatchObject({ written: 0, skipped: 18, failed: 0 });
  });

  it('restores a selection over several invocations when each must stop early, adding up, writing nothing twice', async () => {
    const target = 'windowed-target';
    const windows: { continueAfter: string | null; written: number }[] = [];
    let progress: Parameters<typeof restoreObjects>[1]['progress'];
    for (let invocation = 0; invocation < 20; invocation += 1) {
      let started = 0;
      // Each invocation may start 4 objects, then its time is "up".
      const report = await restoreObjects(
        deps,
        { ...request({ targetBucket: target }), progress },
        { concurrency: 2, shouldStop: () => started++ >= 4 },
      );
      windows.push({ continueAfter: report.continueAfter, written: report.written });
      if (report.continueAfter === null) break;
      progress = report;
    }
    // 18 live objects, 4 a window: 5 windows, the last one done.
    expect(windows.map((window) => window.written)).toEqual([4, 8, 12, 16, 18]);
    expect(windows.at(-1)?.continueAfter).toBeNull();
    expect(windows.slice(0, -1).every((window) => typeof window.continueAfter === 'string')).toBe(true);
    const keys = await listKeys(deps.source, target);
    expect(keys).toHaveLength(18);
    for (const key of keys)
      expect((await readObject(deps.source, target, key)).equals(original[key]!)).toBe(true);
  });

  it('restores into a new bucket, creating it', async () => {
    const report = await restoreObjects(deps, request({ prefix: 'quotes/', targetBucket: otherTarget }));
    expect(report).toMatchObject({ written: 5, createdBucket: true, targetBucket: otherTarget });
    expect(
      (await readObject(deps.source, otherTarget, 'quotes/3.bin')).equals(original['quotes/3.bin']!),
    ).toBe(true);
  });

  it('refuses a target holding different data with the keys named, and writes nothing', async () => {
    const target = 'conflicting-target';
    await deps.source.send(new CreateBucketCommand({ Bucket: target }));
    await putObjects(deps.source, target, { 'trades/5.bin': 'not the backed-up content' });
    const error = await rejectionOf(restoreObjects(deps, request({ targetBucket: target })));
    expect(error).toBeInstanceOf(RestoreConflictError);
    expect(error.message).toContain('trades/5.bin');
    expect(error.details.conflictCount).toBe(1);
    expect(await listKeys(deps.source, target)).toEqual(['trades/5.bin']);
  });

  it('refuses an unknown bucket, a missing run, an empty prefix and a run without a dump', async () => {
    expect(await rejectionOf(planRestore(deps, request({ sourceBucket: 'never-backed-up' })))).toBeInstanceOf(
      UnknownBucketError,
    );
    expect(
      await rejectionOf(planRestore(deps, request({ runId: '20000101T000000Z-00000000' }))),
    ).toBeInstanceOf(ManifestNotFoundError);
    const empty = await rejectionOf(restoreObjects(deps, request({ prefix: 'nothing-here/' })));
    expect(empty).toBeInstanceOf(EmptyBackupError);
    expect(empty.message).toContain('under prefix "nothing-here/"');
    const noDump = await rejectionOf(planRestore(deps, request({ postgresDatabase: 'prefect_restored' })));
    expect(noDump).toBeInstanceOf(InvalidInputError);
    expect(noDump.message).toContain('records no completed PostgreSQL dump');
  });

  it('dry run: compares with the target as the real run does, listing writes, skips and conflicts', async () => {
    const target = 'partly-there';
    await deps.source.send(new CreateBucketCommand({ Bucket: target }));
    await putObjects(deps.source, target, {
      'quotes/0.bin': original['quotes/0.bin']!,
      'quotes/1.bin': original['quotes/1.bin']!,
      'quotes/3.bin': 'someone else wrote this',
    });
    const plan = await planRestore(deps, request({ prefix: 'quotes/', targetBucket: target }));
    expect(plan).toMatchObject({
      targetExists: true,
      objects: 5,
      toWrite: 2,
      bytesToWrite: 600,
      truncated: false,
      identical: { objects: 2, keys: [{ key: 'quotes/0.bin' }, { key: 'quotes/1.bin' }] },
      conflicts: { objects: 1, keys: [{ key: 'quotes/3.bin', reason: expect.stringContaining('bytes') }] },
    });
    expect(plan.items).toEqual(
      ['quotes/2.bin', 'quotes/4.bin'].map((key) => ({ key, size: 300, sha256: sha256(original[key]!) })),
    );
    expect(await listKeys(deps.source, target)).toEqual(['quotes/0.bin', 'quotes/1.bin', 'quotes/3.bin']);
    // The real run refuses the same conflict, still before writing.
    expect(
      await rejectionOf(restoreObjects(deps, request({ prefix: 'quotes/', targetBucket: target }))),
    ).toBeInstanceOf(RestoreConflictError);
    expect(await listKeys(deps.source, target)).toHaveLength(3);
  });

  it('lists the first keys in key order whatever order the comparisons finish in', async () => {
    const plan = await planRestore(deps, request({ targetBucket: 'empty-target' }), {
      listLimit: 4,
      concurrency: 8,
    });
    const selected = Object.keys(original).sort();
    expect(plan.items.map((item) => item.key)).toEqual(selected.slice(0, 4));
    expect(plan).toMatchObject({ toWrite: 18, truncated: true });
  });

  it('verifies a written object by reading it back: bytes changed under the same metadata fail it', async () => {
    const target = 'rotting-target';
    const client = stores.deps().source;
    const corrupt = stores.deps().source;
    // MinIO acknowledges the PUT, but serves other bytes (same size and metadata) afterwards.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const input = args.input as { Bucket?: string; Key?: string; Metadata?: Record<string, string> };
        if (context.commandName === 'PutObjectCommand' && input.Key === 'quotes/2.bin') {
          await corrupt.send(
            new PutObjectCommand({
              Bucket: input.Bucket,
              Key: input.Key,
              Body: Buffer.alloc(300, 1),
              Metadata: input.Metadata,
            }),
          );
        }
        return result;
      },
      { step: 'finalizeRequest', name: 'corruptAfterPut' },
    );
    const error = await rejectionOf(
      restoreObjects({ ...deps, source: client }, request({ prefix: 'quotes/', targetBucket: target })),
    );
    expect(error).toBeInstanceOf(RestoreIncompleteError);
    expect(error.details).toMatchObject({
      written: 4,
      failed: 1,
      failures: [
        { key: 'quotes/2.bin', reason: expect.stringContaining('read back after writing has SHA-256') },
      ],
    });
    // Deleted again, so the re-run writes it afresh instead of trusting its sha256 metadata.
    expect(await listKeys(deps.source, target)).not.toContain('quotes/2.bin');
    const rerun = await restoreObjects(deps, request({ prefix: 'quotes/', targetBucket: target }));
    expect(rerun).toMatchObject({ written: 1, failed: 0 });
    expect(sha256(await readObject(deps.source, target, 'quotes/2.bin'))).toBe(
      sha256(original['quotes/2.bin']!),
    );
  });

  it('plans a restore of the PostgreSQL dump only without comparing or listing objects', async () => {
    const onlyDump = restoreRequestSchema.safeParse({
      sourceBucket: bucket,
      restoreObjects: false,
      requestedBy: 'restore-test',
    });
    expect(onlyDump.success).toBe(false);
    expect(JSON.stringify(onlyDump.error?.issues)).toContain('nothing to restore');
    const withPrefix = restoreRequestSchema.safeParse({
      sourceBucket: bucket,
      restoreObjects: false,
      prefix: 'quotes/',
      postgresDatabase: 'prefect_restored',
      requestedBy: 'restore-test',
    });
    expect(JSON.stringify(withPrefix.error?.issues)).toContain('leave them out');
    // This run recorded no dump: a dump-only restore of it is refused like a combined one.
    const noDump = await rejectionOf(
      planRestore(deps, request({ restoreObjects: false, postgresDatabase: 'prefect_restored' })),
    );
    expect(noDump).toBeInstanceOf(InvalidInputError);
    expect(noDump.message).toContain('records no completed PostgreSQL dump');

    const dumpRecord = {
      state: 'COMPLETED',
      bucket: 'lakehouse-backup',
      key: 'postgres/prefect/x.dump',
      database: 'prefect',
    };
    const withDump = await backupBucket(deps, { sourceBucket: bucket, postgres: dumpRecord });
    const plan = await planRestore(
      deps,
      request({ runId: withDump.runId, restoreObjects: false, postgresDatabase: 'prefect_restored' }),
    );
    expect(plan).toMatchObject({
      restoreObjects: false,
      objects: 0,
      toWrite: 0,
      items: [],
      postgres: { targetDatabase: 'prefect_restored', dump: { key: 'postgres/prefect/x.dump' } },
    });
  });
});
