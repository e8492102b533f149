import { DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { namedError, TransientError } from '../../../commons/errors.ts';
import type { ByteBudget } from '../../backup/concurrency.ts';
import { copySourceObject, SourceChangedError } from '../../backup/copy.ts';
import { normaliseEtag } from '../../backup/layout.ts';
import type { ObjectTransportFactory } from '../../backup/object-transport.ts';
import { defaultRetryPolicy, type RetryPolicy, withRetries } from '../../backup/retry.ts';
import { isNotFound } from '../../backup/s3-calls.ts';
import { replicaKey } from './replica-layout.ts';

/**
 * Brings one object's replica to the state its MinIO source has now (docs/dr.md, "State-based
 * idempotency"): HEAD the source; if it exists, copy it unless the replica's current version is
 * already that source version (same source ETag and size, with a SHA-256); if it is gone, delete
 * the replica key (a delete marker in the versioned bucket) unless it is already absent. Events
 * only say which object to look at, so a duplicate, a late or a reordered event changes nothing.
 *
 * Two invocations may work on one object at once (its events are separate messages). After
 * writing, the source is read again: when it changed meanwhile, the round starts over, so the
 * last writer always wrote the newest state.
 */
export interface ReplicationStores {
  /** MinIO. */
  source: S3Client;
  /** S3 in the DR region. */
  replica: S3Client;
  replicaBucket: string;
  /** Whole-object buffers of the copies in flight, shared by one invocation. */
  buffers: ByteBudget;
  multipartThresholdBytes?: number;
  partBytes?: number;
  retry?: RetryPolicy;
  /** How each object's GET and PUT are sent (BackupDependencies.objectTransport; direct by default). */
  objectTransport?: ObjectTransportFactory;
}

export type SyncOutcome = 'copied' | 'unchanged' | 'deleted' | 'absent';

export interface SyncResult {
  bucket: string;
  key: string;
  outcome: SyncOutcome;
  /** The source version the replica now holds, when the source exists. */
  source?: SourceState;
}

export interface SourceState {
  etag: string;
  size: number;
  lastModified: string;
}

/** The source changed under every attempt to copy it; the message is retried later. */
export class ReplicationRaceError extends namedError('ReplicationRaceError', TransientError) {}

const MAX_ROUNDS = 3;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export async function syncObject(
  stores: ReplicationStores,
  bucket: string,
  key: string,
): Promise<SyncResult> {
  // What an earlier round wrote before the source moved on: still this sync's doing.
  let written: SyncOutcome | undefined;
  for (let round = 1; round <= MAX_ROUNDS; round += 1) {
    const source = await headSource(stores, bucket, key);
    const outcome = source
      ? await replicateVersion(stores, bucket, key, source)
      : await removeReplica(stores, bucket, key);
    if (outcome === undefined) continue;
    if (outcome === 'unchanged' || outcome === 'absent') {
      return { bucket, key, outcome: written ?? outcome, source };
    }
    written = outcome;
    const after = await headSource(stores, bucket, key);
    if (sameState(source, after)) return { bucket, key, outcome, source };
  }
  throw new ReplicationRaceError(
    `${bucket}/${key} changed at the source during each of ${MAX_ROUNDS} attempts to replicate it`,
    { bucket, key },
  );
}

/** Copies `source` unless the replica has it; undefined when the source changed under the copy. */
async function replicateVersion(
  stores: ReplicationStores,
  bucket: string,
  key: string,
  source: SourceState,
): Promise<SyncOutcome | undefined> {
  const destKey = replicaKey(bucket, key);
  if (await replicaHolds(stores, destKey, source)) return 'unchanged';
  try {
    await withRetries(
      `replicate ${bucket}/${key}`,
      () =>
        copySourceObject(
          {
            deps: {
              source: stores.source,
              destination: stores.replica,
              destinationBucket: stores.replicaBucket,
              retry: stores.retry,
              objectTransport: stores.objectTransport,
            },
            sourceBucket: bucket,
            buffers: stores.buffers,
            multipartThresholdBytes: stores.multipartThresholdBytes,
            partBytes: stores.partBytes,
          },
          { key, destKey, ...source },
        ),
      retryOf(stores),
    );
    return 'copied';
  } catch (error) {
    if (error instanceof SourceChangedError) return undefined;
    throw error;
  }
}

async function removeReplica(stores: ReplicationStores, bucket: string, key: string): Promise<SyncOutcome> {
  const Key = replicaKey(bucket, key);
  const Bucket = stores.replicaBucket;
  // A HEAD of a key whose current version is a delete marker is a 404 too: nothing to write.
  const head = await headOrUndefined(stores, stores.replica, Bucket, Key);
  if (!head) return 'absent';
  await withRetries(
    `DeleteObject ${Bucket}/${Key}`,
    () => stores.replica.send(new DeleteObjectCommand({ Bucket, Key })),
    retryOf(stores),
  );
  return 'deleted';
}

async function replicaHolds(
  stores: ReplicationStores,
  destKey: string,
  source: SourceState,
): Promise<boolean> {
  const head = await headOrUndefined(stores, stores.replica, stores.replicaBucket, destKey);
  const sha256 = head?.Metadata?.sha256;
  return (
    head?.Metadata?.['source-etag'] === source.etag &&
    head.ContentLength === source.size &&
    sha256 !== undefined &&
    SHA256_HEX.test(sha256)
  );
}

export async function headSource(
  stores: Pick<ReplicationStores, 'source' | 'retry'>,
  bucket: string,
  key: string,
): Promise<SourceState | undefined> {
  const head = await headOrUndefined(stores, stores.source, bucket, key);
  if (!head) return undefined;
  return {
    etag: normaliseEtag(head.ETag ?? ''),
    size: head.ContentLength ?? 0,
    lastModified: (head.LastModified ?? new Date(0)).toISOString(),
  };
}

async function headOrUndefined(
  stores: Pick<ReplicationStores, 'retry'>,
  s3: S3Client,
  Bucket: string,
  Key: string,
): Promise<
  | { ETag?: string; ContentLength?: number; LastModified?: Date; Metadata?: Record<string, string> }
  | undefined
> {
  return withRetries(
    `HeadObject ${Bucket}/${Key}`,
    async () => {
      try {
        return await s3.send(new HeadObjectCommand({ Bucket, Key }));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    retryOf(stores),
  );
}

function sameState(before: SourceState | undefined, after: SourceState | undefined): boolean {
  if (!before || !after) return before === after;
  return before.etag === after.etag && before.size === after.size;
}

function retryOf(stores: Pick<ReplicationStores, 'retry'>): RetryPolicy {
  return stores.retry ?? defaultRetryPolicy;
}
