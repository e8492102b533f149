import { describe, expect, it } from 'vitest';
import { handler as acquire } from '../../functions/acquire-backup-lock.handler.ts';
import { handler as release } from '../../functions/release-backup-lock.handler.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import { rejectionOf } from './support/rejection.ts';

describe('acquire-backup-lock and release-backup-lock handlers', () => {
  const dynamo = useLocalDynamoDb();
  useHandlerEnvironment(() => ({
    OPS_TABLE_NAME: OPS_TABLE,
    BACKUP_LOCK_TTL_SECONDS: '600',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
  }));
  const run = (owner: string) => ({
    bucket: 'lakehouse-raw',
    runId: '20260301T020000Z-0badcafe',
    owner,
    dryRun: false,
  });

  it('gives the bucket to one execution at a time and back on release', async () => {
    const lease = await acquire(run('execution-a'), lambdaContext());
    expect(lease).toMatchObject({ scope: 'backup', name: 'lakehouse-raw', owner: 'execution-a' });
    const ttl = lease.expiresAt - Date.parse(lease.acquiredAt) / 1000;
    // expiresAt is in whole seconds, acquiredAt to the millisecond.
    expect(ttl).toBeGreaterThan(599);
    expect(ttl).toBeLessThanOrEqual(600);

    const refused = await rejectionOf(acquire(run('execution-b'), lambdaContext()));
    expect(refused).toMatchObject({ name: 'LockHeldError', details: { holder: 'execution-a' } });

    expect(await release(run('execution-b'), lambdaContext())).toMatchObject({
      released: false,
      heldBy: 'execution-a',
    });
    expect(await release(run('execution-a'), lambdaContext())).toMatchObject({ released: true });
    await expect(acquire(run('execution-b'), lambdaContext())).resolves.toMatchObject({
      owner: 'execution-b',
    });
  });

  it('refuses an event without an owner', async () => {
    const error = await rejectionOf(acquire({ bucket: 'lakehouse-raw', runId: 'r' }, lambdaContext()));
    expect(error).toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('owner') });
  });
});
