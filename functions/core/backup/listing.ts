import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { ObjectStoreError, UnknownBucketError } from '../../commons/errors.ts';
import { compareKeys, normaliseEtag } from './layout.ts';
import { defaultRetryPolicy, type RetryPolicy, withRetries } from './retry.ts';

/** One object of a listing, with the fields the backup compares. */
export interface ListedObject {
  key: string;
  size: number;
  /** Normalised (see layout.ts `normaliseEtag`). */
  etag: string;
  lastModified: string;
}

export interface ListOptions {
  prefix?: string;
  /** Keys per ListObjectsV2 page (S3's maximum and default is 1000). */
  pageSize?: number;
  retry?: RetryPolicy;
  /**
   * Fail on keys out of ascending UTF-8 order (default true). Callers that do not merge-join the
   * listing turn it off: s3rver lists in directory-walk order, `a/b/1` before `a/b.json`.
   */
  checkOrder?: boolean;
}

/**
 * The objects of a bucket in key order, one ListObjectsV2 page at a time: a bucket of millions of
 * objects never sits in memory. A missing bucket is an UnknownBucketError naming it. The order is
 * checked, because the merge join downstream silently misclassifies objects if it is wrong.
 *
 * The first page is requested at once, before the caller iterates, and each next page while the
 * caller works through the current one: a plan overlaps the listing with reading the previous
 * manifest, and the merge join with the next request (at most two pages are held).
 */
export function listObjects(
  s3: S3Client,
  bucket: string,
  { prefix, pageSize = 1000, retry = defaultRetryPolicy, checkOrder = true }: ListOptions = {},
): AsyncGenerator<ListedObject> {
  const fetchPage = (token: string | undefined): Promise<ListObjectsV2CommandOutput> => {
    const page = withRetries(
      `ListObjectsV2 ${bucket}/${prefix ?? ''}`,
      async () => {
        try {
          return await s3.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              MaxKeys: pageSize,
              ContinuationToken: token,
            }),
          );
        } catch (error) {
          if ((error as Error).name === 'NoSuchBucket') {
            throw new UnknownBucketError(
              `bucket ${JSON.stringify(bucket)} does not exist (or these credentials cannot see it)`,
              { bucket },
              { cause: error },
            );
          }
          throw error;
        }
      },
      retry,
    );
    // Awaited by the iteration below; this keeps a listing nobody iterates from an unhandled rejection.
    page.catch(() => undefined);
    return page;
  };

  async function* objects(): AsyncGenerator<ListedObject> {
    let pending: Promise<ListObjectsV2CommandOutput> | undefined = fetchPage(undefined);
    let previousKey: string | undefined;
    while (pending) {
      const page: ListObjectsV2CommandOutput = await pending;
      const token: string | undefined = page.IsTruncated ? page.NextContinuationToken : undefined;
      pending = token ? fetchPage(token) : undefined;
      for (const object of page.Contents ?? []) {
        const key = object.Key ?? '';
        if (checkOrder && previousKey !== undefined && compareKeys(previousKey, key) >= 0) {
          throw new ObjectStoreError(
            `ListObjectsV2 ${bucket} returned ${JSON.stringify(key)} after ${JSON.stringify(previousKey)}: not in ascending UTF-8 order`,
            { bucket, key, previousKey },
          );
        }
        previousKey = key;
        yield {
          key,
          size: object.Size ?? 0,
          etag: normaliseEtag(object.ETag ?? ''),
          lastModified: (object.LastModified ?? new Date(0)).toISOString(),
        };
      }
    }
  }
  return objects();
}
