import { createHash } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseNotification } from '../../../functions/core/dr/replication/notification.ts';
import {
  type FunctionUrlServer,
  startFunctionUrlServer,
} from '../../../local/lakehouse/function-url-server.ts';
import {
  createMinioWebhookTarget,
  type DroppedNotification,
  goQueryEscape,
  type MinioNotificationBody,
  type MinioWebhookTarget,
} from '../../../local/lakehouse/minio-notifications.ts';
import { type S3Endpoint, startS3Endpoint } from '../../../local/lakehouse/s3-endpoint.ts';
import type { S3ObjectEvent } from '../../../local/lakehouse/s3rver-object-events.ts';
import { eventually } from '../support/eventually.ts';

const credentials = { accessKeyId: 'minio-events', secretAccessKey: 'minio-events-secret' };
const TOKEN = 'replication-webhook-token';

interface Delivery {
  readonly authorization: string | undefined;
  readonly body: MinioNotificationBody;
}

/**
 * The webhook's receiving end: a local Function URL whose handler records what it is given, and
 * answers with the status the test chooses.
 */
class Receiver {
  readonly deliveries: Delivery[] = [];
  statuses: number[] = [];
  private server: FunctionUrlServer | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async start(): Promise<void> {
    this.server = await startFunctionUrlServer({
      functionName: 'replication-ingress',
      port: this.port,
      handler: async (event) => {
        const { headers, body } = event as { headers: Record<string, string>; body: string };
        const statusCode = this.statuses.shift() ?? 202;
        if (statusCode < 300) {
          this.deliveries.push({
            authorization: headers.authorization,
            body: JSON.parse(body) as MinioNotificationBody,
          });
        }
        return { statusCode, headers: {}, body: '' };
      },
    });
    this.port = Number(new URL(this.server.url).port);
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe('MinIO bucket notifications from s3rver object events', () => {
  const receiver = new Receiver();
  let target: MinioWebhookTarget;
  let endpoint: S3Endpoint;
  let s3: S3Client;
  beforeAll(async () => {
    await receiver.start();
    target = createMinioWebhookTarget({
      endpoint: receiver.url,
      authToken: TOKEN,
      buckets: ['lakehouse-raw'],
      retryIntervalMs: 100,
    });
    endpoint = await startS3Endpoint({
      name: 'minio-events',
      buckets: ['lakehouse-raw', 'scratch'],
      credentials,
      onObjectEvent: (event) => target.notify(event),
    });
    s3 = new S3Client({
      endpoint: endpoint.url,
      region: 'us-east-1',
      credentials,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      maxAttempts: 1,
    });
  });
  afterEach(() => {
    receiver.deliveries.length = 0;
  });
  afterAll(async () => {
    s3.destroy();
    await target.stop();
    await Promise.all([endpoint.stop(), receiver.stop()]);
  });

  const delivered = (count: number) =>
    eventually(() => (receiver.deliveries.length >= count ? receiver.deliveries.slice(0, count) : undefined));
  const recordOf = (delivery: Delivery | undefined) => delivery?.body.Records[0];

  it('sends a PUT as s3:ObjectCreated:Put, key URL-encoded, with size, ETag, content type and metadata', async () => {
    const key = 'raw/2026 trades/ä+b (1).parquet';
    await s3.send(
      new PutObjectCommand({
        Bucket: 'lakehouse-raw',
        Key: key,
        Body: 'trades v1',
        ContentType: 'application/vnd.apache.parquet',
        Metadata: { 'source-system': 'binance' },
      }),
    );

    const [delivery] = await delivered(1);

    expect(delivery?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(delivery?.body.EventName).toBe('s3:ObjectCreated:Put');
    expect(delivery?.body.Key).toBe(`lakehouse-raw/${key}`);
    expect(delivery?.body.Records).toHaveLength(1);
    const record = recordOf(delivery);
    expect(record).toMatchObject({
      eventVersion: '2.0',
      eventSource: 'minio:s3',
      eventName: 's3:ObjectCreated:Put',
      userIdentity: { principalId: credentials.accessKeyId },
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: 'lakehouse-raw', arn: 'arn:aws:s3:::lakehouse-raw' },
        object: {
          key: 'raw%2F2026+trades%2F%C3%A4%2Bb+%281%29.parquet',
          size: Buffer.byteLength('trades v1'),
          eTag: md5('trades v1'),
          contentType: 'application/vnd.apache.parquet',
          userMetadata: {
            'content-type': 'application/vnd.apache.parquet',
            'X-Amz-Meta-Source-System': 'binance',
          },
        },
      },
      source: { host: '127.0.0.1' },
    });
    expect(record?.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
    // The replication ingress reads it as the object it is about.
    expect(parseNotification(JSON.stringify(delivery?.body))).toEqual({
      kind: 'events',
      ignored: [],
      events: [expect.objectContaining({ bucket: 'lakehouse-raw', key, change: 'created' })],
    });
    expect(Date.now() - Date.parse(record?.eventTime ?? '')).toBeLessThan(10_000);
  });

  it('sends an overwrite as a new creation with the new size and ETag and a later sequencer', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'lakehouse-raw', Key: 'ticks/a.csv', Body: 'short' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'lakehouse-raw', Key: 'ticks/a.csv', Body: 'a longer body' }),
    );

    const [first, second] = (await delivered(2)).map(recordOf);

    expect(first?.s3.object).toMatchObject({ key: 'ticks%2Fa.csv', size: 5, eTag: md5('short') });
    expect(second?.s3.object).toMatchObject({ key: 'ticks%2Fa.csv', size: 13, eTag: md5('a longer body') });
    expect(BigInt(`0x${second?.s3.object.sequencer}`)).toBeGreaterThan(
      BigInt(`0x${first?.s3.object.sequencer}`),
    );
  });

  it('sends a DELETE as s3:ObjectRemoved:Delete, without size or ETag', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'lakehouse-raw', Key: 'old/x y.json', Body: '{}' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'lakehouse-raw', Key: 'old/x y.json' }));

    const [, removal] = await delivered(2);

    expect(removal?.body.EventName).toBe('s3:ObjectRemoved:Delete');
    expect(removal?.body.Key).toBe('lakehouse-raw/old/x y.json');
    const object = recordOf(removal)?.s3.object;
    expect(object?.key).toBe('old%2Fx+y.json');
    expect(object).not.toHaveProperty('size');
    expect(object).not.toHaveProperty('eTag');
    expect(parseNotification(JSON.stringify(removal?.body))).toMatchObject({
      events: [{ bucket: 'lakehouse-raw', key: 'old/x y.json', change: 'removed' }],
    });
  });

  // Flat keys: s3rver 3.7.1 fails DeleteObjects on keys that share a directory (500), events or not.
  it('sends one removal per object of a DeleteObjects call, and a copy as s3:ObjectCreated:Copy', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'lakehouse-raw', Key: 'batch-1', Body: 'one' }));
    await s3.send(
      new CopyObjectCommand({ Bucket: 'lakehouse-raw', Key: 'batch-2', CopySource: 'lakehouse-raw/batch-1' }),
    );
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'lakehouse-raw',
        Delete: { Objects: [{ Key: 'batch-1' }, { Key: 'batch-2' }] },
      }),
    );

    const deliveries = await delivered(4);

    expect(recordOf(deliveries[1])).toMatchObject({
      eventName: 's3:ObjectCreated:Copy',
      s3: { object: { key: 'batch-2', size: 3, eTag: md5('one') } },
    });
    expect(
      deliveries
        .slice(2)
        .map((delivery) => [delivery.body.EventName, delivery.body.Key])
        .sort(),
    ).toEqual([
      ['s3:ObjectRemoved:Delete', 'lakehouse-raw/batch-1'],
      ['s3:ObjectRemoved:Delete', 'lakehouse-raw/batch-2'],
    ]);
  });

  it('sends nothing for a bucket outside the notification configuration', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'scratch', Key: 'ignored', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: 'lakehouse-raw', Key: 'marker', Body: 'x' }));
    const deliveries = await delivered(1);
    expect(deliveries.map((delivery) => delivery.body.Key)).toEqual(['lakehouse-raw/marker']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.deliveries).toHaveLength(1);
  });

  it('keeps the events while the target is down and delivers them, in order, once it is back', async () => {
    await receiver.stop();
    for (const key of ['outage/1', 'outage/2', 'outage/3']) {
      await s3.send(new PutObjectCommand({ Bucket: 'lakehouse-raw', Key: key, Body: key }));
    }
    await eventually(() => (target.pending === 3 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few failed attempts
    expect(receiver.deliveries).toEqual([]);

    await receiver.start();
    const deliveries = await delivered(3);

    expect(deliveries.map((delivery) => delivery.body.Key)).toEqual([
      'lakehouse-raw/outage/1',
      'lakehouse-raw/outage/2',
      'lakehouse-raw/outage/3',
    ]);
    await target.idle();
    expect(target.pending).toBe(0);
  });
});

