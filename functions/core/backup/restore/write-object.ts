import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { InvalidInputError, ObjectStoreError } from '../../../commons/errors.ts';
import type { BackupDependencies } from '../dependencies.ts';
import type { ManifestEntry } from '../manifest.ts';
import { digestMismatch, hashObject } from '../verify/object-hash.ts';

/** S3's (and MinIO's) largest single PUT. */
const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

export interface WriteSettings {
  deps: BackupDependencies;
  targetBucket: string;
  runId: string;
  /** Objects up to this size are checked before they are written. */
  wholeObjectBytes: number;
}

/**
 * Copies one backed-up object into MinIO under its original key, then proves the write by reading
 * it back and hashing it (verifyWritten). An object up to `wholeObjectBytes` is read and hashed
 * before the PUT, so a corrupt backup copy is never written; a larger one is hashed as it streams
 * through and deleted again when its hash is wrong. The restored object carries `sha256` (a re-run
 * of the restore recognises it) and `restored-from-run`.
 */
export async function writeRestoredObject(settings: WriteSettings, entry: ManifestEntry): Promise<void> {
  const { deps, targetBucket, runId } = settings;
  if (entry.size > MAX_SINGLE_PUT_BYTES) {
    throw new InvalidInputError(
      `${entry.key} has ${entry.size} bytes: restoring objects above 5 GiB (multipart) is not supported yet`,
      { key: entry.key, size: entry.size },
    );
  }
  const response = await deps.destination.send(
    new GetObjectCommand({ Bucket: deps.destinationBucket, Key: entry.destKey }),
  );
  const body = response.Body as Readable & AsyncIterable<Uint8Array>;
  const where = `backup copy ${deps.destinationBucket}/${entry.destKey}`;
  const Metadata = { sha256: entry.sha256, 'restored-from-run': runId };
  const put = (Body: Buffer | Readable) =>
    deps.source.send(
      new PutObjectCommand({
        Bucket: targetBucket,
        Key: entry.key,
        Body,
        ContentLength: entry.size,
        Metadata,
      }),
    );
  if (entry.size <= settings.wholeObjectBytes) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    const content = Buffer.concat(chunks);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const mismatch = digestMismatch(entry, { sha256, size: content.length }, where);
    if (mismatch) throw new ObjectStoreError(`not restored: ${mismatch}`, { key: entry.key });
    await put(content);
  } else {
    const hash = createHash('sha256');
    let size = 0;
    // A Transform, not a 'data' listener: chunks must wait until the PUT reads them.
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    body.pipe(hashing);
    await put(hashing);
    const mismatch = digestMismatch(entry, { sha256: hash.digest('hex'), size }, where);
    if (mismatch) {
      await deps.source.send(new DeleteObjectCommand({ Bucket: targetBucket, Key: entry.key }));
      throw new ObjectStoreError(`written and deleted again: ${mismatch}`, { key: entry.key });
    }
  }
  await verifyWritten(settings, entry);
}

/**
 * Reads the written object back from MinIO (streamed: one chunk in memory whatever the size) and
 * compares its size and SHA-256 with the manifest's: the proof is the bytes MinIO now serves, not
 * the metadata this restore set itself. An object that does not verify is deleted again: it carries
 * the manifest's `sha256` metadata, so left in place a re-run of the restore would take it for
 * restored (target-state.ts compares that metadata) and end SUCCEEDED over bad bytes. The restore
 * only writes keys the target did not hold, so the deletion returns the key to its state before.
 */
async function verifyWritten({ deps, targetBucket }: WriteSettings, entry: ManifestEntry): Promise<void> {
  const where = `${targetBucket}/${entry.key} read back after writing`;
  const mismatch = digestMismatch(
    entry,
    await hashObject(deps.source, targetBucket, entry.key, deps.retry),
    where,
  );
  if (mismatch) {
    await deps.source.send(new DeleteObjectCommand({ Bucket: targetBucket, Key: entry.key }));
    throw new ObjectStoreError(`written and deleted again, it does not verify: ${mismatch}`, {
      key: entry.key,
    });
  }
}
