import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/ensure-minio-buckets.handler.ts';
import { routeBucketVersioningRequests } from '../../local/lakehouse/s3rver-versioning.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { MINIO_SECRET_ID, useMinioSecret } from './support/minio-secret.ts';
import { PROVISION_ENVIRONMENT } from './support/provision-handler-harness.ts';
import { startS3rver } from './support/s3rver.ts';

describe('ensure-minio-buckets handler', () => {
  useMinioSecret();
  let server: Awaited<ReturnType<typeof startS3rver>>;

  beforeAll(async () => {
    routeBucketVersioningRequests();
    server = await startS3rver(['lakehouse-ops-probe']);
  });
  afterAll(() => server.close());

  useHandlerEnvironment(() => ({
    MINIO_ENDPOINT: server.endpoint,
    MINIO_CREDENTIALS_SECRET_ID: MINIO_SECRET_ID,
    PROVISION_ENVIRONMENT,
    MINIO_NOTIFICATION_TARGET_ARN: 'arn:minio:sqs::lakehouse:webhook',
  }));

  it("creates the environment's data buckets, then finds them unchanged", async () => {
    const first = await handler({ dryRun: false }, lambdaContext());
    const second = await handler({ dryRun: false }, lambdaContext());

    expect(first.map((bucket) => [bucket.bucket, bucket.action])).toEqual([
      ['lakehouse-raw', 'created'],
      ['lakehouse-curated', 'created'],
      ['lakehouse-ops-probe', 'unchanged'],
    ]);
    expect(first[0]).toMatchObject({
      versioning: 'unsupported',
      lifecycle: 'unsupported',
      notifications: 'unsupported',
    });
    expect(second.map((bucket) => bucket.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });
});
