import { createHash } from 'node:crypto';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { BackupDependencies } from '../../../../../functions/core/backup/dependencies.ts';
import type { RetryPolicy } from '../../../../../functions/core/backup/retry.ts';
import { type S3Endpoint, startS3Endpoint } from '../../../../../local/lakehouse/s3-endpoint.ts';

/**
 * A source ("MinIO") and a destination ("DR S3") s3rver, each in its own process (ListObjectsV2
 * paging needs the OpenSSL legacy provider, see local/lakehouse/s3rver-process.ts).
 */
export const credentials = { accessKeyId: 'backup-test', secretAccessKey: 'backup-test-secret' };
export const BACKUP_BUCKET = 'lakehouse-backup';
/** Instant backoff: the tests exercise retries, not wall-clock waits. */
export const fastRetry: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 };

export interface BackupEndpoints {
  source: S3Endpoint;
  destination: S3Endpoint;
  stop(): Promise<void>;
}

export async function startBackupEndpoints(sourceBuckets: string[]): Promise<BackupEndpoints> {
  const [source, destination] = await Promise.all([
    startS3Endpoint({ name: 'backup-source', buckets: sourceBuckets, credentials }),
    startS3Endpoint({ name: 'backup-destination', buckets: [BACKUP_BUCKET], credentials }),
  ]);
  return {
    source,
    destination,
    stop: async () => void (await Promise.all([source.stop(), destination.stop()])),
  };
}

export function s3ClientFor(url: string, maxAttempts = 1): S3Client {
  return new S3Client({
    endpoint: url,
    region: 'eu-central-1',
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts,
  });
}

export function depsFor(
  endpoints: BackupEndpoints,
  overrides: Partial<BackupDependencies> = {},
): BackupDependencies {
  return {
    source: s3ClientFor(endpoints.source.url),
    destination: s3ClientFor(endpoints.destination.url),
    destinationBucket: BACKUP_BUCKET,
    retry: fastRetry,
    ...overrides,
  };
}

export async function putObjects(s3: S3Client, bucket: string, objects: Record<string, string | Buffer>) {
  const entries = Object.entries(objects);
  for (let index = 0; index < entries.length; index += 16) {
    await Promise.all(
      entries
        .slice(index, index + 16)
        .map(([Key, Body]) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }))),
    );
  }
}

export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

export async function headMetadata(s3: S3Client, bucket: string, key: string) {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { size: head.ContentLength, etag: head.ETag, metadata: head.Metadata ?? {} };
}

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Deterministic pseudo-random bytes (so a large object is not a run of zeros). */
export function patternBytes(size: number, seed: number): Buffer {
  const buffer = Buffer.alloc(size);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < size; index += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    buffer.writeUInt32LE(state >>> 0, Math.min(index, size - 4));
  }
  return buffer;
}

export async function collect<Item>(items: AsyncIterable<Item>): Promise<Item[]> {
  const result: Item[] = [];
  for await (const item of items) result.push(item);
  return result;
}
