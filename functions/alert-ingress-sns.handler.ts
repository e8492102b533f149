import { eventBridgeClient } from './commons/aws-clients.ts';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { alertIngressSnsHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { ingestSnsAlerts, snsEventSchema } from './core/remediation/ingress/sns-alerts.ts';

/**
 * Amazon Managed Prometheus alerts from its SNS topic (AMP's JSON message template). A failure to
 * publish fails the invocation, so Lambda retries it; what was published is not published again.
 */
export const handler = createHandler(
  { name: 'alert-ingress-sns', environment: alertIngressSnsHandlerEnvironment, event: snsEventSchema },
  async (event, { env, logger }) =>
    ingestSnsAlerts(
      {
        table: { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
        bus: { eventBridge: eventBridgeClient(), eventBusName: env.ALERT_EVENT_BUS_NAME },
        logger,
      },
      event,
    ),
);
