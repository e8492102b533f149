import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import type { BackupDependencies } from '../../../../../functions/core/backup/dependencies.ts';
import type { RetryPolicy } from '../../../../../functions/core/backup/retry.ts';
import { type S3Endpoint, startS3Endpoint } from '../../../../../local/lakehouse/s3-endpoint.ts';
import { AWS_TEST_CREDENTIALS } from '../../../support/lambda.ts';

/**
 * The backup tests' object stores, shared by the core tests (test/functions/core/backup) and the
 * handler tests: a source ("MinIO") and a destination ("DR S3") s3rver, each in its own process
 * (ListObjectsV2 paging needs the OpenSSL legacy provider, see local/lakehouse/s3rver-process.ts).
 * As in the local lakehouse, the destination, being AWS S3, takes the AWS credentials the handlers
 * run with, and MinIO takes its own key pair (the one its credentials secret holds).
 */
export const credentials = AWS_TEST_CREDENTIALS;
export const MINIO_CREDENTIALS = {
  accessKeyId: 'minio-backup-test',
  secretAccessKey: 'minio-backup-test-secret',
};
export const BACKUP_BUCKET = 'lakehouse-backup';
/** Instant backoff: the tests exercise retries, not wall-clock waits. */
export const fastRetry: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 };

type Credentials = { accessKeyId: string; secretAccessKey: string };
export type SeedObjects = Record<string, string | Buffer>;

export interface BackupEndpoints {
  source: S3Endpoint;
  destination: S3Endpoint;
  stop(): Promise<void>;
}

export interface BackupEndpointOptions {
  /** Buckets of the destination besides BACKUP_BUCKET (the handlers' work bucket). */
  destinationBuckets?: string[];
}

export async function startBackupEndpoints(
  sourceBuckets: string[],
  { destinationBuckets = [] }: BackupEndpointOptions = {},
): Promise<BackupEndpoints> {
  const [source, destination] = await Promise.all([
    startS3Endpoint({ name: 'backup-source', buckets: sourceBuckets, credentials: MINIO_CREDENTIALS }),
    startS3Endpoint({
      name: 'backup-destination',
      buckets: [BACKUP_BUCKET, ...destinationBuckets],
      credentials,
    }),
  ]);
  return {
    source,
    destination,
    stop: async () => void (await Promise.all([source.stop(), destination.stop()])),
  };
}

export interface BackupFixture {
  endpoints(): BackupEndpoints;
  /** Core dependencies on the two endpoints (a new set of clients on each call). */
  deps(overrides?: Partial<BackupDependencies>): BackupDependencies;
}

/**
 * Starts the endpoints before the enclosing describe's tests (seeding each bucket of `seed`) and
 * stops them after; register it before any beforeAll that uses it.
 */
export function useBackupEndpoints(
  sourceBuckets: string[],
  options: BackupEndpointOptions & { seed?: Record<string, SeedObjects> } = {},
): BackupFixture {
  let endpoints: BackupEndpoints | undefined;
  const started = () => {
    if (!endpoints) throw new Error('the backup endpoints are used before their beforeAll hook ran');
    return endpoints;
  };
  beforeAll(async () => {
    endpoints = await startBackupEndpoints(sourceBuckets, options);
    const source = depsFor(endpoints).source;
    for (const [bucket, objects] of Object.entries(options.seed ?? {})) {
      await putObjects(source, bucket, objects);
    }
  }, 60_000);
  afterAll(() => endpoints?.stop());
  return { endpoints: started, deps: (overrides) => depsFor(started(), overrides) };
}

/** An S3 client for an s3rver endpoint (by default with the destination's AWS credentials). */
export function s3ClientFor(
  url: string,
  {
    credentials: keys = credentials,
    maxAttempts = 1,
  }: { credentials?: Credentials; maxAttempts?: number } = {},
): S3Client {
  return new S3Client({
    endpoint: url,
    region: 'eu-central-1',
    credentials: keys,
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
    source: s3ClientFor(endpoints.source.url, { credentials: MINIO_CREDENTIALS }),
    destination: s3ClientFor(endpoints.destination.url),
    destinationBucket: BACKUP_BUCKET,
    retry: fastRetry,
    ...overrides,
  };
}

export async function putObjects(s3: S3Client, bucket: string, objects: SeedObjects) {
  const entries = Object.entries(objects);
  for (let index = 0; index < entries.length; index += 16) {
    await Promise.all(
      entries
        .slice(index, index + 16)
        .map(([Key, Body]) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }))),
    );
  }
}

/** `count` small objects `<prefix><0000>.json` whose content names the version and grows with the index. */
export function numberedObjects(count: number, prefix: string, version = 'v1'): Record<string, string> {
  const objects: Record<string, string> = {};
  for (let index = 0; index < count; index += 1) {
    objects[`${prefix}${String(index).padStart(4, '0')}.json`] = `{"v":"${version}","i":${index}}`.repeat(
      1 + (index % 7),
    );
  }
  return objects;
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

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from((await response.Body?.transformToByteArray()) ?? []);
}

/**
 * Rewrites an object's body with `edit` and keeps its user metadata, so a checksum recorded in the
 * metadata (manifest-sha256, sha256) no longer matches: what an attacker or a bit flip would leave.
 */
export async function tamperWith(s3: S3Client, bucket: string, key: string, edit: (body: string) => string) {
  const { metadata } = await headMetadata(s3, bucket, key);
  const body = (await readObject(s3, bucket, key)).toString('utf8');
  const changed = edit(body);
  if (changed === body) throw new Error(`tampering left ${bucket}/${key} unchanged`);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: changed, Metadata: metadata }));
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
