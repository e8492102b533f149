import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { LocalLakehouse } from '../../lakehouse/index.ts';
import { localS3Client } from '../../runner/stack-buckets.ts';

/**
 * Direct access to the local lakehouse's two S3 endpoints for the drill's fixtures and checks:
 * what a scenario breaks and what it reads back to judge a workflow must not go through the code
 * under test. MinIO takes the key pair of its credentials secret; the DR S3 (the backup bucket)
 * the handlers' AWS credentials.
 */
export interface StoredObject {
  readonly key: string;
  readonly body: Buffer;
  readonly metadata: Readonly<Record<string, string>>;
  readonly contentType?: string;
}

/** What reaching MinIO takes (a LocalLakehouse has it). */
export interface MinioAccess {
  readonly endpoints: Pick<LocalLakehouse['endpoints'], 'minio'>;
  readonly region: string;
  readonly s3Credentials: LocalLakehouse['s3Credentials'];
}

/** What reaching the backup bucket takes: the handlers' DR S3 variables and the bucket's name. */
export interface BackupBucketAccess {
  readonly environment: LocalLakehouse['environment'];
  readonly backup: Pick<LocalLakehouse['backup'], 'bucketName'>;
}

export function minioClientOf(lakehouse: MinioAccess): S3Client {
  return new S3Client({
    endpoint: lakehouse.endpoints.minio,
    region: lakehouse.region,
    credentials: lakehouse.s3Credentials,
    forcePathStyle: true,
    // Otherwise the SDK frames streamed bodies as aws-chunked, which s3rver stores verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

export function backupBucketClientOf(lakehouse: BackupBucketAccess): S3Client {
  return localS3Client(lakehouse.environment);
}

/** Runs `use` with a client and always releases its sockets. */
export async function withClient<T>(client: S3Client, use: (s3: S3Client) => Promise<T>): Promise<T> {
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

export function sha256Of(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The object's bytes and metadata, or undefined when there is no such key. */
export async function readObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<StoredObject | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return {
      key,
      body: Buffer.from((await response.Body?.transformToByteArray()) ?? []),
      metadata: response.Metadata ?? {},
      ...(response.ContentType ? { contentType: response.ContentType } : {}),
    };
  } catch (error) {
    if (error instanceof S3ServiceException && ['NoSuchKey', 'NotFound'].includes(error.name))
      return undefined;
    throw error;
  }
}

export async function writeObject(s3: S3Client, bucket: string, object: StoredObject): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: object.key,
      Body: object.body,
      Metadata: { ...object.metadata },
      ...(object.contentType ? { ContentType: object.contentType } : {}),
    }),
  );
}

/** Every key under the prefix, in listing order (the seeded buckets fit one page many times over). */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Every object under the prefix, bytes included. */
export async function readPrefix(s3: S3Client, bucket: string, prefix: string): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  for (const key of await listKeys(s3, bucket, prefix)) {
    const object = await readObject(s3, bucket, key);
    if (object) objects.push(object);
  }
  return objects;
}

/** One DeleteObject per key: the fixtures delete a handful of keys. */
export async function deleteKeys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (const key of keys) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
