import * as z from 'zod/mini';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { sourceBucketsOf } from './commons/bucket-list.ts';
import { reconcileReplicationHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { replicationStores } from './commons/replication-clients.ts';
import { assertBucketName } from './core/backup/layout.ts';
import { reconcileReplication } from './core/dr/replication/reconcile.ts';

const inputSchema = z._default(
  z.object({
    /** The MinIO buckets to reconcile; every replicated bucket (BACKUP_SOURCE_BUCKETS) when absent. */
    buckets: z.optional(z.array(z.string()).check(z.minLength(1))),
  }),
  {},
);

/** Leaves the last bucket's pending-record cleanup and the report enough time before the timeout. */
const TIME_RESERVE_MS = 60_000;

/**
 * Scheduled reconciliation of the replica with MinIO: repairs what events missed, clears pending
 * records they no longer need, and reports how late the oldest repair was (ReplicationRepairAge).
 */
export const handler = createHandler(
  { name: 'reconcile-replication', environment: reconcileReplicationHandlerEnvironment, event: inputSchema },
  async (input, { env, metrics, logger, context }) => {
    const buckets = (input.buckets ?? sourceBucketsOf('reconcile-replication', env)).map((bucket) =>
      assertBucketName(bucket, 'bucket to reconcile'),
    );
    const report = await reconcileReplication(
      {
        stores: await replicationStores(env),
        table: { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
        logger,
      },
      {
        buckets: [...new Set(buckets)],
        deadline: Date.now() + context.getRemainingTimeInMillis() - TIME_RESERVE_MS,
        concurrency: env.REPLICATION_COPY_CONCURRENCY,
      },
    );
    metrics.addMetric('ReplicationReconcileRepaired', 'Count', report.totals.repaired);
    metrics.addMetric('ReplicationReconcileFailed', 'Count', report.totals.failed);
    metrics.addMetric('ReplicationRepairAge', 'Seconds', report.oldestRepairAgeSeconds ?? 0);
    return report;
  },
);
