import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { objectEventSchema } from '../../functions/core/dr/replication/object-event.ts';
import { pendingPartitionKey } from '../../functions/core/dr/replication/pending-journal.ts';
import { handler } from '../../functions/replication-ingress.handler.ts';
import { functionUrlEvent } from './support/alert-ingress.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import {
  BEARER,
  minioNotification,
  useReplicationSecrets,
  WEBHOOK_SECRET_ID,
  WEBHOOK_TOKEN,
} from './support/replication-harness.ts';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/lakehouse-ops-test-replication';
const bucket = 'market-data';

interface Response {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

describe('replication-ingress handler', () => {
  const dynamo = useLocalDynamoDb();
  const secrets = useReplicationSecrets();
  const sqs = mockClient(SQSClient);
  useHandlerEnvironment(() => ({
    OPS_TABLE_NAME: OPS_TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
    BACKUP_SOURCE_BUCKETS: `${bucket},ref-data`,
    REPLICATION_WEBHOOK_SECRET_ID: WEBHOOK_SECRET_ID,
    REPLICATION_QUEUE_URL: QUEUE_URL,
  }));
  beforeEach(() => {
    sqs.reset();
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map(({ Id }) => ({ Id, MessageId: `sqs-${Id}`, MD5OfMessageBody: 'x' })),
      Failed: [],
    }));
  });

  async function deliver(options: { body?: unknown; authorization?: string; method?: string }) {
    const body =
      options.body === undefined || typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
    const response = (await handler(
      functionUrlEvent({ body, authorization: options.authorization, method: options.method }),
      lambdaContext('replication-ingress'),
    )) as Response;
    return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
  }

  const sentMessages = () =>
    sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) =>
        (call.args[0].input.Entries ?? []).map((entry) => JSON.parse(entry.MessageBody ?? '') as unknown),
      );

  async function pendingKeys(): Promise<string[]> {
    const { Items } = await dynamo.client().send(
      new QueryCommand({
        TableName: OPS_TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pendingPartitionKey(bucket) } },
      }),
    );
    return (Items ?? []).map((item) => item.key?.S ?? '');
  }

  it('records a MinIO event as pending and queues it, answering 200', async () => {
    const eventTime = new Date().toISOString();

    const response = await deliver({
      body: minioNotification({ bucket, key: 'ingress/ticks 1.json', eventTime }),
      authorization: BEARER,
    });

    expect(response).toMatchObject({ statusCode: 200, json: { test: false, enqueued: 1, ignored: 0 } });
    const [message] = sentMessages();
    expect(objectEventSchema.safeParse(message).success).toBe(true);
    expect(message).toMatchObject({ bucket, key: 'ingress/ticks 1.json', change: 'created', eventTime });
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.QueueUrl).toBe(QUEUE_URL);
    expect(await pendingKeys()).toContain('ingress/ticks 1.json');
  });

  it('queues many records of one body ten to a SendMessageBatch call', async () => {
    const records = Array.from({ length: 12 }, (_, index) => {
      const notification = minioNotification({ bucket, key: `ingress/many/${index}.json` });
      return (notification.Records as unknown[])[0];
    });

    const response = await deliver({
      body: { EventName: 's3:ObjectCreated:Put', Records: records },
      authorization: BEARER,
    });

    expect(response).toMatchObject({ statusCode: 200, json: { enqueued: 12 } });
    expect(
      sqs
        .commandCalls(SendMessageBatchCommand)
        .map((call) => call.args[0].input.Entries?.length ?? 0)
        .sort((left, right) => left - right),
    ).toEqual([2, 10]);
    expect((await pendingKeys()).filter((key) => key.startsWith('ingress/many/'))).toHaveLength(12);
  });

  it('accepts the token as MinIO sends it when auth_token already holds the scheme', async () => {
    const response = await deliver({
      body: minioNotification({ bucket, key: 'ingress/scheme.json', change: 'removed' }),
      authorization: `Bearer  ${WEBHOOK_TOKEN}`,
    });

    expect(response.statusCode).toBe(200);
    expect(sentMessages()).toEqual([
      expect.objectContaining({ key: 'ingress/scheme.json', change: 'removed' }),
    ]);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong bearer token', 'Bearer not-the-token'],
    ['an unknown scheme', `Token ${WEBHOOK_TOKEN}`],
  ])('answers 401 with a challenge, records and queues nothing, for %s', async (_case, authorization) => {
    const response = await deliver({
      body: minioNotification({ bucket, key: 'ingress/denied.json' }),
      authorization,
    });

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="lakehouse-ops replication ingress"');
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    expect(await pendingKeys()).not.toContain('ingress/denied.json');
  });

  it('answers 503 when the webhook secret cannot be read, so MinIO retries', async () => {
    secrets.rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException', $metadata: {} }));

    const response = await deliver({ body: minioNotification({ bucket, key: 'k' }), authorization: BEARER });

    expect(response.statusCode).toBe(503);
  });

  it('answers 400 naming what is wrong with a body that is not a MinIO notification', async () => {
    const notJson = await deliver({ body: 'Records=1', authorization: BEARER });
    const notMinio = await deliver({
      body: { Records: [{ eventName: 's3:ObjectCreated:Put' }] },
      authorization: BEARER,
    });

    expect(notJson).toMatchObject({ statusCode: 400, json: { error: expect.stringContaining('not JSON') } });
    expect(notMinio.statusCode).toBe(400);
    expect(notMinio.json.problems).toEqual(
      expect.arrayContaining([
        'Records[0].eventTime: expected string, got nothing (missing)',
        'Records[0].s3: expected object, got nothing (missing)',
      ]),
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it("answers MinIO's HEAD probe, an empty body and a test event with 200 and queues nothing", async () => {
    expect((await deliver({ method: 'HEAD', authorization: BEARER })).statusCode).toBe(200);
    expect(await deliver({ authorization: BEARER })).toMatchObject({ statusCode: 200, json: { test: true } });
    expect(
      await deliver({
        body: { Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: bucket },
        authorization: BEARER,
      }),
    ).toMatchObject({ statusCode: 200, json: { test: true } });
    expect((await deliver({ method: 'GET', authorization: BEARER })).statusCode).toBe(405);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('ignores events of buckets that are not replicated and events that change nothing', async () => {
    const other = await deliver({
      body: minioNotification({ bucket: 'scratch', key: 'tmp.bin' }),
      authorization: BEARER,
    });
    const read = await deliver({
      body: minioNotification({ bucket, key: 'ingress/read.json', eventName: 's3:ObjectAccessed:Get' }),
      authorization: BEARER,
    });

    expect(other).toMatchObject({ statusCode: 200, json: { enqueued: 0, ignored: 1 } });
    expect(read).toMatchObject({ statusCode: 200, json: { enqueued: 0, ignored: 1 } });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('sends entries SQS refused for its own reasons again, and answers 503 when some stay refused', async () => {
    let calls = 0;
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => {
      calls += 1;
      return {
        Successful: [],
        Failed: input.Entries.map(({ Id }) => ({
          Id,
          SenderFault: false,
          Code: 'InternalError',
          Message: 'try later',
        })),
      };
    });

    const response = await deliver({
      body: minioNotification({ bucket, key: 'ingress/refused.json' }),
      authorization: BEARER,
    });

    expect(calls).toBe(3);
    expect(response).toMatchObject({
      statusCode: 503,
      headers: { 'retry-after': '5' },
      json: { enqueued: 0 },
    });
    expect(String(response.json.error)).toContain('refused 1 of 1 events: InternalError: try later');
    // The event stays pending: the lag shows it until MinIO's retry (or the reconciler) replicates it.
    expect(await pendingKeys()).toContain('ingress/refused.json');
  });

  it('answers 200 when a refused entry goes through on the second round', async () => {
    let calls = 0;
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => {
      calls += 1;
      return calls === 1
        ? {
            Successful: [],
            Failed: [{ Id: input.Entries[0]!.Id, SenderFault: false, Code: 'InternalError' }],
          }
        : {
            Successful: input.Entries.map(({ Id }) => ({ Id, MessageId: 'ok', MD5OfMessageBody: 'x' })),
            Failed: [],
          };
    });

    const response = await deliver({
      body: minioNotification({ bucket, key: 'ingress/second.json' }),
      authorization: BEARER,
    });

    expect(response).toMatchObject({ statusCode: 200, json: { enqueued: 1 } });
    expect(calls).toBe(2);
  });
});
