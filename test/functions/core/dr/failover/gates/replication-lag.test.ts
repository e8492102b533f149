import { describe, expect, it } from 'vitest';
import { replicationLagGate } from '../../../../../../functions/core/dr/failover/gates/replication-lag.ts';
import { measureReplicationLag } from '../../../../../../functions/core/dr/replication/lag.ts';
import { OBJECT_EVENT_FORMAT } from '../../../../../../functions/core/dr/replication/object-event.ts';
import {
  type PendingTable,
  recordPending,
} from '../../../../../../functions/core/dr/replication/pending-journal.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../../../support/local-dynamodb.ts';

const NOW = new Date('2026-03-02T06:00:00Z');

describe('replication-lag gate (dynalite pending journal)', () => {
  const dynamo = useLocalDynamoDb();
  let bucketNumber = 0;

  const pendingTable = (tableName = OPS_TABLE): PendingTable => ({
    dynamoDb: dynamo.client(),
    tableName,
    clock: () => NOW,
  });

  /** A bucket of its own with one pending event `ageSeconds` old (none when undefined). */
  async function bucketLagging(ageSeconds?: number): Promise<string> {
    const bucket = `market-data-${++bucketNumber}`;
    if (ageSeconds !== undefined) {
      await recordPending(pendingTable(), [
        {
          format: OBJECT_EVENT_FORMAT,
          bucket,
          key: 'ticks/2026/03/02/0001.parquet',
          change: 'created',
          eventName: 's3:ObjectCreated:Put',
          eventTime: new Date(NOW.getTime() - ageSeconds * 1000).toISOString(),
          sequencer: '17F8A1B2C3D4E5F6',
        },
      ]);
    }
    return bucket;
  }

  const gate = (buckets: string[], table = pendingTable()) =>
    replicationLagGate({ measureLag: () => measureReplicationLag(table, buckets), rpoSeconds: 300 });

  it('passes when nothing is waiting to be replicated', async () => {
    const verdict = await gate([await bucketLagging()]);

    expect(verdict).toMatchObject({
      gate: 'replication-lag',
      passed: true,
      detail: 'replication lag is 0 s, under the 300 s RPO (nothing is waiting to be replicated)',
      evidence: { measured: 0, limit: 300, unit: 'seconds' },
    });
  });

  it('passes with the oldest pending event younger than the RPO, naming it', async () => {
    const verdict = await gate([await bucketLagging(42), await bucketLagging(7)]);

    expect(verdict.passed).toBe(true);
    expect(verdict.detail).toContain('replication lag is 42 s, under the 300 s RPO');
    expect(verdict.evidence).toMatchObject({ measured: 42, limit: 300 });
  });

  it('fails when the oldest pending event is older than the RPO, saying what would be lost', async () => {
    const late = await bucketLagging(412);
    const verdict = await gate([await bucketLagging(5), late]);

    expect(verdict.passed).toBe(false);
    expect(verdict.detail).toBe(
      `replication lag is 412 s, not under the 300 s RPO: the oldest unreplicated event is s3:ObjectCreated:Put of ${late}/ticks/2026/03/02/0001.parquet at 2026-03-02T05:53:08.000Z, so failing over now loses more than the RPO allows`,
    );
    expect(verdict.evidence).toMatchObject({ measured: 412, limit: 300, perBucket: { [late]: 412 } });
  });

  it('fails as "could not be evaluated" when the ops table cannot be read', async () => {
    const verdict = await gate([await bucketLagging()], pendingTable('no-such-table'));

    expect(verdict.passed).toBe(false);
    expect(verdict.detail).toMatch(
      /^the replication-lag gate could not be evaluated: ResourceNotFoundException/,
    );
    expect(verdict.evidence).toMatchObject({ measured: null, limit: 300, unit: 'seconds' });
  });
});
