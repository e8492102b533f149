import { existsSync } from 'node:fs';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Endpoint, startS3Endpoint } from '../../../local/lakehouse/s3-endpoint.ts';

const credentials = { accessKeyId: 'endpoint-test', secretAccessKey: 'endpoint-test-secret' };

function client(endpoint: S3Endpoint, keys = credentials): S3Client {
  return new S3Client({
    endpoint: endpoint.url,
    region: 'eu-central-1',
    credentials: keys,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

describe('startS3Endpoint', () => {
  let endpoint: S3Endpoint;

  beforeAll(async () => {
    endpoint = await startS3Endpoint({ name: 'test', buckets: ['alpha'], credentials });
    const s3 = client(endpoint);
    for (let index = 0; index < 25; index += 1) {
      await s3.send(
        new PutObjectCommand({
          Bucket: 'alpha',
          Key: `k/${String(index).padStart(2, '0')}`,
          Body: `body ${index}`,
        }),
      );
    }
  });
  afterAll(() => endpoint.stop());

  it('pages ListObjectsV2 with continuation tokens (which need the OpenSSL legacy provider)', async () => {
    const s3 = client(endpoint);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: 'alpha', MaxKeys: 10, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token);
    expect(keys).toHaveLength(25);
    expect(new Set(keys).size).toBe(25);
  });

  it('rejects a key pair other than its own', async () => {
    const call = client(endpoint, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }).send(
      new ListObjectsV2Command({ Bucket: 'alpha' }),
    );
    await expect(call).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
  });

  it('refuses connections while offline and serves the same objects when back online', async () => {
    await endpoint.goOffline();
    expect(endpoint.online).toBe(false);
    await expect(client(endpoint).send(new ListObjectsV2Command({ Bucket: 'alpha' }))).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });

    await endpoint.goOnline();
    const listing = await client(endpoint).send(new ListObjectsV2Command({ Bucket: 'alpha' }));
    expect(listing.KeyCount).toBe(25);
  });

  it('removes its data directory when stopped', async () => {
    const other = await startS3Endpoint({ name: 'disposable', buckets: [], credentials });
    expect(existsSync(other.directory)).toBe(true);
    await other.stop();
    expect(existsSync(other.directory)).toBe(false);
  });
});
