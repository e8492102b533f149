import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../../../functions/commons/errors.ts';
import { type BackupReport, backupBucket } from '../../../../functions/core/backup/backup-bucket.ts';
import type { BackupDependencies } from '../../../../functions/core/backup/dependencies.ts';
import { runStartedAt } from '../../../../functions/core/backup/layout.ts';
import { latestCompleteManifest, readManifest } from '../../../../functions/core/backup/manifest.ts';
import { type S3FaultProxy, startS3FaultProxy } from '../../../../local/faults/s3-fault-proxy.ts';
import {
  BACKUP_BUCKET,
  collect,
  headMetadata,
  listKeys,
  numberedObjects,
  patternBytes,
  putObjects,
  readObject,
  s3ClientFor,
  sha256,
  useBackupEndpoints,
} from './support/backup-endpoints.ts';

const MiB = 1024 * 1024;
const bucket = 'reliable-src';
const dataPrefix = `data/${bucket}/`;

/** Data keys whose copy is complete (it has its sha256), read straight from the destination. */
async function completeDataKeys(destination: S3Client): Promise<Set<string>> {
  const complete = new Set<string>();
  for (const key of await listKeys(destination, BACKUP_BUCKET, dataPrefix)) {
    if ((await headMetadata(destination, BACKUP_BUCKET, key)).metadata.sha256) complete.add(key);
  }
  return complete;
}