describe('MinIO webhook target delivery', () => {
  const receiver = new Receiver();
  const targets: MinioWebhookTarget[] = [];
  beforeAll(() => receiver.start());
  afterEach(async () => {
    await Promise.all(targets.splice(0).map((target) => target.stop()));
    receiver.deliveries.length = 0;
    receiver.statuses = [];
  });
  afterAll(() => receiver.stop());

  const drops: DroppedNotification[] = [];
  const target = (options: { queueLimit?: number } = {}) => {
    const created = createMinioWebhookTarget({
      endpoint: receiver.url,
      authToken: TOKEN,
      retryIntervalMs: 50,
      onDrop: (drop) => drops.push(drop),
      ...options,
    });
    targets.push(created);
    return created;
  };
  const event = (
    key: string,
    eventName: S3ObjectEvent['eventName'] = 'ObjectCreated:Put',
  ): S3ObjectEvent => ({
    eventName,
    eventTime: new Date().toISOString(),
    bucket: 'lakehouse-raw',
    key,
    size: 1,
    eTag: md5(key),
    userMetadata: {},
    request: { requestId: 'REQ', sourceIp: '127.0.0.1', sourcePort: 50000, userAgent: 'test' },
  });

  it('retries an event the target answers with 5xx or 429 until it is accepted', async () => {
    receiver.statuses = [503, 429, 500];
    const webhook = target();
    webhook.notify(event('retried'));
    await webhook.idle();
    expect(receiver.deliveries.map((delivery) => delivery.body.Key)).toEqual(['lakehouse-raw/retried']);
    expect(webhook.delivered).toBe(1);
  });

  it('drops an event the target refuses for good (4xx), reports it and goes on with the next', async () => {
    receiver.statuses = [401];
    drops.length = 0;
    const webhook = target();
    webhook.notify(event('refused'));
    webhook.notify(event('accepted'));
    await webhook.idle();
    expect(drops).toEqual([
      {
        key: 'lakehouse-raw/refused',
        eventName: 's3:ObjectCreated:Put',
        reason: 'the target refused it with HTTP 401',
      },
    ]);
    expect(receiver.deliveries.map((delivery) => delivery.body.Key)).toEqual(['lakehouse-raw/accepted']);
  });

  it('drops events beyond the queue limit while the target is down', async () => {
    drops.length = 0;
    const webhook = createMinioWebhookTarget({
      endpoint: 'http://127.0.0.1:9/',
      authToken: TOKEN,
      queueLimit: 2,
      retryIntervalMs: 50,
      onDrop: (drop) => drops.push(drop),
    });
    targets.push(webhook);
    for (const key of ['q1', 'q2', 'q3']) webhook.notify(event(key));
    expect(webhook.pending).toBe(2);
    expect(webhook.dropped).toBe(1);
    expect(drops[0]).toMatchObject({ key: 'lakehouse-raw/q3', reason: 'the queue is full (2 events)' });
  });

  it('sends only the configured event types', async () => {
    const webhook = createMinioWebhookTarget({
      endpoint: receiver.url,
      authToken: TOKEN,
      events: ['s3:ObjectRemoved:*'],
    });
    targets.push(webhook);
    webhook.notify(event('created'));
    webhook.notify(event('removed', 'ObjectRemoved:Delete'));
    await webhook.idle();
    expect(receiver.deliveries.map((delivery) => delivery.body.EventName)).toEqual([
      's3:ObjectRemoved:Delete',
    ]);
  });

  it('refuses an empty token, naming what it expected', () => {
    expect(() => createMinioWebhookTarget({ endpoint: receiver.url, authToken: '' })).toThrow(/bearer token/);
  });
});

describe('goQueryEscape', () => {
  it("escapes as Go's url.QueryEscape does", () => {
    expect(goQueryEscape("a b/c+d~e*f!g'h(i)é-_.")).toBe('a+b%2Fc%2Bd~e%2Af%21g%27h%28i%29%C3%A9-_.');
  });
});
