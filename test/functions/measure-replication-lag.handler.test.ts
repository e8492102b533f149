import { describe, expect, it } from 'vitest';
import { recordPending } from '../../functions/core/dr/replication/pending-journal.ts';
import { handler } from '../../functions/measure-replication-lag.handler.ts';
import { emittedMetrics, lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import { itRefusesEnvironment } from './support/rejection.ts';
import { objectEvent } from './support/replication-harness.ts';

describe('measure-replication-lag handler', () => {
  const dynamo = useLocalDynamoDb();
  const { output } = useHandlerEnvironment(() => ({
    OPS_TABLE_NAME: OPS_TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url(),
    BACKUP_SOURCE_BUCKETS: 'lag-market,lag-reference',
    ENVIRONMENT_NAME: 'test',
  }));
  const invoke = () => handler({}, lambdaContext('measure-replication-lag'));

  it('reports zero lag and publishes it when nothing is pending', async () => {
    await expect(invoke()).resolves.toMatchObject({ lagSeconds: 0, oldestPending: null });
    expect(
      emittedMetrics(output().lines()).find((metric) => 'ReplicationLag' in metric && !('bucket' in metric)),
    ).toMatchObject({
      ReplicationLag: 0,
    });
  });

  it('publishes the age of the oldest pending event, overall and per bucket', async () => {
    const fourMinutesAgo = new Date(Date.now() - 240_000).toISOString();
    const aMinuteAgo = new Date(Date.now() - 60_000).toISOString();
    await recordPending({ dynamoDb: dynamo.client(), tableName: OPS_TABLE }, [
      objectEvent({ bucket: 'lag-market', key: 'stuck.json', eventTime: fourMinutesAgo }),
      objectEvent({ bucket: 'lag-reference', key: 'recent.json', eventTime: aMinuteAgo }),
    ]);

    const lag = await invoke();

    expect(lag.oldestPending).toMatchObject({
      bucket: 'lag-market',
      key: 'stuck.json',
      eventTime: fourMinutesAgo,
    });
    expect(lag.lagSeconds).toBeGreaterThanOrEqual(240);
    expect(lag.lagSeconds).toBeLessThan(250);
    expect(lag.perBucket['lag-reference']?.lagSeconds).toBeGreaterThanOrEqual(60);
    const metrics = emittedMetrics(output().lines());
    const overall = metrics.find((metric) => 'ReplicationLag' in metric && !('bucket' in metric));
    const market = metrics.find((metric) => metric.bucket === 'lag-market');
    expect(overall?.ReplicationLag).toBe(lag.lagSeconds);
    expect(market?.ReplicationLag).toBe(lag.perBucket['lag-market']?.lagSeconds);
    expect(JSON.stringify(overall?._aws)).toContain('"Unit":"Seconds"');
    // The alarm selects the metric by environment (and Powertools' service).
    expect(overall?.environment).toBe('test');
  });

  itRefusesEnvironment('BACKUP_SOURCE_BUCKETS', undefined, invoke);
  itRefusesEnvironment('BACKUP_SOURCE_BUCKETS', 'market,Bad_Bucket', invoke, '"Bad_Bucket"');
});
