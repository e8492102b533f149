import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { measureReplicationLag } from '../../../../../functions/core/dr/replication/lag.ts';
import {
  OBJECT_EVENT_FORMAT,
  type ObjectEvent,
} from '../../../../../functions/core/dr/replication/object-event.ts';
import {
  clearPending,
  clearPendingBefore,
  oldestPending,
  PENDING_TTL_SECONDS,
  type PendingTable,
  pendingSortKey,
  recordPending,
} from '../../../../../functions/core/dr/replication/pending-journal.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../../support/local-dynamodb.ts';

const now = new Date('2026-11-26T07:10:00.000Z');

function event(bucket: string, key: string, eventTime: string, sequencer = '1'): ObjectEvent {
  return {
    format: OBJECT_EVENT_FORMAT,
    bucket,
    key,
    change: 'created',
    eventName: 's3:ObjectCreated:Put',
    eventTime,
    sequencer,
  };
}

describe('pending journal and replication lag', () => {
  const dynamo = useLocalDynamoDb();
  const table = (): PendingTable => ({ dynamoDb: dynamo.client(), tableName: OPS_TABLE, clock: () => now });

  it('sorts a bucket by event time, then sequencer, so the oldest pending event is the first item', async () => {
    const events = [
      event('lag-a', 'late.json', '2026-11-26T07:09:00.000Z'),
      event('lag-a', 'same-ms-second.json', '2026-11-26T07:05:00.000Z', '187B2C3D4E5F6072'),
      event('lag-a', 'same-ms-first.json', '2026-11-26T07:05:00.000Z', 'FFFF'),
    ];
    await recordPending(table(), events);

    expect(await oldestPending(table(), 'lag-a')).toEqual({
      bucket: 'lag-a',
      key: 'same-ms-first.json',
      eventName: 's3:ObjectCreated:Put',
      eventTime: '2026-11-26T07:05:00.000Z',
    });
    expect(pendingSortKey(events[2]!) < pendingSortKey(events[1]!)).toBe(true);
  });

  it('computes the lag from the oldest pending record, per bucket and overall', async () => {
    await recordPending(table(), [
      event('lag-b', 'old.json', '2026-11-26T07:06:30.000Z'),
      event('lag-b', 'new.json', '2026-11-26T07:09:50.000Z'),
      event('lag-c', 'c.json', '2026-11-26T07:08:00.000Z'),
    ]);

    const lag = await measureReplicationLag(table(), ['lag-b', 'lag-c', 'lag-empty']);

    expect(lag).toEqual({
      measuredAt: now.toISOString(),
      lagSeconds: 210,
      oldestPending: {
        bucket: 'lag-b',
        key: 'old.json',
        eventName: 's3:ObjectCreated:Put',
        eventTime: '2026-11-26T07:06:30.000Z',
        ageSeconds: 210,
      },
      perBucket: {
        'lag-b': { lagSeconds: 210, oldestPending: expect.objectContaining({ key: 'old.json' }) },
        'lag-c': {
          lagSeconds: 120,
          oldestPending: expect.objectContaining({ key: 'c.json', ageSeconds: 120 }),
        },
        'lag-empty': { lagSeconds: 0, oldestPending: null },
      },
    });
  });

  it('reports no lag once the pending records are cleared, and records a repeated event once', async () => {
    const repeated = event('lag-d', 'x.json', '2026-11-26T07:00:00.000Z');
    await recordPending(table(), [repeated, repeated]);
    await recordPending(table(), [repeated]);

    await clearPending(table(), [repeated]);

    expect(await measureReplicationLag(table(), ['lag-d'])).toMatchObject({
      lagSeconds: 0,
      oldestPending: null,
    });
  });

  it('gives each record a TTL past the queue retention', async () => {
    await recordPending(table(), [event('lag-e', 'ttl.json', '2026-11-26T07:00:00.000Z')]);

    const { Items } = await dynamo.client().send(
      new QueryCommand({
        TableName: OPS_TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'REPLICATION#PENDING#lag-e' } },
      }),
    );
    expect(Items?.[0]?.expiresAt?.N).toBe(String(Math.floor(now.getTime() / 1000) + PENDING_TTL_SECONDS));
  });

  it('clears the records before a cutoff except those it is told to keep, across pages', async () => {
    const old = Array.from({ length: 30 }, (_, index) =>
      event(
        'lag-f',
        `old-${index}.json`,
        new Date(Date.parse('2026-11-26T06:00:00.000Z') + index * 1000).toISOString(),
      ),
    );
    await recordPending(table(), [...old, event('lag-f', 'recent.json', '2026-11-26T07:09:00.000Z')]);

    const cleared = await clearPendingBefore(
      table(),
      'lag-f',
      new Date('2026-11-26T07:00:00.000Z'),
      (record) => record.key === 'old-3.json',
    );

    expect(cleared).toBe(29);
    const lag = await measureReplicationLag(table(), ['lag-f']);
    expect(lag.oldestPending).toMatchObject({ key: 'old-3.json' });
    await clearPending(table(), [old[3]!]);
    expect((await measureReplicationLag(table(), ['lag-f'])).oldestPending).toMatchObject({
      key: 'recent.json',
    });
  });
});
