import * as z from 'zod/mini';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { sourceBucketsOf } from './commons/bucket-list.ts';
import { awaitReplicationDrainHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { failoverIdSchema } from './core/dr/failover/request.ts';
import { awaitReplicationDrain, DEFAULT_DRAIN_TIMEOUT_SECONDS } from './core/dr/fence/drain.ts';
import { measureReplicationLag } from './core/dr/replication/lag.ts';

const eventSchema = z.looseObject({
  failoverId: failoverIdSchema,
  deadline: z.optional(z.iso.datetime()),
  /** The fence's buckets status (`fenced`, `unreachable`, ...), passed on from look to look. */
  bucketsFence: z.optional(z.string()),
});

/**
 * dr-failover: one look at the replication pending journal (`drained`, `waiting`, `timed-out`) and
 * the RPO; the workflow waits and calls again with the `deadline` the first look returned.
 */
export const handler = createHandler(
  {
    name: 'await-replication-drain',
    environment: awaitReplicationDrainHandlerEnvironment,
    event: eventSchema,
  },
  async ({ failoverId, deadline, bucketsFence }, { env }) => {
    const table = { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME };
    const buckets = sourceBucketsOf('await-replication-drain', env);
    const result = await awaitReplicationDrain(
      { environment: env.ENVIRONMENT_NAME, failoverId, side: 'primary' },
      { ...(deadline ? { deadline } : {}), ...(bucketsFence ? { bucketsFence } : {}) },
      {
        table,
        measureLag: () => measureReplicationLag(table, buckets),
        timeoutSeconds: env.DR_DRAIN_TIMEOUT_SECONDS ?? DEFAULT_DRAIN_TIMEOUT_SECONDS,
      },
    );
    return { failoverId, ...(bucketsFence ? { bucketsFence } : {}), ...result };
  },
);
