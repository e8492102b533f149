import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../../functions/core/dr/replication/dependencies.ts';
import { compareListed, pairListings } from '../../../../../functions/core/dr/replication/listing-diff.ts';
import { recordPending } from '../../../../../functions/core/dr/replication/pending-journal.ts';
import {
  CLOCK_MARGIN_MS,
  reconcileReplication,
} from '../../../../../functions/core/dr/replication/reconcile.ts';
import { replicateMessages } from '../../../../../functions/core/dr/replication/replicate.ts';
import { objectEvent, REPLICA_BUCKET, useReplicationHarness } from '../../../support/replication-harness.ts';
import { collect, listKeys, numberedObjects, readObject } from '../../backup/support/backup-endpoints.ts';

const missedCreate = 'missed-create';
const missedDelete = 'missed-delete';
const inSync = 'in-sync';
const failback = 'failback';
const seed = {
  [missedCreate]: numberedObjects(12, 'ticks/'),
  [missedDelete]: numberedObjects(5, 'ticks/'),
  [inSync]: numberedObjects(25, 'candles/'),
  [failback]: { 'a.json': 'a', 'b.json': 'b' },
};

describe('reconcileReplication', () => {
  const harness = useReplicationHarness(Object.keys(seed), seed);
  const reconcile = (buckets: string[], clock?: () => Date) =>
    reconcileReplication(
      { stores: harness.stores(), table: harness.table(), logger: silentLogger, clock },
      { buckets, concurrency: 3 },
    );
  const replicaKeys = (bucket: string) =>
    listKeys(harness.deps().destination, REPLICA_BUCKET, `${bucket}/`).then((keys) =>
      keys.map((key) => key.slice(bucket.length + 1)),
    );
  const sourceKeys = (bucket: string) => listKeys(harness.deps().source, bucket);

  it('copies every object a first run finds missing, then finds everything in sync', async () => {
    const first = await reconcile([inSync]);

    expect(first.buckets[0]).toMatchObject({
      bucket: inSync,
      complete: true,
      compared: 25,
      inSync: 0,
      repaired: { copied: 25 },
      failed: 0,
    });
    expect(await replicaKeys(inSync)).toEqual(await sourceKeys(inSync));

    const second = await reconcile([inSync]);
    expect(second.buckets[0]).toMatchObject({
      compared: 25,
      inSync: 25,
      repaired: { copied: 0, deleted: 0 },
    });
    expect(second.oldestRepairAgeSeconds).toBeNull();
  });

  it('repairs a create whose event was missed and reports how old the oldest repaired object is', async () => {
    await reconcile([missedCreate]);
    const client = harness.deps().source;
    await client.send(
      new PutObjectCommand({ Bucket: missedCreate, Key: 'ticks/late.json', Body: 'never notified' }),
    );
    await client.send(
      new PutObjectCommand({ Bucket: missedCreate, Key: 'ticks/0003.json', Body: 'changed, never notified' }),
    );
    const later = new Date(Date.now() + 90_000);

    const report = await reconcile([missedCreate], () => later);

    expect(report.buckets[0]).toMatchObject({
      complete: true,
      compared: 13,
      inSync: 11,
      repaired: { copied: 2 },
    });
    expect(report.oldestRepairAgeSeconds).toBeGreaterThanOrEqual(89);
    expect(report.buckets[0]?.oldestRepaired?.key).toMatch(/^ticks\/(late|0003)\.json$/);
    const replica = harness.deps().destination;
    expect((await readObject(replica, REPLICA_BUCKET, `${missedCreate}/ticks/late.json`)).toString()).toBe(
      'never notified',
    );
    expect((await readObject(replica, REPLICA_BUCKET, `${missedCreate}/ticks/0003.json`)).toString()).toBe(
      'changed, never notified',
    );
  });

  it('writes a delete marker for an object whose delete event was missed, and clears stale pending records', async () => {
    await reconcile([missedDelete]);
    await harness
      .deps()
      .source.send(new DeleteObjectCommand({ Bucket: missedDelete, Key: 'ticks/0001.json' }));
    const startedAt = new Date();
    // The delete's record, whose message died in the dead-letter queue; and an event too recent to judge.
    const stale = objectEvent({
      bucket: missedDelete,
      key: 'ticks/0001.json',
      change: 'removed',
      eventTime: new Date(startedAt.getTime() - CLOCK_MARGIN_MS - 5_000).toISOString(),
    });
    const recent = objectEvent({
      bucket: missedDelete,
      key: 'ticks/0002.json',
      eventTime: startedAt.toISOString(),
    });
    await recordPending(harness.table(), [stale, recent]);

    const report = await reconcile([missedDelete], () => startedAt);

    expect(report.buckets[0]).toMatchObject({
      compared: 5,
      inSync: 4,
      repaired: { deleted: 1 },
      pendingCleared: 1,
    });
    expect(await replicaKeys(missedDelete)).toEqual(await sourceKeys(missedDelete));
    expect(await replicaKeys(missedDelete)).not.toContain('ticks/0001.json');
    expect((await harness.pending(missedDelete)).map((record) => record.key)).toEqual(['ticks/0002.json']);
  });

  it('diffs the listings in the other direction too (failback: replica -> MinIO)', async () => {
    await replicateMessages(
      { stores: harness.stores(), table: harness.table(), logger: silentLogger },
      ['a.json', 'b.json'].map((key, index) => ({
        messageId: `failback-${index}`,
        body: JSON.stringify(objectEvent({ bucket: failback, key })),
      })),
    );
    await harness.deps().source.send(new PutObjectCommand({ Bucket: failback, Key: 'b.json', Body: 'bb' }));
    await harness.deps().source.send(new PutObjectCommand({ Bucket: failback, Key: 'c.json', Body: 'c' }));
    const replicaSide = { s3: harness.deps().destination, bucket: REPLICA_BUCKET, prefix: `${failback}/` };
    const minioSide = { s3: harness.deps().source, bucket: failback, prefix: '' };

    const pairs = await collect(pairListings(replicaSide, minioSide));
    const differences = await Promise.all(
      pairs.map(async (pair) => [pair.key, await compareListed(replicaSide, minioSide, pair)]),
    );

    expect(differences).toEqual([
      ['a.json', 'same'],
      ['b.json', 'changed'],
      ['c.json', 'extra'],
    ]);
  });
});
