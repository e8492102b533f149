import { secretsManagerClient, sqsClient } from './commons/aws-clients.ts';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { sourceBucketsOf } from './commons/bucket-list.ts';
import { replicationIngressHandlerEnvironment } from './commons/environment.ts';
import { functionUrlEventSchema, webhookRequestOf } from './commons/function-url.ts';
import { createHandler } from './commons/middleware.ts';
import { readWebhookCredentials } from './commons/webhook-auth.ts';
import { handleReplicationWebhook } from './core/dr/replication/webhook.ts';

/**
 * MinIO's webhook notification target behind a Lambda Function URL (auth type NONE: the bearer
 * token, MinIO's auth_token, is checked here): records each object event as pending and queues it
 * for replicate-objects. Every outcome is an HTTP response; only a malformed invocation throws.
 */
export const handler = createHandler(
  {
    name: 'replication-ingress',
    environment: replicationIngressHandlerEnvironment,
    event: functionUrlEventSchema,
  },
  async (event, { env, logger }) =>
    handleReplicationWebhook(
      {
        credentials: () => readWebhookCredentials(secretsManagerClient(), env.REPLICATION_WEBHOOK_SECRET_ID),
        table: { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
        queue: { sqs: sqsClient(), queueUrl: env.REPLICATION_QUEUE_URL },
        replicatedBuckets: new Set(sourceBucketsOf('replication-ingress', env)),
        logger,
      },
      webhookRequestOf(event),
    ),
);
