import { describe, expect, it } from 'vitest';
import {
  InvalidNotificationError,
  parseNotification,
  queryUnescape,
} from '../../../../../functions/core/dr/replication/notification.ts';
import { rejectionOf } from '../../../support/rejection.ts';
import { minioNotification } from '../../../support/replication-harness.ts';

const eventTime = '2026-11-26T06:59:01.123Z';

function parse(body: unknown) {
  return parseNotification(typeof body === 'string' ? body : JSON.stringify(body));
}

async function problemsOf(body: unknown): Promise<string[]> {
  const error = await rejectionOf<InvalidNotificationError>(Promise.resolve().then(() => parse(body)));
  expect(error).toBeInstanceOf(InvalidNotificationError);
  return error.details.problems as string[];
}

describe('parseNotification', () => {
  it('reads a MinIO Put event with its key decoded as Go encodes it', () => {
    const key = 'ticks/2026 11/BTC+USDT ü.json';
    const parsed = parse(
      minioNotification({ bucket: 'market-data', key, eventTime, sequencer: '187B2C3D4E5F6071' }),
    );

    expect(parsed).toEqual({
      kind: 'events',
      ignored: [],
      events: [
        {
          format: 'lakehouse-ops/replication-event@1',
          bucket: 'market-data',
          key,
          change: 'created',
          eventName: 's3:ObjectCreated:Put',
          eventTime,
          sequencer: '187B2C3D4E5F6071',
        },
      ],
    });
  });

  it('reads a removal, which carries no size or ETag, and normalises the event time to milliseconds', () => {
    const parsed = parse(
      minioNotification({
        bucket: 'market-data',
        key: 'a.csv',
        change: 'removed',
        eventTime: '2026-11-26T06:59:01Z',
      }),
    );

    expect(parsed).toMatchObject({
      kind: 'events',
      events: [
        { change: 'removed', eventName: 's3:ObjectRemoved:Delete', eventTime: '2026-11-26T06:59:01.000Z' },
      ],
    });
  });

  it('takes every ObjectCreated and ObjectRemoved kind, and reports other events as ignored', () => {
    for (const eventName of ['s3:ObjectCreated:CompleteMultipartUpload', 's3:ObjectCreated:Copy']) {
      expect(parse(minioNotification({ bucket: 'b1', key: 'k', eventName }))).toMatchObject({
        events: [{ change: 'created', eventName }],
      });
    }
    expect(
      parse(
        minioNotification({
          bucket: 'b1',
          key: 'k',
          change: 'removed',
          eventName: 's3:ObjectRemoved:DeleteMarkerCreated',
        }),
      ),
    ).toMatchObject({ events: [{ change: 'removed' }] });

    expect(parse(minioNotification({ bucket: 'b1', key: 'k', eventName: 's3:ObjectAccessed:Get' }))).toEqual({
      kind: 'events',
      events: [],
      ignored: [
        {
          bucket: 'b1',
          key: 'k',
          eventName: 's3:ObjectAccessed:Get',
          reason: 'not an object creation or removal',
        },
      ],
    });
  });

  it('treats an empty body and S3 test events as a test', () => {
    expect(parse('')).toEqual({ kind: 'test' });
    expect(parse('  \n')).toEqual({ kind: 'test' });
    expect(parse({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: eventTime, Bucket: 'b1' })).toEqual({
      kind: 'test',
    });
  });

  it('names what is wrong with a body that is not JSON', async () => {
    const error = await rejectionOf(Promise.resolve().then(() => parse('{"Records": [')));

    expect(error).toMatchObject({ name: 'InvalidNotificationError' });
    expect(error.message).toContain('the body is not JSON');
  });

  it('names the missing and mistyped fields of a body that is not a notification', async () => {
    const notification = minioNotification({ bucket: 'b1', key: 'k' });
    const records = notification.Records as Record<string, unknown>[];
    const broken = {
      ...notification,
      Records: [{ ...records[0], eventTime: 'yesterday', s3: { bucket: {}, object: { key: 'k' } } }],
    };

    const problems = await problemsOf(broken);

    expect(problems).toEqual([
      'Records[0].eventTime: invalid ISO datetime',
      'Records[0].s3.bucket.name: expected string, got nothing (missing)',
      'Records[0].s3.object.sequencer: expected string, got nothing (missing)',
    ]);
    expect(await problemsOf({ EventName: 's3:ObjectCreated:Put' })).toEqual([
      expect.stringMatching(/^Records: /),
    ]);
  });

  it('refuses records that are not MinIO events, keys that are not URL-encoded, and a Key that disagrees', async () => {
    const notification = minioNotification({ bucket: 'b1', key: 'k' });
    const [record] = notification.Records as Record<string, Record<string, unknown>>[];
    const withRecord = (changes: Record<string, unknown>, key = notification.Key) => ({
      ...notification,
      Key: key,
      Records: [{ ...record, ...changes }],
    });

    expect(await problemsOf(withRecord({ eventSource: 'aws:s3' }))).toEqual([
      'Records[0].eventSource: expected "minio:s3", got "aws:s3"',
    ]);
    expect(
      await problemsOf(
        withRecord({ s3: { ...record!.s3, object: { key: 'bad%zz', sequencer: '1' } } }, 'b1/bad%zz'),
      ),
    ).toEqual(['Records[0].s3.object.key: "bad%zz" is not URL-encoded']);
    expect(await problemsOf(withRecord({}, 'b1/other'))).toEqual([
      'Key: "b1/other" is not the record\'s bucket and decoded key "b1/k"',
    ]);
  });
});

describe('queryUnescape', () => {
  it("decodes as Go's url.QueryUnescape", () => {
    expect(queryUnescape('a+b%2Fc%C3%BC')).toBe('a b/cü');
    expect(queryUnescape('100%')).toBeUndefined();
  });
});
