import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { recordPending } from '../../functions/core/dr/replication/pending-journal.ts';
import { handler } from '../../functions/replicate-objects.handler.ts';
import { listKeys, readObject } from './core/backup/support/backup-endpoints.ts';
import { emittedMetrics, lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { itRefusesEnvironment } from './support/rejection.ts';
import {
  objectEvent,
  REPLICA_BUCKET,
  sqsEvent,
  useReplicationHarness,
} from './support/replication-harness.ts';

const bucket = 'market-data';

describe('replicate-objects handler', () => {
  const harness = useReplicationHarness([bucket]);
  const { output } = useHandlerEnvironment(() => harness.environment());
  const invoke = (event: unknown) => handler(event, lambdaContext('replicate-objects'));
  const put = (key: string, body: string) =>
    harness.deps().source.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

  it('replicates a create and a delete from one SQS batch and reports no failure', async () => {
    await put('handler/kept.json', 'kept');
    await put('handler/removed.json', 'removed');
    await invoke(sqsEvent([objectEvent({ bucket, key: 'handler/removed.json' })]));
    await harness
      .deps()
      .source.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'handler/removed.json' }));
    const events = [
      objectEvent({ bucket, key: 'handler/kept.json' }),
      objectEvent({ bucket, key: 'handler/removed.json', change: 'removed' }),
    ];
    await recordPending(harness.table(), events);

    const result = await invoke(sqsEvent(events));

    const errors = output()
      .lines()
      .filter((line) => line.level === 'ERROR');
    expect(result, JSON.stringify(errors)).toEqual({ batchItemFailures: [] });
    expect(await listKeys(harness.deps().destination, REPLICA_BUCKET, `${bucket}/handler/`)).toEqual([
      `${bucket}/handler/kept.json`,
    ]);
    expect(
      (
        await readObject(harness.deps().destination, REPLICA_BUCKET, `${bucket}/handler/kept.json`)
      ).toString(),
    ).toBe('kept');
    expect((await harness.pending(bucket)).map((record) => record.key)).not.toEqual(
      expect.arrayContaining(['handler/kept.json']),
    );
    const metrics = emittedMetrics(output().lines());
    expect(metrics.at(-1)).toMatchObject({
      ReplicationObjectsCopied: 1,
      ReplicationObjectsDeleted: 1,
      ReplicationObjectsFailed: 0,
    });
  });

  it('returns each message as a batch item failure while the replica is down', async () => {
    await put('handler/outage.json', 'outage');
    const replica = harness.endpoints().destination;
    await replica.goOffline();
    let result: unknown;
    try {
      result = await invoke(sqsEvent([objectEvent({ bucket, key: 'handler/outage.json' }), 'garbage']));
    } finally {
      await replica.goOnline();
    }

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm0' }] });
  });

  it('fails the invocation with InvalidInputError for an event that is not from SQS', async () => {
    await expect(invoke({ detail: {} })).rejects.toMatchObject({ name: 'InvalidInputError' });
  });

  itRefusesEnvironment('REPLICA_BUCKET_NAME', undefined, () => invoke(sqsEvent([])));
  itRefusesEnvironment('OPS_TABLE_NAME', '', () => invoke(sqsEvent([])));
});
