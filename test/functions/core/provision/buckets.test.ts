import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { MetadataBearer } from '@smithy/types';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type BucketSpec,
  ensureBuckets,
  lakehouseBuckets,
  NOTIFIED_EVENTS,
} from '../../../../functions/core/provision/buckets.ts';
import { routeBucketVersioningRequests } from '../../../../local/lakehouse/s3rver-versioning.ts';
import { AWS_TEST_CREDENTIALS } from '../../support/lambda.ts';
import { startS3rver } from '../../support/s3rver.ts';

const TARGET = 'arn:minio:sqs::lakehouse:webhook';
const specs = lakehouseBuckets({
  dataBuckets: ['lakehouse-raw'],
  probeBucket: 'lakehouse-ops-probe',
  notificationTarget: TARGET,
});

function s3Error(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message: name });
}

describe('ensureBuckets against s3rver', () => {
  let server: Awaited<ReturnType<typeof startS3rver>>;
  let s3: S3Client;

  beforeAll(async () => {
    routeBucketVersioningRequests();
    server = await startS3rver(['lakehouse-ops-probe']);
    s3 = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
  });
  afterAll(async () => {
    s3.destroy();
    await server.close();
  });

  it('creates the missing bucket and reports the settings s3rver does not implement as unsupported', async () => {
    const changes = await ensureBuckets(s3, specs, false);

    expect(changes).toEqual([
      {
        bucket: 'lakehouse-raw',
        action: 'created',
        versioning: 'unsupported',
        lifecycle: 'unsupported',
        notifications: 'unsupported',
      },
      {
        bucket: 'lakehouse-ops-probe',
        action: 'unchanged',
        versioning: 'not configured',
        lifecycle: 'unsupported',
        notifications: 'not configured',
      },
    ]);
    const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets.map((bucket) => bucket.Name).sort()).toEqual(['lakehouse-ops-probe', 'lakehouse-raw']);
  });

  it('creates nothing in a dry run, and says the bucket and each setting would be created', async () => {
    const [change] = await ensureBuckets(s3, [{ ...specs[0]!, name: 'lakehouse-curated' }], true);

    expect(change).toEqual({
      bucket: 'lakehouse-curated',
      action: 'created',
      versioning: 'set',
      lifecycle: 'set',
      notifications: 'set',
    });
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'lakehouse-curated' }))).rejects.toMatchObject({
      name: 'NotFound',
    });
  });
});

describe('ensureBuckets against an S3 API with versioning, lifecycle and notifications', () => {
  // Created here, not at collection time: mockClient replaces every S3Client's send, s3rver's too.
  let s3: AwsStub<object, MetadataBearer, unknown>;
  const [data] = specs as [BucketSpec, BucketSpec];

  beforeAll(() => {
    s3 = mockClient(S3Client);
  });
  beforeEach(() => {
    s3.reset();
    s3.on(HeadBucketCommand).resolves({});
  });
  afterAll(() => s3.restore());

  it('writes each setting that differs, and only those', async () => {
    s3.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    s3.on(GetBucketLifecycleConfigurationCommand).rejects(s3Error('NoSuchLifecycleConfiguration', 404));
    s3.on(GetBucketNotificationConfigurationCommand).resolves({
      QueueConfigurations: [{ QueueArn: TARGET, Events: [...NOTIFIED_EVENTS].reverse() }],
    });

    const [change] = await ensureBuckets(new S3Client({ credentials: AWS_TEST_CREDENTIALS }), [data], false);

    expect(change).toEqual({
      bucket: 'lakehouse-raw',
      action: 'changed',
      versioning: 'set',
      lifecycle: 'set',
      notifications: 'unchanged',
    });
    expect(s3.commandCalls(PutBucketVersioningCommand)[0]?.args[0].input).toEqual({
      Bucket: 'lakehouse-raw',
      VersioningConfiguration: { Status: 'Enabled' },
    });
    expect(
      s3.commandCalls(PutBucketLifecycleConfigurationCommand)[0]?.args[0].input.LifecycleConfiguration,
    ).toEqual({
      Rules: data.lifecycle,
    });
    expect(s3.commandCalls(PutBucketNotificationConfigurationCommand)).toEqual([]);
    expect(s3.commandCalls(CreateBucketCommand)).toEqual([]);
  });

  it('leaves a bucket whose settings already match alone', async () => {
    s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
    s3.on(GetBucketLifecycleConfigurationCommand).resolves({ Rules: data.lifecycle });
    s3.on(GetBucketNotificationConfigurationCommand).resolves({
      QueueConfigurations: [{ Id: 'other-id', QueueArn: TARGET, Events: NOTIFIED_EVENTS }],
    });

    const [change] = await ensureBuckets(new S3Client({ credentials: AWS_TEST_CREDENTIALS }), [data], false);

    expect(change?.action).toBe('unchanged');
    expect(s3.commandCalls(PutBucketVersioningCommand)).toEqual([]);
    expect(s3.commandCalls(PutBucketLifecycleConfigurationCommand)).toEqual([]);
  });

  it('fails with the S3 error when a setting is refused for another reason', async () => {
    s3.on(GetBucketVersioningCommand).rejects(s3Error('AccessDenied', 403));
    await expect(
      ensureBuckets(new S3Client({ credentials: AWS_TEST_CREDENTIALS }), [data], false),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});
