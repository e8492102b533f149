import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMinioS3 } from '../../../../functions/core/validation/minio-s3-probe.ts';
import { rejectionOf } from '../../support/rejection.ts';
import { startS3rver } from '../../support/s3rver.ts';

function s3ClientFor(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

/** Hands back GetObject bodies with one flipped byte, as a corrupting store would. */
function corrupting(s3: S3Client): S3Client {
  return new Proxy(s3, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: { input: unknown }) => {
        const output = await target.send(command as never);
        if (!(command instanceof GetObjectCommand)) return output;
        const bytes = await (
          output as { Body: { transformToByteArray(): Promise<Uint8Array> } }
        ).Body.transformToByteArray();
        bytes[0] = (bytes[0] ?? 0) ^ 0xff;
        return { ...output, Body: { transformToByteArray: async () => bytes } };
      };
    },
  });
}

describe('probeMinioS3', () => {
  let server: Awaited<ReturnType<typeof startS3rver>>;
  let s3: S3Client;

  beforeAll(async () => {
    server = await startS3rver(['lakehouse-ops-probe']);
    s3 = s3ClientFor(server.endpoint);
  });

  afterAll(() => server.close());

  const probeObjects = async () =>
    (await s3.send(new ListObjectsV2Command({ Bucket: 'lakehouse-ops-probe', Prefix: 'probes/' })))
      .Contents ?? [];

  it('passes after a verified round trip and deletes the probe object', async () => {
    const result = await probeMinioS3({
      s3,
      bucket: 'lakehouse-ops-probe',
      now: () => new Date('2026-03-01T12:00:00Z'),
    });

    expect(result).toMatchObject({
      name: 'minio-s3-probe',
      status: 'PASSED',
      observations: { bucket: 'lakehouse-ops-probe', bytes: 4096, readBytes: 4096, cleanup: 'deleted' },
    });
    expect(result.observations.key).toMatch(/^probes\/2026-03-01T12-00-00-000Z-[0-9a-f]{12}$/);
    expect(result.observations.actualSha256).toBe(result.observations.expectedSha256);
    expect(await probeObjects()).toEqual([]);
  });

  it('fails on a SHA-256 mismatch and still deletes the probe object', async () => {
    const result = await probeMinioS3({ s3: corrupting(s3), bucket: 'lakehouse-ops-probe' });

    expect(result.status).toBe('FAILED');
    expect(result.detail).toContain('SHA-256 mismatch');
    expect(result.observations.actualSha256).not.toBe(result.observations.expectedSha256);
    expect(result.observations.cleanup).toBe('deleted');
    expect(await probeObjects()).toEqual([]);
  });

  it('fails with a clear detail when the probe bucket does not exist', async () => {
    const result = await probeMinioS3({ s3, bucket: 'no-such-probe-bucket' });

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: expect.stringContaining('probe bucket no-such-probe-bucket does not exist'),
    });
  });

  it('throws TransientError when the endpoint refuses the connection', async () => {
    const unreachable = s3ClientFor('http://127.0.0.1:1');

    const error = await rejectionOf(probeMinioS3({ s3: unreachable, bucket: 'lakehouse-ops-probe' }));

    expect(error.name).toBe('TransientError');
    expect(error.message).toContain('s3:PutObject lakehouse-ops-probe/probes/');
  });
});
