import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/probe-minio-s3.handler.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { MINIO_SECRET_ID, useMinioSecret } from './support/minio-secret.ts';
import { rejectionOf } from './support/rejection.ts';
import { startS3rver } from './support/s3rver.ts';

describe('probe-minio-s3 handler', () => {
  useMinioSecret();
  let server: Awaited<ReturnType<typeof startS3rver>>;

  beforeAll(async () => {
    server = await startS3rver(['lakehouse-ops-probe']);
  });
  afterAll(() => server.close());

  useHandlerEnvironment(() => ({
    MINIO_ENDPOINT: server.endpoint,
    MINIO_CREDENTIALS_SECRET_ID: MINIO_SECRET_ID,
  }));

  it('returns PASSED after a verified round trip through the S3 API', async () => {
    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({
      name: 'minio-s3-probe',
      status: 'PASSED',
      observations: { cleanup: 'deleted' },
    });
  });

  it('returns FAILED when the layout names a bucket that does not exist', async () => {
    vi.stubEnv('PLATFORM_LAYOUT', JSON.stringify({ minio: { probeBucket: 'missing-bucket' } }));

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: expect.stringContaining('missing-bucket does not exist'),
    });
  });

  it('throws TransientError when MinIO refuses the connection', async () => {
    vi.stubEnv('MINIO_ENDPOINT', 'http://127.0.0.1:1');

    expect(await rejectionOf(handler({}, lambdaContext()))).toMatchObject({ name: 'TransientError' });
  });
});
