import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { defaultRetryPolicy, type RetryPolicy, withRetries } from '../retry.ts';
import { isNotFound } from '../s3-calls.ts';

export interface ObjectDigest {
  sha256: string;
  size: number;
}

/**
 * SHA-256 and size of an object, streamed (memory stays at one chunk whatever the size), or
 * undefined when it does not exist. A read that fails half way is retried from the start.
 */
export async function hashObject(
  s3: S3Client,
  bucket: string,
  key: string,
  retry: RetryPolicy = defaultRetryPolicy,
): Promise<ObjectDigest | undefined> {
  try {
    return await withRetries(
      `GetObject ${bucket}/${key}`,
      async () => {
        const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const hash = createHash('sha256');
        let size = 0;
        for await (const chunk of response.Body as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          size += chunk.length;
        }
        return { sha256: hash.digest('hex'), size };
      },
      retry,
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Why a digest is not the expected one, or undefined when it is. */
export function digestMismatch(
  expected: ObjectDigest,
  actual: ObjectDigest | undefined,
  where: string,
): string | undefined {
  if (!actual) return `${where} is missing`;
  if (actual.size !== expected.size) {
    return `${where} has ${actual.size} bytes, the manifest says ${expected.size}`;
  }
  if (actual.sha256 !== expected.sha256) {
    return `${where} has SHA-256 ${actual.sha256}, the manifest says ${expected.sha256}`;
  }
  return undefined;
}
