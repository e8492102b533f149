import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type ListedObject, listObjects } from '../../backup/listing.ts';
import { type Joined, mergeJoin } from '../../backup/merge-join.ts';
import { defaultRetryPolicy, type RetryPolicy, withRetries } from '../../backup/retry.ts';
import { isNotFound } from '../../backup/s3-calls.ts';

/**
 * The difference between two listings, in either direction (docs/dr.md, "Reconciler"): MinIO ->
 * replica for the reconciler, replica -> MinIO for failback's resync. Each side is a bucket and a
 * prefix; keys are compared with the prefix taken off, so `market/ticks/1.json` in the replica
 * pairs with `ticks/1.json` in MinIO's `market`. Both listings stream through a merge join, one
 * page each at a time: no listing is ever held whole.
 */
export interface ListingSide {
  s3: S3Client;
  bucket: string;
  /** '' for a whole bucket. */
  prefix: string;
}

export type ListingPair = Joined<ListedObject, ListedObject>;

export function pairListings(
  source: ListingSide,
  target: ListingSide,
  retry: RetryPolicy = defaultRetryPolicy,
): AsyncGenerator<ListingPair> {
  return mergeJoin(unprefixed(source, retry), unprefixed(target, retry));
}

async function* unprefixed(side: ListingSide, retry: RetryPolicy): AsyncGenerator<ListedObject> {
  for await (const object of listObjects(side.s3, side.bucket, { prefix: side.prefix || undefined, retry })) {
    yield { ...object, key: object.key.slice(side.prefix.length) };
  }
}

/** `missing`: only the source has it; `extra`: only the target; `changed`: both, different content. */
export type Difference = 'same' | 'missing' | 'extra' | 'changed';

/**
 * Whether the two sides hold the same content. Equal sizes and ETags settle it without a request
 * (a single-part copy has the MD5 ETag of its source). Otherwise the copy's provenance decides:
 * a copy written by the backup core carries its source's ETag (`source-etag`) and its SHA-256, so
 * the target's, then the source's metadata are read (failback compares the other way round).
 */
export async function compareListed(
  source: ListingSide,
  target: ListingSide,
  pair: ListingPair,
  retry: RetryPolicy = defaultRetryPolicy,
): Promise<Difference> {
  if (!pair.right) return 'missing';
  if (!pair.left) return 'extra';
  if (pair.left.size !== pair.right.size) return 'changed';
  if (pair.left.etag === pair.right.etag) return 'same';
  const targetMetadata = await metadataOf(target, pair.key, retry);
  if (targetMetadata?.['source-etag'] === pair.left.etag) return 'same';
  const sourceMetadata = await metadataOf(source, pair.key, retry);
  if (sourceMetadata?.['source-etag'] === pair.right.etag) return 'same';
  const sourceSha = sourceMetadata?.sha256;
  return sourceSha !== undefined && sourceSha === targetMetadata?.sha256 ? 'same' : 'changed';
}

async function metadataOf(
  side: ListingSide,
  key: string,
  retry: RetryPolicy,
): Promise<Record<string, string> | undefined> {
  const Key = `${side.prefix}${key}`;
  return withRetries(
    `HeadObject ${side.bucket}/${Key}`,
    async () => {
      try {
        return (await side.s3.send(new HeadObjectCommand({ Bucket: side.bucket, Key }))).Metadata ?? {};
      } catch (error) {
        // Gone since the listing: the repair will look at it afresh.
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    retry,
  );
}
