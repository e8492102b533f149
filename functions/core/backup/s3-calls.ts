import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ObjectStoreError } from '../../commons/errors.ts';
import { httpStatusOf } from '../../commons/transient-errors.ts';
import { listObjects } from './listing.ts';
import { defaultRetryPolicy, type RetryPolicy, withRetries } from './retry.ts';

/** Small S3 operations the backup steps share, each retried on transient failures. */

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);

export function isNotFound(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return (typeof name === 'string' && NOT_FOUND_NAMES.has(name)) || httpStatusOf(error) === 404;
}

/**
 * A key as the S3 client puts it in a path: each segment percent-encoded (RFC 3986 unreserved
 * characters kept, `!'()*` encoded too), the `/` separators kept.
 */
export function encodeObjectKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

/**
 * `x-amz-copy-source`: S3 URL-decodes it, so the key is encoded as in a path. s3rver decodes it
 * with `decodeURI`, which leaves reserved characters (`+`, `&`, `=`, `?`...) encoded: keys with
 * them cannot be copied there.
 */
export function encodeCopySource(bucket: string, key: string): string {
  return `${bucket}/${encodeObjectKey(key)}`;
}

export async function objectExists(
  s3: S3Client,
  bucket: string,
  key: string,
  retry: RetryPolicy = defaultRetryPolicy,
): Promise<boolean> {
  return withRetries(
    `HeadObject ${bucket}/${key}`,
    async () => {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
    retry,
  );
}

export async function putJson(
  s3: S3Client,
  bucket: string,
  key: string,
  value: unknown,
  retry: RetryPolicy = defaultRetryPolicy,
): Promise<void> {
  const body = JSON.stringify(value);
  await withRetries(
    `PutObject ${bucket}/${key}`,
    () =>
      s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
      ),
    retry,
  );
}

export async function getJson(
  s3: S3Client,
  bucket: string,
  key: string,
  retry: RetryPolicy = defaultRetryPolicy,
): Promise<unknown> {
  const text = await withRetries(
    `GetObject ${bucket}/${key}`,
    async () => {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await Body?.transformToString('utf8')) ?? '';
    },
    retry,
  );
  return JSON.parse(text);
}

const DELETE_BATCH = 1000;

/** Deletes every object under `prefix` (DeleteObjects, 1000 keys a request). Returns how many. */
export async function deletePrefix(
  s3: S3Client,
  bucket: string,
  prefix: string,
  retry: RetryPolicy = defaultRetryPolicy,
): Promise<number> {
  let deleted = 0;
  let pending: string[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await deleteKeys(s3, bucket, pending, retry);
    deleted += pending.length;
    pending = [];
  };
  for await (const object of listObjects(s3, bucket, { prefix, retry, checkOrder: false })) {
    pending.push(object.key);
    if (pending.length >= DELETE_BATCH) await flush();
  }
  await flush();
  return deleted;
}

/** Deletes the given keys (at most 1000); a key that failed to delete fails the call. */
export async function deleteKeys(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
  retry: RetryPolicy = defaultRetryPolicy,
): Promise<void> {
  if (keys.length === 0) return;
  const output = await withRetries(
    `DeleteObjects ${bucket} (${keys.length} keys)`,
    () =>
      s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
      ),
    retry,
  );
  const failed = output.Errors ?? [];
  if (failed.length > 0) {
    const first = failed[0]!;
    throw new ObjectStoreError(
      `DeleteObjects ${bucket} failed for ${failed.length} keys, first ${first.Key}: ${first.Code} ${first.Message}`,
      { bucket, failed: failed.length },
    );
  }
}
