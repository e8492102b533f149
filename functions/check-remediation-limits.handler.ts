import { dynamoDbClient } from './commons/backup-clients.ts';
import { remediationLimitsHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import {
  checkRemediationLimits,
  limitsRequestSchema,
  parseLimitsSettings,
} from './core/remediation/limits.ts';

/** remediate: the playbook's breaker and the global, playbook and target rate limits (DynamoDB). */
export const handler = createHandler(
  {
    name: 'check-remediation-limits',
    environment: remediationLimitsHandlerEnvironment,
    event: limitsRequestSchema,
  },
  async (request, { env }) =>
    checkRemediationLimits(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      parseLimitsSettings(env.REMEDIATION_LIMITS),
      request,
      new Date(),
    ),
);
