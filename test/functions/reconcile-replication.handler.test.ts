import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/reconcile-replication.handler.ts';
import { listKeys } from './core/backup/support/backup-endpoints.ts';
import { emittedMetrics, lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { expectFailure } from './support/rejection.ts';
import { REPLICA_BUCKET, useReplicationHarness } from './support/replication-harness.ts';

const market = 'market-data';
const reference = 'ref-data';

describe('reconcile-replication handler', () => {
  const harness = useReplicationHarness([market, reference], {
    [market]: { 'ticks/1.json': '1', 'ticks/2.json': '2' },
    [reference]: { 'assets.csv': 'btc,eth' },
  });
  const { output } = useHandlerEnvironment(() => harness.environment());
  const invoke = (input: unknown) => handler(input, lambdaContext('reconcile-replication'));
  const replicaKeys = () => listKeys(harness.deps().destination, REPLICA_BUCKET);

  it('reconciles every replicated bucket by default, repairing a missed create and a missed delete', async () => {
    const first = await invoke({});
    expect(first).toMatchObject({ complete: true, totals: { compared: 3, repaired: 3, failed: 0 } });
    await harness
      .deps()
      .source.send(new PutObjectCommand({ Bucket: market, Key: 'ticks/3.json', Body: '3' }));
    await harness.deps().source.send(new DeleteObjectCommand({ Bucket: market, Key: 'ticks/1.json' }));

    const second = await invoke({});

    expect(second).toMatchObject({
      complete: true,
      totals: { compared: 4, inSync: 2, repaired: 2, failed: 0 },
      buckets: [
        { bucket: market, repaired: { copied: 1, deleted: 1 } },
        { bucket: reference, inSync: 1 },
      ],
    });
    expect(await replicaKeys()).toEqual([
      `${market}/ticks/2.json`,
      `${market}/ticks/3.json`,
      `${reference}/assets.csv`,
    ]);
    expect(emittedMetrics(output().lines()).at(-1)).toMatchObject({
      ReplicationReconcileRepaired: 2,
      ReplicationReconcileFailed: 0,
      ReplicationRepairAge: expect.any(Number),
    });
  });

  it('reconciles only the buckets the input names', async () => {
    await expect(invoke({ buckets: [reference] })).resolves.toMatchObject({
      buckets: [{ bucket: reference, complete: true }],
    });
  });

  it('refuses a bucket name that is not one, naming it', async () => {
    await expectFailure(invoke({ buckets: ['Not_A_Bucket'] }), 'InvalidInputError', '"Not_A_Bucket"');
  });

  it('names a bucket that does not exist in MinIO', async () => {
    await expectFailure(invoke({ buckets: ['no-such-bucket'] }), 'UnknownBucketError', '"no-such-bucket"');
  });
});
