import * as z from 'zod/mini';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { replicateObjectsHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { replicationStores } from './commons/replication-clients.ts';
import { nonEmptyString } from './commons/schemas.ts';
import { replicateMessages } from './core/dr/replication/replicate.ts';

/** The part of an SQS event the function reads; each body is checked on its own (a bad one fails alone). */
const sqsEventSchema = z.object({
  Records: z.array(
    z.looseObject({
      messageId: nonEmptyString(),
      body: z.string(),
      attributes: z.optional(z.looseObject({ SentTimestamp: z.optional(z.string()) })),
    }),
  ),
});

/**
 * The replication queue's consumer: brings each object's replica to its MinIO state now, clears
 * the events' pending records, and returns the messages that failed as batch item failures (the
 * event source mapping reports batch item failures, so only those are delivered again).
 */
export const handler = createHandler(
  { name: 'replicate-objects', environment: replicateObjectsHandlerEnvironment, event: sqsEventSchema },
  async (event, { env, logger, metrics }) => {
    const result = await replicateMessages(
      {
        stores: await replicationStores(env),
        table: { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
        logger,
        concurrency: env.REPLICATION_COPY_CONCURRENCY,
      },
      event.Records,
    );
    metrics.addMetric('ReplicationObjectsCopied', 'Count', result.outcomes.copied);
    metrics.addMetric('ReplicationObjectsDeleted', 'Count', result.outcomes.deleted);
    metrics.addMetric('ReplicationObjectsFailed', 'Count', result.failedObjects);
    return { batchItemFailures: result.batchItemFailures };
  },
);
