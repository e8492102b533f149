import { snsClient } from './commons/aws-clients.ts';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { escalateRemediationHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { readAuditTrail } from './core/audit/audit-trail.ts';
import { escalate, escalationEventSchema } from './core/remediation/escalation.ts';

/** remediate: pages a human with the alert, what was tried and how it ended, the target's events and logs. */
export const handler = createHandler(
  {
    name: 'escalate-remediation',
    environment: escalateRemediationHandlerEnvironment,
    event: escalationEventSchema,
  },
  async (event, { env }) =>
    escalate(event, {
      kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
      notification: {
        sns: snsClient(),
        topicArn: env.NOTIFICATION_TOPIC_ARN,
        environment: env.ENVIRONMENT_NAME,
      },
      auditTrail: (target) =>
        readAuditTrail({ dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME }, 'remediate', target),
    }),
);
