import { latestCompleteManifest, readManifest } from '../../../functions/core/backup/manifest.ts';
import { MARKET_DATA_BUCKET } from '../../lakehouse/seed/buckets.ts';
import {
  type BackupBucketAccess,
  backupBucketClientOf,
  deleteKeys,
  type MinioAccess,
  minioClientOf,
  readObject,
  readPrefix,
  type StoredObject,
  sha256Of,
  withClient,
  writeObject,
} from './object-store.ts';

/**
 * The damage the backup drill does and undoes: a backed-up copy whose bytes rot in the backup
 * bucket, and a prefix an operator deletes from MinIO by mistake. Each returns what it did (the
 * scenario judges the workflow against it) and how to put the lakehouse back for later scenarios.
 */

/** The seeded bucket the verify-backup and restore scenarios work on. */
export const DRILL_BUCKET = MARKET_DATA_BUCKET;
/** The prefix the restore scenarios delete from MinIO and bring back (four Parquet files). */
export const DELETED_PREFIX = 'trades/exchange=kraken/';
/**
 * The object whose backup copy verify-backup must catch corrupted. It lies under DELETED_PREFIX,
 * so the later restore (which verifies every object it writes) also proves the copy was repaired.
 */
export const CORRUPTED_KEY = `${DELETED_PREFIX}date=2025-01-15/part-0000.parquet`;

export interface CorruptedCopy {
  readonly sourceBucket: string;
  readonly key: string;
  readonly runId: string;
  /** The copy in the backup bucket (`data/<bucket>/<key>/<etag>`) the manifest points to. */
  readonly destKey: string;
  /** What the manifest, and the copy's own `sha256` metadata, still say. */
  readonly recordedSha256: string;
  readonly corruptedSha256: string;
  /** Writes the original bytes back and proves they hash to the recorded SHA-256 again. */
  repair(): Promise<void>;
}

/**
 * Flips one bit in the middle of the backup copy of `key` referenced by the bucket's newest
 * manifest, keeping its size and its metadata (the `sha256` included): bit rot that only a re-read
 * of the bytes can notice, not a HEAD or a size comparison.
 */
export async function corruptBackupCopy(
  lakehouse: BackupBucketAccess,
  sourceBucket: string,
  key: string,
): Promise<CorruptedCopy> {
  const backupBucket = lakehouse.backup.bucketName;
  const backupS3 = () => backupBucketClientOf(lakehouse);
  const { runId, entry } = await withClient(backupS3(), (s3) =>
    manifestEntryOf({ destination: s3, destinationBucket: backupBucket }, sourceBucket, key),
  );
  const original = await withClient(backupS3(), (s3) => readObject(s3, backupBucket, entry.destKey));
  if (!original || original.body.length === 0) {
    throw new Error(
      `corruptBackupCopy: ${backupBucket}/${entry.destKey} (the backup of ${sourceBucket}/${key}) is missing or empty`,
    );
  }
  const corrupted = Buffer.from(original.body);
  const middle = Math.floor(corrupted.length / 2);
  corrupted[middle] = (corrupted[middle] ?? 0) ^ 0x01;
  await withClient(backupS3(), (s3) => writeObject(s3, backupBucket, { ...original, body: corrupted }));

  return {
    sourceBucket,
    key,
    runId,
    destKey: entry.destKey,
    recordedSha256: entry.sha256,
    corruptedSha256: sha256Of(corrupted),
    repair: () =>
      withClient(backupS3(), async (s3) => {
        await writeObject(s3, backupBucket, original);
        const repaired = await readObject(s3, backupBucket, entry.destKey);
        const sha256 = repaired && sha256Of(repaired.body);
        if (sha256 !== entry.sha256) {
          throw new Error(
            `corruptBackupCopy: ${backupBucket}/${entry.destKey} hashes to ${sha256 ?? '(missing)'} after the repair, the manifest says ${entry.sha256}`,
          );
        }
      }),
  };
}

/** The live entry of `key` in the newest complete manifest of the bucket (its checksum verified). */
async function manifestEntryOf(deps: Parameters<typeof readManifest>[0], sourceBucket: string, key: string) {
  const runId = await latestCompleteManifest(deps, sourceBucket);
  if (runId === undefined) {
    throw new Error(`corruptBackupCopy: ${sourceBucket} has no complete backup yet; run the backup first`);
  }
  const manifest = await readManifest(deps, { sourceBucket, runId });
  let found: { destKey: string; sha256: string } | undefined;
  // Read to the end even after the match: the manifest's checksum is verified there.
  for await (const entry of manifest.entries) {
    if (entry.key === key && !entry.deleted) found = { destKey: entry.destKey, sha256: entry.sha256 };
  }
  if (!found) {
    throw new Error(`corruptBackupCopy: backup run ${runId} of ${sourceBucket} holds no live object ${key}`);
  }
  return { runId, entry: found };
}

export interface DeletedPrefix {
  readonly bucket: string;
  readonly prefix: string;
  /** What was there before the deletion, bytes and metadata included, in listing order. */
  readonly objects: readonly StoredObject[];
  /** Puts back every object that is missing or differs from before; identical ones are left alone. */
  repair(): Promise<void>;
}

/** Deletes every object under the prefix of a MinIO bucket, after reading them all. */
export async function deleteMinioPrefix(
  lakehouse: MinioAccess,
  bucket: string,
  prefix: string,
): Promise<DeletedPrefix> {
  const minio = () => minioClientOf(lakehouse);
  const objects = await withClient(minio(), (s3) => readPrefix(s3, bucket, prefix));
  if (objects.length === 0) {
    throw new Error(`deleteMinioPrefix: ${bucket}/${prefix} holds no objects, so deleting it proves nothing`);
  }
  await withClient(minio(), (s3) =>
    deleteKeys(
      s3,
      bucket,
      objects.map((object) => object.key),
    ),
  );
  return {
    bucket,
    prefix,
    objects,
    repair: () =>
      withClient(minio(), async (s3) => {
        for (const object of objects) {
          const current = await readObject(s3, bucket, object.key);
          if (!current?.body.equals(object.body)) await writeObject(s3, bucket, object);
        }
      }),
  };
}

/**
 * How the objects under a prefix now differ from a snapshot, byte for byte: missing, different or
 * extra keys. Empty when every object is back exactly as it was.
 */
export function differencesFrom(before: readonly StoredObject[], now: readonly StoredObject[]): string[] {
  const current = new Map(now.map((object) => [object.key, object]));
  const problems: string[] = [];
  for (const object of before) {
    const found = current.get(object.key);
    current.delete(object.key);
    if (!found) problems.push(`${object.key} is missing`);
    else if (!found.body.equals(object.body)) {
      problems.push(
        `${object.key} differs: ${found.body.length} bytes with SHA-256 ${sha256Of(found.body)}, before the deletion ${object.body.length} bytes with SHA-256 ${sha256Of(object.body)}`,
      );
    }
  }
  for (const key of current.keys()) problems.push(`${key} was not there before the deletion`);
  return problems;
}
