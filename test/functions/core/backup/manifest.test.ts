import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManifestTamperedError } from '../../../../functions/commons/errors.ts';
import type { BackupDependencies } from '../../../../functions/core/backup/dependencies.ts';
import { JsonLinesWriter, MIN_PART_BYTES } from '../../../../functions/core/backup/json-lines.ts';
import { dataKey, manifestKey } from '../../../../functions/core/backup/layout.ts';
import {
  latestCompleteManifest,
  MANIFEST_FORMAT,
  type ManifestEntry,
  readManifest,
} from '../../../../functions/core/backup/manifest.ts';
import { BACKUP_BUCKET, collect, listKeys, sha256, useBackupEndpoints } from './support/backup-endpoints.ts';

const bucket = 'trades';

function header(runId: string, objects: number) {
  return {
    format: MANIFEST_FORMAT,
    runId,
    sourceBucket: bucket,
    sourceEndpoint: 'http://minio:9000',
    startedAt: '2024-03-01T09:00:00.000Z',
    completedAt: '2024-03-01T09:01:00.000Z',
    previousRunId: null,
    objects,
    bytes: objects * 10,
    postgres: null,
  };
}

function entry(key: string): ManifestEntry {
  return {
    key,
    size: 10,
    etag: 'abc123',
    sha256: sha256(key),
    lastModified: '2024-03-01T08:00:00.000Z',
    destKey: dataKey(bucket, key, 'abc123'),
    deleted: false,
  };
}

async function writeManifest(deps: BackupDependencies, runId: string, entries: ManifestEntry[]) {
  const writer = new JsonLinesWriter({
    s3: deps.destination,
    bucket: deps.destinationBucket,
    key: manifestKey(bucket, runId),
  });
  await writer.write(header(runId, entries.length));
  for (const line of entries) await writer.write(line);
  return writer.close();
}

describe('manifest', () => {
  const stores = useBackupEndpoints([bucket]);
  let deps: BackupDependencies;
  beforeAll(async () => {
    deps = stores.deps();
  });

  it('reads back what was written, with the checksum recorded as manifest-sha256', async () => {
    const runId = '20240301T090000Z-00000001';
    const entries = ['a', 'b/ü', 'b/日本', 'dir/', 'with space'].map(entry);
    const written = await writeManifest(deps, runId, entries);
    const manifest = await readManifest(deps, { sourceBucket: bucket, runId });
    expect(manifest.header).toEqual(header(runId, entries.length));
    expect(await collect(manifest.entries)).toEqual(entries);
    const stored = await deps.destination.send(
      new GetObjectCommand({ Bucket: BACKUP_BUCKET, Key: manifestKey(bucket, runId) }),
    );
    const body = await stored.Body!.transformToString();
    expect(stored.Metadata?.['manifest-sha256']).toBe(written.sha256);
    expect(sha256(body)).toBe(written.sha256);
  });

  it('throws ManifestTamperedError when the body no longer matches its checksum', async () => {
    const runId = '20240301T090000Z-00000002';
    const written = await writeManifest(deps, runId, [entry('a'), entry('b')]);
    const key = manifestKey(bucket, runId);
    const original = await (
      await deps.destination.send(new GetObjectCommand({ Bucket: BACKUP_BUCKET, Key: key }))
    ).Body!.transformToString();
    await deps.destination.send(
      new PutObjectCommand({
        Bucket: BACKUP_BUCKET,
        Key: key,
        Body: original.replace('"size":10', '"size":11'),
        Metadata: { 'manifest-sha256': written.sha256 },
      }),
    );
    const manifest = await readManifest(deps, { sourceBucket: bucket, runId });
    await expect(collect(manifest.entries)).rejects.toThrow(ManifestTamperedError);
    await expect(
      collect((await readManifest(deps, { sourceBucket: bucket, runId })).entries),
    ).rejects.toThrow(/does not match its manifest-sha256/);
  });

  it('throws ManifestTamperedError when the checksum is missing', async () => {
    const runId = '20240301T090000Z-00000003';
    await deps.destination.send(
      new PutObjectCommand({
        Bucket: BACKUP_BUCKET,
        Key: manifestKey(bucket, runId),
        Body: `${JSON.stringify(header(runId, 1))}\n${JSON.stringify(entry('a'))}\n`,
      }),
    );
    const manifest = await readManifest(deps, { sourceBucket: bucket, runId });
    await expect(collect(manifest.entries)).rejects.toThrow(/has no manifest-sha256 metadata/);
  });

  it('refuses entries out of key order even with a valid checksum', async () => {
    const runId = '20240301T090000Z-00000004';
    await writeManifest(deps, runId, [entry('b'), entry('a')]);
    const manifest = await readManifest(deps, { sourceBucket: bucket, runId });
    await expect(collect(manifest.entries)).rejects.toThrow(/key "a" is not after "b"/);
  });

  it('writes a large file as a multipart upload that appears complete and checksummed at its key', async () => {
    const runId = '20240301T090000Z-00000005';
    const entries = Array.from({ length: 26_000 }, (_, index) =>
      entry(`k/${String(index).padStart(6, '0')}`),
    );
    const written = await writeManifest(deps, runId, entries);
    expect(written.bytes).toBeGreaterThan(MIN_PART_BYTES);
    const manifest = await readManifest(deps, { sourceBucket: bucket, runId });
    expect((await collect(manifest.entries)).length).toBe(entries.length);
    expect(await listKeys(deps.destination, BACKUP_BUCKET, `manifests/${bucket}/${runId}`)).toEqual([
      manifestKey(bucket, runId),
    ]);
  });

  it('splits lines of many-byte characters across parts of at least 5 MiB and reads them back byte for byte', async () => {
    const key = 'json-lines/multibyte.jsonl';
    // 3- and 4-byte characters in lines of odd lengths, so a part boundary falls inside a character.
    const lines = Array.from({ length: 40_000 }, (_, index) => ({
      index,
      text: `€😀日本-${'ü'.repeat(index % 197)}`,
    }));
    const parts: number[] = [];
    const counting = stores.deps().destination;
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Body?: Uint8Array };
        if (context.commandName === 'UploadPartCommand') parts.push(input.Body?.length ?? 0);
        return next(args);
      },
      { step: 'initialize', name: 'countParts' },
    );
    const writer = new JsonLinesWriter({ s3: counting, bucket: BACKUP_BUCKET, key });
    for (const line of lines) await writer.write(line);
    const written = await writer.close();

    const expected = Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''), 'utf8');
    expect(parts.length).toBeGreaterThan(1);
    for (const size of parts.slice(0, -1)) expect(size).toBeGreaterThanOrEqual(MIN_PART_BYTES);
    expect(parts.reduce((sum, size) => sum + size, 0)).toBe(expected.length);
    expect(written).toMatchObject({ bytes: expected.length, lines: lines.length, sha256: sha256(expected) });
    const { Body } = await deps.destination.send(new GetObjectCommand({ Bucket: BACKUP_BUCKET, Key: key }));
    expect(Buffer.from(await Body!.transformToByteArray()).equals(expected)).toBe(true);
  });

  it('finds the newest complete manifest by run id, ignoring other objects', async () => {
    await deps.destination.send(
      new PutObjectCommand({
        Bucket: BACKUP_BUCKET,
        Key: `manifests/${bucket}/20991231T000000Z-ffffffff.jsonl.uploading`,
        Body: 'partial',
      }),
    );
    expect(await latestCompleteManifest(deps, bucket)).toBe('20240301T090000Z-00000005');
    expect(await latestCompleteManifest(deps, 'other-bucket')).toBeUndefined();
  });
});
