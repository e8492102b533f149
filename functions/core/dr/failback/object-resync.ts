import { DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { namedError } from '../../../commons/errors.ts';
import { copySourceObject, SourceChangedError } from '../../backup/copy.ts';
import { defaultRetryPolicy, type RetryPolicy, withRetries } from '../../backup/retry.ts';
import { isNotFound } from '../../backup/s3-calls.ts';
import type { ListingPair } from '../replication/listing-diff.ts';
import type { ReplicationStores } from '../replication/object-sync.ts';
import { replicaKey } from '../replication/replica-layout.ts';

/**
 * What failback does with one key whose replica and MinIO differ (docs/dr.md, "Failback"). After a
 * failover the replica is the truth: the DR side wrote to it, MinIO was fenced.
 *
 * - In the replica, not in MinIO, or different: copied into MinIO (streamed, SHA-256 computed on the
 *   way and checked against the replica's own `sha256` when replication wrote one).
 * - In MinIO only: deleted from MinIO when MinIO's object is older than the cutoff (the moment the
 *   primary's buckets were fenced, or the failover opened when they never were): the DR side deleted
 *   it, or it never reached the replica before the failover and the DR side ran without it (that
 *   loss is the failover's RPO). It is also deleted when the resync itself wrote it (the DR side
 *   deleted it since).
 * - A MinIO object written after the cutoff by anything but the resync is a write the fence did not
 *   stop (MinIO's root user, or a primary that was lost, not fenced, and kept writing): it is never
 *   overwritten or deleted automatically but reported as a `conflict`, which keeps the diff from
 *   being zero until a person settles it.
 */
export type ResyncAction = 'copied' | 'deleted' | 'conflict';

export interface ResyncTarget {
  readonly stores: ReplicationStores;
  readonly bucket: string;
  /** Epoch milliseconds: MinIO objects older than this were there when the failover began. */
  readonly cutoff: number;
}

/** The copy in MinIO does not hash to what the replica recorded, or did not land whole. */
export class FailbackChecksumError extends namedError('FailbackChecksumError') {}

export interface ObjectOutcome {
  readonly action: ResyncAction;
  readonly bytes: number;
  readonly reason?: string;
}

export async function resyncObject(
  target: ResyncTarget,
  pair: ListingPair,
  difference: 'missing' | 'extra' | 'changed',
): Promise<ObjectOutcome> {
  const { bucket } = target;
  const minioObject = pair.right;
  if (minioObject && !(await replaceable(target, pair.key, Date.parse(minioObject.lastModified)))) {
    return {
      action: 'conflict',
      bytes: 0,
      reason: `MinIO's ${bucket}/${pair.key} was written at ${minioObject.lastModified}, after the failover began, by something other than the resync`,
    };
  }
  if (difference === 'extra') {
    await withRetries(
      `DeleteObject ${bucket}/${pair.key}`,
      () => target.stores.source.send(new DeleteObjectCommand({ Bucket: bucket, Key: pair.key })),
      retryOf(target),
    );
    return { action: 'deleted', bytes: 0 };
  }
  const replicaObject = pair.left;
  if (!replicaObject) throw new Error(`resync of ${bucket}/${pair.key}: no replica object to copy`);
  const { stores } = target;
  const sourceKey = replicaKey(bucket, pair.key);
  const recorded = (await headMetadata(stores.replica, stores.replicaBucket, sourceKey, retryOf(target)))
    ?.sha256;
  const sha256 = await copySourceObject(
    {
      deps: {
        source: stores.replica,
        destination: stores.source,
        destinationBucket: bucket,
        retry: stores.retry,
        objectTransport: stores.objectTransport,
      },
      sourceBucket: stores.replicaBucket,
      buffers: stores.buffers,
      multipartThresholdBytes: stores.multipartThresholdBytes,
      partBytes: stores.partBytes,
    },
    { ...replicaObject, key: sourceKey, destKey: pair.key },
  );
  await verifyCopy(target, pair.key, replicaObject.size, sha256, recorded);
  return { action: 'copied', bytes: replicaObject.size };
}

/** Whether the resync may overwrite or delete MinIO's object: older than the cutoff, or its own copy. */
async function replaceable(target: ResyncTarget, key: string, lastModified: number): Promise<boolean> {
  // Listings may give whole seconds: an object of the cutoff's own second might be from after it.
  if (lastModified < Math.floor(target.cutoff / 1000) * 1000) return true;
  const metadata = await headMetadata(target.stores.source, target.bucket, key, retryOf(target));
  // Gone since the listing: nothing of anyone's to protect.
  if (!metadata) return true;
  return isResyncCopy(metadata);
}

/** A copy written by the backup copy core carries its source's ETag and its SHA-256; a workload's object does not. */
export function isResyncCopy(metadata: Record<string, string>): boolean {
  return metadata['source-etag'] !== undefined && /^[0-9a-f]{64}$/.test(metadata.sha256 ?? '');
}

async function verifyCopy(
  target: ResyncTarget,
  key: string,
  size: number,
  sha256: string,
  recorded: string | undefined,
): Promise<void> {
  const where = `${target.bucket}/${key}`;
  if (recorded !== undefined && recorded !== sha256) {
    throw new FailbackChecksumError(
      `the replica's ${where} hashes to ${sha256} but replication recorded ${recorded}: the replica copy is damaged; restore it from an older version of the replica bucket`,
      { bucket: target.bucket, key, sha256, recorded },
    );
  }
  const head = await target.stores.source.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
  if (head.ContentLength !== size || head.Metadata?.sha256 !== sha256) {
    throw new FailbackChecksumError(
      `MinIO's copy of ${where} is ${head.ContentLength} bytes with sha256 ${head.Metadata?.sha256}; expected ${size} bytes with ${sha256}`,
      { bucket: target.bucket, key },
    );
  }
}

async function headMetadata(
  s3: S3Client,
  Bucket: string,
  Key: string,
  retry: RetryPolicy,
): Promise<Record<string, string> | undefined> {
  return withRetries(
    `HeadObject ${Bucket}/${Key}`,
    async () => {
      try {
        return (await s3.send(new HeadObjectCommand({ Bucket, Key }))).Metadata ?? {};
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    retry,
  );
}

/** The DR side changed the object while it was copied: the next pass copies the new version. */
export function isSourceChange(error: unknown): boolean {
  return error instanceof SourceChangedError;
}

function retryOf(target: ResyncTarget): RetryPolicy {
  return target.stores.retry ?? defaultRetryPolicy;
}
