import { secretsManagerClient, sfnClient } from './commons/aws-clients.ts';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { approveRemediationHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import {
  approvalRequestOf,
  approvalUrlEventSchema,
  handleApprovalRequest,
} from './core/remediation/approval/approval-endpoint.ts';
import { readSigningKey } from './core/remediation/approval/approval-link.ts';
import { stepFunctionsTaskAnswers } from './core/remediation/approval/task-answers.ts';

/**
 * The approve and reject links of an approval notification, behind a Lambda Function URL (auth
 * type NONE: each link's HMAC signature is its authorisation). GET shows a confirmation form, POST
 * decides and answers the waiting remediate execution. Every outcome is an HTML page with its
 * status; only a malformed invocation event or environment throws.
 */
export const handler = createHandler(
  {
    name: 'approve-remediation',
    environment: approveRemediationHandlerEnvironment,
    event: approvalUrlEventSchema,
  },
  async (event, { env, logger }) =>
    handleApprovalRequest(
      {
        table: { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
        tasks: stepFunctionsTaskAnswers(sfnClient()),
        signingKey: () => readSigningKey(secretsManagerClient(), env.APPROVAL_SIGNING_SECRET_ID),
        environment: env.ENVIRONMENT_NAME,
        logger,
      },
      approvalRequestOf(event),
    ),
);
