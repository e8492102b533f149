import { eventBridgeClient, secretsManagerClient } from './commons/aws-clients.ts';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { alertIngressHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { handleAlertWebhook } from './core/remediation/ingress/alert-webhook.ts';
import { functionUrlEventSchema, webhookRequestOf } from './core/remediation/ingress/function-url.ts';
import { readWebhookCredentials } from './core/remediation/ingress/webhook-auth.ts';

/**
 * Alertmanager's webhook receiver behind a Lambda Function URL (auth type NONE: the bearer token
 * or basic auth is checked here). Every outcome is an HTTP response, 4xx and 503 included; only
 * a malformed invocation event or environment throws.
 */
export const handler = createHandler(
  { name: 'alert-ingress', environment: alertIngressHandlerEnvironment, event: functionUrlEventSchema },
  async (event, { env, logger }) =>
    handleAlertWebhook(
      {
        credentials: () => readWebhookCredentials(secretsManagerClient(), env.ALERT_WEBHOOK_SECRET_ID),
        table: { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
        bus: { eventBridge: eventBridgeClient(), eventBusName: env.ALERT_EVENT_BUS_NAME },
        logger,
      },
      webhookRequestOf(event),
    ),
);
