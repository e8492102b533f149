import { dynamoDbClient } from './commons/backup-clients.ts';
import { remediationLimitsHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { parseLimitsSettings } from './core/remediation/limits.ts';
import { recordRemediationStep, stepRecordSchema } from './core/remediation/step-record.ts';

/** remediate: one decision to the audit trail; the end of a playbook's attempt also to its breaker. */
export const handler = createHandler(
  {
    name: 'record-remediation-step',
    environment: remediationLimitsHandlerEnvironment,
    event: stepRecordSchema,
  },
  async (record, { env }) =>
    recordRemediationStep(
      {
        table: { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
        breaker: parseLimitsSettings(env.REMEDIATION_LIMITS).breaker,
        now: () => new Date(),
      },
      record,
    ),
);
