import { createHash, randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ObjectStoreError } from '../../commons/errors.ts';
import { classifyAwsError, isTransientAwsError } from '../../commons/transient-errors.ts';
import type { CheckResult } from './check-result.ts';
import { type CheckVerdict, runCheck, verdictFrom } from './run-check.ts';

export interface MinioS3ProbeDependencies {
  s3: S3Client;
  bucket: string;
  now?: () => Date;
  /** Size of the random probe object; small, because the probe runs every few minutes. */
  sizeBytes?: number;
}

const DEFAULT_PROBE_SIZE = 4096;

/**
 * A round trip through the S3 API: PUT a random object, GET it back, compare SHA-256, DELETE it.
 * Listing pods says MinIO runs; only this says it stores and returns bytes intact.
 */
export function probeMinioS3({
  s3,
  bucket,
  now = () => new Date(),
  sizeBytes = DEFAULT_PROBE_SIZE,
}: MinioS3ProbeDependencies): Promise<CheckResult> {
  return runCheck('minio-s3-probe', async () => {
    const key = `probes/${now().toISOString().replace(/[:.]/g, '-')}-${randomBytes(6).toString('hex')}`;
    let verdict: CheckVerdict;
    let cleanup: string;
    try {
      verdict = await roundTrip(s3, bucket, key, randomBytes(sizeBytes));
    } finally {
      // Attempted even when the PUT failed: the request may have stored the object before failing.
      cleanup = await deleteProbe(s3, bucket, key);
    }
    return { ...verdict, observations: { ...verdict.observations, cleanup } };
  });
}

async function roundTrip(s3: S3Client, bucket: string, key: string, content: Buffer): Promise<CheckVerdict> {
  try {
    const putStarted = performance.now();
    await s3call(bucket, key, 'PutObject', () =>
      s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: content,
          ContentType: 'application/octet-stream',
        }),
      ),
    );
    const putMs = Math.round(performance.now() - putStarted);

    const getStarted = performance.now();
    const readBack = await s3call(bucket, key, 'GetObject', async () => {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from((await Body?.transformToByteArray()) ?? []);
    });
    const getMs = Math.round(performance.now() - getStarted);

    const expectedSha256 = sha256(content);
    const actualSha256 = sha256(readBack);
    return verdictFrom(
      actualSha256 === expectedSha256
        ? []
        : [`object read back from ${bucket}/${key} differs from what was written (SHA-256 mismatch)`],
      `wrote, read back and verified ${content.length} bytes in ${bucket} (PUT ${putMs} ms, GET ${getMs} ms)`,
      {
        bucket,
        key,
        bytes: content.length,
        readBytes: readBack.length,
        putMs,
        getMs,
        expectedSha256,
        actualSha256,
      },
    );
  } catch (error) {
    if ((error as Error).name === 'NoSuchBucket') return missingBucket(bucket);
    throw error;
  }
}

function missingBucket(bucket: string): CheckVerdict {
  return verdictFrom(
    [`probe bucket ${bucket} does not exist; create it or fix PLATFORM_LAYOUT.minio.probeBucket`],
    '',
    {
      bucket,
    },
  );
}

async function deleteProbe(s3: S3Client, bucket: string, key: string): Promise<string> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    return 'deleted';
  } catch (error) {
    // A leftover probe object is harmless (a lifecycle rule can expire probes/); the verdict stands.
    return `delete failed: ${(error as Error).name}: ${(error as Error).message}`;
  }
}

async function s3call<Result>(
  bucket: string,
  key: string,
  operation: string,
  call: () => Promise<Result>,
): Promise<Result> {
  try {
    return await call();
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NoSuchBucket') throw error;
    if (isTransientAwsError(error)) throw classifyAwsError(error, `s3:${operation} ${bucket}/${key}`);
    throw new ObjectStoreError(
      `s3:${operation} ${bucket}/${key} was refused: ${name}: ${(error as Error).message}`,
      { bucket, key, operation, errorName: name },
      { cause: error },
    );
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
