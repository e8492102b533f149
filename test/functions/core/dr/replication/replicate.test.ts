import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { sdkObjectTransport } from '../../../../../functions/core/backup/object-transport.ts';
import { silentLogger } from '../../../../../functions/core/dr/replication/dependencies.ts';
import type { ObjectEvent } from '../../../../../functions/core/dr/replication/object-event.ts';
import { recordPending } from '../../../../../functions/core/dr/replication/pending-journal.ts';
import {
  type QueueMessage,
  replicateMessages,
} from '../../../../../functions/core/dr/replication/replicate.ts';
import { objectEvent, REPLICA_BUCKET, useReplicationHarness } from '../../../support/replication-harness.ts';
import {
  headMetadata,
  listKeys,
  patternBytes,
  readObject,
  sha256,
} from '../../backup/support/backup-endpoints.ts';

const bucket = 'market-data';
const MiB = 1024 * 1024;

describe('replicateMessages', () => {
  const harness = useReplicationHarness([bucket]);
  let nextMessage = 0;

  const messagesOf = (events: readonly (ObjectEvent | string)[]): QueueMessage[] =>
    events.map((event) => {
      nextMessage += 1;
      return {
        messageId: `message-${nextMessage}`,
        body: typeof event === 'string' ? event : JSON.stringify(event),
      };
    });

  /** Records the events as pending (as the ingress does), then replicates them as one SQS batch. */
  async function deliver(events: readonly (ObjectEvent | string)[], overrides = {}) {
    await recordPending(
      harness.table(),
      events.filter((event): event is ObjectEvent => typeof event !== 'string'),
    );
    const messages = messagesOf(events);
    const result = await replicateMessages(
      { stores: harness.stores(overrides), table: harness.table(), logger: silentLogger },
      messages,
    );
    return { ...result, messages };
  }

  const put = (key: string, body: string | Buffer) =>
    harness.deps().source.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const remove = (key: string) =>
    harness.deps().source.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  const replicaKeys = (prefix: string) =>
    listKeys(harness.deps().destination, REPLICA_BUCKET, `${bucket}/${prefix}`);
  const replicaContent = async (key: string) =>
    (await readObject(harness.deps().destination, REPLICA_BUCKET, `${bucket}/${key}`)).toString('utf8');
  const pendingKeys = async () => (await harness.pending(bucket)).map((record) => record.key);

  it('copies a created object to <bucket>/<key> with its SHA-256 and source ETag, and clears its pending record', async () => {
    await put('create/ticks 1.json', '{"price": 1}');
    const event = objectEvent({ bucket, key: 'create/ticks 1.json' });

    const result = await deliver([event]);

    expect(result).toMatchObject({ batchItemFailures: [], outcomes: { copied: 1 }, failedObjects: 0 });
    const source = await headMetadata(harness.deps().source, bucket, 'create/ticks 1.json');
    const replica = await headMetadata(
      harness.deps().destination,
      REPLICA_BUCKET,
      `${bucket}/create/ticks 1.json`,
    );
    expect(replica.metadata).toMatchObject({
      sha256: sha256('{"price": 1}'),
      'source-etag': source.etag?.replaceAll('"', ''),
    });
    expect(await replicaContent('create/ticks 1.json')).toBe('{"price": 1}');
    expect(await pendingKeys()).not.toContain('create/ticks 1.json');
  });

  it('replaces the replica when the source is overwritten', async () => {
    await put('overwrite/a.csv', 'v1');
    await deliver([objectEvent({ bucket, key: 'overwrite/a.csv' })]);
    await put('overwrite/a.csv', 'version two');

    const result = await deliver([objectEvent({ bucket, key: 'overwrite/a.csv' })]);

    expect(result.outcomes).toMatchObject({ copied: 1 });
    expect(await replicaContent('overwrite/a.csv')).toBe('version two');
  });

  it('deletes the replica key (a delete marker in the versioned bucket) when the source is removed', async () => {
    await put('delete/a.csv', 'doomed');
    await deliver([objectEvent({ bucket, key: 'delete/a.csv' })]);
    await remove('delete/a.csv');
    const removal = objectEvent({ bucket, key: 'delete/a.csv', change: 'removed' });

    const result = await deliver([removal]);

    expect(result.outcomes).toMatchObject({ deleted: 1 });
    expect(await replicaKeys('delete/')).toEqual([]);
    expect(await pendingKeys()).not.toContain('delete/a.csv');
    // Delivered again: the replica is already absent, so no second delete marker is written.
    expect((await deliver([removal])).outcomes).toMatchObject({ deleted: 0, absent: 1 });
  });

  it('keeps the object deleted when its delete event is processed before its create event', async () => {
    await put('reordered/gone.csv', 'short-lived');
    const created = objectEvent({ bucket, key: 'reordered/gone.csv', eventTime: '2026-11-26T07:00:00.000Z' });
    await deliver([created]);
    await remove('reordered/gone.csv');
    const removed = objectEvent({
      bucket,
      key: 'reordered/gone.csv',
      change: 'removed',
      eventTime: '2026-11-26T07:00:01.000Z',
    });

    expect((await deliver([removed])).outcomes).toMatchObject({ deleted: 1 });
    expect((await deliver([created])).outcomes).toMatchObject({ absent: 1, copied: 0 });
    expect(await replicaKeys('reordered/')).toEqual([]);
  });

  it('keeps the re-created object when a late delete event arrives after its create event', async () => {
    await put('recreated/a.csv', 'first life');
    await deliver([objectEvent({ bucket, key: 'recreated/a.csv' })]);
    await remove('recreated/a.csv');
    await put('recreated/a.csv', 'second life');

    expect((await deliver([objectEvent({ bucket, key: 'recreated/a.csv' })])).outcomes).toMatchObject({
      copied: 1,
    });
    const lateRemoval = objectEvent({ bucket, key: 'recreated/a.csv', change: 'removed' });
    expect((await deliver([lateRemoval])).outcomes).toMatchObject({ unchanged: 1, deleted: 0 });
    expect(await replicaContent('recreated/a.csv')).toBe('second life');
  });

  it('copies once for duplicate events, in one batch or delivered again', async () => {
    await put('duplicate/a.csv', 'once');
    const event = objectEvent({ bucket, key: 'duplicate/a.csv' });
    const replica = harness.deps().destination;
    const writes: string[] = [];
    replica.middlewareStack.add(
      (next, context) => (args) => {
        writes.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'countReplicaWrites' },
    );

    const first = await deliver([event, event, { ...event, eventName: 's3:ObjectCreated:Copy' }], {
      replica,
      objectTransport: sdkObjectTransport,
    });
    const again = await deliver([event], { replica, objectTransport: sdkObjectTransport });

    expect(first.outcomes).toEqual({ copied: 1, unchanged: 0, deleted: 0, absent: 0 });
    expect(again.outcomes).toEqual({ copied: 0, unchanged: 1, deleted: 0, absent: 0 });
    expect(writes.filter((name) => name === 'PutObjectCommand')).toHaveLength(1);
    expect(first.batchItemFailures).toEqual([]);
    expect(await pendingKeys()).not.toContain('duplicate/a.csv');
  });

  it('writes nothing when the source object was deleted before its create event is processed', async () => {
    await put('vanished/a.csv', 'blink');
    const created = objectEvent({ bucket, key: 'vanished/a.csv' });
    await remove('vanished/a.csv');

    const result = await deliver([created]);

    expect(result).toMatchObject({ batchItemFailures: [], outcomes: { absent: 1, copied: 0 } });
    expect(await replicaKeys('vanished/')).toEqual([]);
    expect(await pendingKeys()).not.toContain('vanished/a.csv');
  });

  it('streams an object above the multipart threshold, checksummed', async () => {
    const content = patternBytes(6 * MiB, 7);
    await put('large/book.parquet', content);

    const result = await deliver([objectEvent({ bucket, key: 'large/book.parquet' })], {
      multipartThresholdBytes: 5 * MiB,
      partBytes: 5 * MiB,
    });

    expect(result.outcomes).toMatchObject({ copied: 1 });
    const replica = await headMetadata(
      harness.deps().destination,
      REPLICA_BUCKET,
      `${bucket}/large/book.parquet`,
    );
    expect(replica).toMatchObject({ size: content.length, metadata: { sha256: sha256(content) } });
    expect(
      (await readObject(harness.deps().destination, REPLICA_BUCKET, `${bucket}/large/book.parquet`)).equals(
        content,
      ),
    ).toBe(true);
  });

  /**
   * A replica client that runs `afterPut` after each PutObject it sends (a writer racing the copy);
   * the copy must send its PUTs through the client (sdkObjectTransport) for the hook to see them.
   */
  function replicaRacing(afterPut: (count: number) => Promise<unknown>) {
    const replica = harness.deps().destination;
    let puts = 0;
    replica.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutObjectCommand') {
          puts += 1;
          await afterPut(puts);
        }
        return result;
      },
      { step: 'initialize', name: 'raceAfterPut' },
    );
    return replica;
  }

  it('copies again when the source changed while it was being copied, so the newest version wins', async () => {
    await put('race/a.csv', 'version one');
    const replica = replicaRacing(async (count) => {
      if (count === 1) await put('race/a.csv', 'version two, written during the copy');
    });

    const result = await deliver([objectEvent({ bucket, key: 'race/a.csv' })], {
      replica,
      objectTransport: sdkObjectTransport,
    });

    expect(result).toMatchObject({ batchItemFailures: [], outcomes: { copied: 1 } });
    expect(await replicaContent('race/a.csv')).toBe('version two, written during the copy');
  });

  it('fails the message with ReplicationRaceError when the source changes under every attempt', async () => {
    await put('race/b.csv', 'v0');
    const replica = replicaRacing((count) => put('race/b.csv', `v${count}`));
    const errors: Record<string, unknown>[] = [];

    const messages = messagesOf([objectEvent({ bucket, key: 'race/b.csv' })]);
    const result = await replicateMessages(
      {
        stores: harness.stores({ replica, objectTransport: sdkObjectTransport }),
        table: harness.table(),
        logger: { ...silentLogger, error: (_message, ...attributes) => void errors.push(...attributes) },
      },
      messages,
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: messages[0]!.messageId }]);
    expect(String(errors[0]?.error)).toContain(
      'ReplicationRaceError: market-data/race/b.csv changed at the source',
    );
  });

  it('logs each replicated object with the times of its stages: event, queued, batch start, replica written', async () => {
    await put('stages/a.csv', 'a');
    const first = objectEvent({ bucket, key: 'stages/a.csv', eventTime: '2026-11-26T07:00:00.000Z' });
    const second = objectEvent({ bucket, key: 'stages/a.csv', eventTime: '2026-11-26T07:00:00.500Z' });
    const [queuedFirst, queuedSecond] = messagesOf([second, first]);
    const ticks = ['2026-11-26T07:00:03.000Z', '2026-11-26T07:00:03.250Z'];
    const debug: Record<string, unknown>[] = [];

    await replicateMessages(
      {
        stores: harness.stores(),
        table: harness.table(),
        logger: {
          ...silentLogger,
          debug: (message, ...attributes) =>
            void debug.push({ message, ...Object.assign({}, ...attributes) }),
        },
        clock: () => new Date(ticks.shift() ?? 'invalid'),
      },
      [
        { ...queuedFirst!, attributes: { SentTimestamp: String(Date.parse('2026-11-26T07:00:01.200Z')) } },
        { ...queuedSecond!, attributes: { SentTimestamp: String(Date.parse('2026-11-26T07:00:01.100Z')) } },
      ],
    );

    expect(debug).toEqual([
      {
        message: 'object replicated',
        bucket,
        key: 'stages/a.csv',
        outcome: 'copied',
        eventTime: '2026-11-26T07:00:00.000Z',
        queuedAt: '2026-11-26T07:00:01.100Z',
        startedAt: '2026-11-26T07:00:03.000Z',
        syncedAt: '2026-11-26T07:00:03.250Z',
      },
    ]);
  });

  it('fails only the message that is not a replication event', async () => {
    await put('mixed/a.csv', 'fine');

    const result = await deliver([
      objectEvent({ bucket, key: 'mixed/a.csv' }),
      '{"format": "something-else"}',
      'not json',
    ]);

    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: result.messages[1]!.messageId },
      { itemIdentifier: result.messages[2]!.messageId },
    ]);
    expect(result).toMatchObject({ invalidMessages: 2, outcomes: { copied: 1 } });
  });

  it('reports every message of the batch as failed while the replica is down, keeping their pending records', async () => {
    await put('outage/a.csv', 'a');
    await put('outage/b.csv', 'b');
    const events = [
      objectEvent({ bucket, key: 'outage/a.csv' }),
      objectEvent({ bucket, key: 'outage/b.csv' }),
    ];
    const replicaEndpoint = harness.endpoints().destination;
    await replicaEndpoint.goOffline();
    let result: Awaited<ReturnType<typeof deliver>>;
    try {
      result = await deliver(events);
    } finally {
      await replicaEndpoint.goOnline();
    }

    expect(result.batchItemFailures.map(({ itemIdentifier }) => itemIdentifier).sort()).toEqual(
      result.messages.map(({ messageId }) => messageId).sort(),
    );
    expect(result.failedObjects).toBe(2);
    expect(await pendingKeys()).toEqual(expect.arrayContaining(['outage/a.csv', 'outage/b.csv']));

    // SQS delivers the failed messages again once the replica is back.
    const retried = await deliver(events);
    expect(retried).toMatchObject({ batchItemFailures: [], outcomes: { copied: 2 } });
    expect(await pendingKeys()).not.toEqual(expect.arrayContaining(['outage/a.csv']));
  });
});