describe('backupBucket', () => {
  const stores = useBackupEndpoints([bucket]);
  let proxy: S3FaultProxy;
  let deps: BackupDependencies;
  let direct: S3Client;
  const options = {
    sourceBucket: bucket,
    batchSize: 40,
    concurrency: 6,
    batchConcurrency: 2,
    multipartThresholdBytes: 5 * MiB,
    partBytes: 5 * MiB,
  };

  beforeAll(async () => {
    proxy = await startS3FaultProxy({ upstream: stores.endpoints().destination.url, seed: 20240301 });
    // The SDK's own retries are off: the backup's retries must carry the run through the faults.
    deps = stores.deps({
      destination: s3ClientFor(proxy.url),
      retry: { maxAttempts: 5, baseDelayMs: 2, maxDelayMs: 20 },
    });
    direct = s3ClientFor(stores.endpoints().destination.url);
    await putObjects(deps.source, bucket, numberedObjects(100, 'base/', 'v1'));
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('reports a complete run with its RPO measured from its own start, and an unchanged re-run copies nothing', async () => {
    const first = await backupBucket(deps, options);
    expect(first).toMatchObject({ complete: true, copied: 100, skipped: 0, failed: 0 });
    expect(first.rpoSeconds).toBeGreaterThanOrEqual(0);
    expect(first.rpoSeconds).toBeLessThanOrEqual(first.durationMs / 1000 + 1);
    expect(first.throughputBytesPerSecond).toBeGreaterThan(0);
    const again = await backupBucket(deps, options);
    expect(again).toMatchObject({ complete: true, toCopy: { objects: 0 }, copied: 0, bytesCopied: 0 });
  });

  it('survives 5% failed requests and a restart of the destination: re-run completes, nothing copied twice, every checksum matches', async () => {
    const before = new Set(await listKeys(direct, BACKUP_BUCKET, ''));
    await putObjects(deps.source, bucket, {
      ...numberedObjects(30, 'base/', 'v2'),
      ...numberedObjects(50, 'fresh/', 'v1'),
      'large/a.bin': patternBytes(6 * MiB + 123, 1),
      'large/b.bin': patternBytes(7 * MiB, 2),
    });
    await deps.source.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'base/0099.json' }));

    // Run 1: 5% faults, and the destination goes away for a while in the middle of the copy.
    proxy.setFailureRate(0.05);
    let dataWrites = 0;
    let restart: Promise<void> | undefined;
    proxy.onRequest((request) => {
      if (request.method === 'PUT' && request.path.includes(`/${dataPrefix}`)) dataWrites += 1;
      if (dataWrites === 25 && !restart) restart = proxy.restart(400);
    });
    const logStart = proxy.log.length;
    const previousComplete = await latestCompleteManifest({ ...deps, destination: direct }, bucket);
    // The first run may end incomplete (reported) or fail outright (a run file could not be written).
    const first = await backupBucket(deps, options).catch((error: unknown) => error);
    await restart;
    const firstComplete = !(first instanceof Error) && (first as BackupReport).complete;
    if (first instanceof Error) expect(first).toBeInstanceOf(TransientError);
    else if (!firstComplete) {
      expect((first as BackupReport).failed).toBeGreaterThan(0);
      // As the workflow's report measures it: from the start of the previous complete run.
      const sincePrevious = (Date.now() - runStartedAt(previousComplete!).getTime()) / 1000;
      expect(Math.abs((first as BackupReport).rpoSeconds! - sincePrevious)).toBeLessThan(1);
    }
    expect(restart).toBeDefined();
    const faults = proxy.log.slice(logStart).filter((request) => request.outcome !== 'forwarded');
    expect(faults.length).toBeGreaterThan(0);

    // The failed run deleted nothing: every object of the earlier complete backup is still there.
    const afterFirst = new Set(await listKeys(direct, BACKUP_BUCKET, ''));
    expect([...before].filter((key) => key.startsWith('data/') || key.startsWith('manifests/'))).toEqual(
      [...before].filter(
        (key) => afterFirst.has(key) && (key.startsWith('data/') || key.startsWith('manifests/')),
      ),
    );
    expect(
      proxy.log
        .slice(logStart)
        .some((request) => request.method === 'DELETE' && !request.path.includes(`/runs/${bucket}/`)),
    ).toBe(false);

    // Run 2: same faults, no restart. Only what run 1 did not finish is transferred.
    const completeAfterFirst = await completeDataKeys(direct);
    const finishedByFirst = [...completeAfterFirst].filter((key) => !before.has(key));
    const secondLogStart = proxy.log.length;
    const second = firstComplete ? (first as BackupReport) : await backupBucket(deps, options);
    expect(second.failures).toEqual([]);
    expect(second.complete).toBe(true);
    if (!firstComplete) {
      expect(second.skipped).toBe(finishedByFirst.length);
      expect(second.copied).toBe(second.toCopy.objects - finishedByFirst.length);
      const rewritten = proxy.log
        .slice(secondLogStart)
        .filter((request) => request.method === 'PUT' && request.path.startsWith(`/${BACKUP_BUCKET}/data/`))
        .map((request) => request.path.slice(`/${BACKUP_BUCKET}/`.length))
        .filter((key) => completeAfterFirst.has(key));
      expect(rewritten).toEqual([]);
    }
    // The large objects went multipart through the faulty endpoint.
    expect(proxy.log.some((request) => request.query.includes('partNumber='))).toBe(true);

    // Every live object of the manifest, re-read from the destination, matches its sha256 and the source.
    const manifest = await readManifest(
      { ...deps, destination: direct },
      { sourceBucket: bucket, runId: second.runId },
    );
    const entries = await collect(manifest.entries);
    const live = entries.filter((entry) => !entry.deleted);
    expect(live).toHaveLength(100 - 1 + 50 + 2);
    expect(entries.filter((entry) => entry.deleted).map((entry) => entry.key)).toEqual(['base/0099.json']);
    const mismatches: string[] = [];
    for (const entry of entries) {
      const copy = await readObject(direct, BACKUP_BUCKET, entry.destKey);
      if (sha256(copy) !== entry.sha256) mismatches.push(entry.key);
      if (!entry.deleted && !copy.equals(await readObject(deps.source, bucket, entry.key)))
        mismatches.push(entry.key);
    }
    expect(mismatches).toEqual([]);
  }, 90_000);
});
