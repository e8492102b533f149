import { secretsManagerClient, snsClient } from './commons/aws-clients.ts';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { requestApprovalHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { readSigningKey } from './core/remediation/approval/approval-link.ts';
import { anyApprovalRequestSchema, requestApproval } from './core/remediation/approval/request-approval.ts';

/**
 * The approve-first Task (`lambda:invoke.waitForTaskToken`) of remediate (a playbook on an
 * alert's target) and of cost-optimise (`kind: 'change'`: right-sizing changes): stores the
 * pending approval with the Task's token and notifies the operators with signed approve and
 * reject links. Returns `{ approvalId, expiresAt }`; the Task itself ends when a decision answers
 * the token (approve-remediation, or `lakehouse-ops approvals decide`) or its timeout passes.
 */
export const handler = createHandler(
  {
    name: 'request-approval',
    environment: requestApprovalHandlerEnvironment,
    event: anyApprovalRequestSchema,
  },
  async (request, { env }) =>
    requestApproval(
      {
        table: { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
        signingKey: () => readSigningKey(secretsManagerClient(), env.APPROVAL_SIGNING_SECRET_ID),
        approvalUrl: env.APPROVAL_URL,
        notification: {
          sns: snsClient(),
          topicArn: env.NOTIFICATION_TOPIC_ARN,
          environment: env.ENVIRONMENT_NAME,
        },
      },
      request,
    ),
);
