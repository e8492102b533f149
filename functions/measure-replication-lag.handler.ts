import * as z from 'zod/mini';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { sourceBucketsOf } from './commons/bucket-list.ts';
import { measureReplicationLagHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { measureReplicationLag } from './core/dr/replication/lag.ts';

/**
 * Scheduled: the replication lag (age of the oldest event not yet replicated) as the metric
 * ReplicationLag, overall and with a `bucket` dimension per bucket; the alarm watches the overall one.
 */
export const handler = createHandler(
  {
    name: 'measure-replication-lag',
    environment: measureReplicationLagHandlerEnvironment,
    event: z.unknown(),
  },
  async (_event, { env, metrics }) => {
    const lag = await measureReplicationLag(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      sourceBucketsOf('measure-replication-lag', env),
    );
    metrics.addMetric('ReplicationLag', 'Seconds', lag.lagSeconds);
    for (const [bucket, { lagSeconds }] of Object.entries(lag.perBucket)) {
      const single = metrics.singleMetric();
      single.addDimension('bucket', bucket);
      single.addMetric('ReplicationLag', 'Seconds', lagSeconds);
    }
    return lag;
  },
);
