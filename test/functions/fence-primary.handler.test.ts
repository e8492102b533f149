import { describe, expect, it } from 'vitest';
import { handler as awaitDrain } from '../../functions/await-replication-drain.handler.ts';
import { clearMinioClientCache } from '../../functions/commons/minio-client.ts';
import { handler as fencePrimary } from '../../functions/fence-primary.handler.ts';
import { handler as liftFence } from '../../functions/lift-fence.handler.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import { itRefusesEnvironment } from './support/rejection.ts';

const FAILOVER_ID = '20260301T020000Z-a1b2c3';
/** Nothing listens there: the primary region as a lost one looks to the handlers. */
const LOST = 'http://127.0.0.1:9';

describe('fence-primary, lift-fence and await-replication-drain handlers with the primary lost', () => {
  const dynamo = useLocalDynamoDb();
  useHandlerEnvironment(() => {
    clearMinioClientCache();
    return {
      OPS_TABLE_NAME: OPS_TABLE,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
      AWS_ENDPOINT_URL_EKS: LOST,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: LOST,
      AWS_MAX_ATTEMPTS: '1',
      CLUSTER_NAME: 'lakehouse-primary',
      MINIO_ENDPOINT: LOST,
      MINIO_CREDENTIALS_SECRET_ID: 'lakehouse/test/minio',
      PREFECT_API_URL: `${LOST}/api`,
      BACKUP_SOURCE_BUCKETS: 'market,reference',
      FENCE_PROBE_TIMEOUT_MS: '500',
    };
  });
  const fence = (step: string) =>
    fencePrimary({ failoverId: FAILOVER_ID, step }, lambdaContext('fence-primary'));

  it.each(['prefect', 'writers', 'buckets'])(
    'reports step %s unreachable so the failover goes on',
    async (step) => {
      await expect(fence(step)).resolves.toMatchObject({
        step,
        side: 'primary',
        status: 'unreachable',
        saved: 0,
      });
    },
  );

  it('lifts nothing that was never fenced, and the drain reports the lag now as the RPO', async () => {
    await expect(liftFence({ failoverId: FAILOVER_ID }, lambdaContext('lift-fence'))).resolves.toMatchObject({
      status: 'lifted',
      steps: [{ status: 'not-fenced' }, { status: 'not-fenced' }, { status: 'not-fenced' }],
    });
    await expect(
      awaitDrain({ failoverId: FAILOVER_ID }, lambdaContext('await-replication-drain')),
    ).resolves.toMatchObject({
      status: 'drained',
      rpo: { seconds: 0, basis: 'replication lag now (the buckets were not fenced)' },
    });
  });

  it('lifts only the steps asked for, in lift order (dr-failback lifts the buckets before its resync)', async () => {
    const lifted = await liftFence(
      { failoverId: FAILOVER_ID, steps: ['buckets'] },
      lambdaContext('lift-fence'),
    );
    expect(lifted.steps).toHaveLength(1);
    expect(lifted.steps[0]).toMatchObject({ step: 'buckets' });
    await expect(
      liftFence({ failoverId: FAILOVER_ID, steps: ['dns'] } as never, lambdaContext('lift-fence')),
    ).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('buckets') });
  });

  it('refuses an unknown step, naming the steps it knows', async () => {
    await expect(fence('dns')).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('prefect'),
    });
  });

  itRefusesEnvironment('PREFECT_API_URL', 'not a url', () => fence('prefect'));
});
