import * as z from 'zod/mini';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { auditHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { nonEmptyString } from './commons/schemas.ts';
import { writeAuditRecord } from './core/audit/audit-trail.ts';
import { provisionAuditRecord } from './core/provision/audit.ts';
import { provisionPlanSchema } from './core/provision/plan.ts';

const eventSchema = z.object({
  plan: provisionPlanSchema,
  report: z.looseObject({ status: nonEmptyString() }),
  executionId: nonEmptyString(),
});

/** provision's last step before its verdict: the run's request and report in the audit trail. */
export const handler = createHandler(
  { name: 'record-provision-audit', environment: auditHandlerEnvironment, event: eventSchema },
  async ({ plan, report, executionId }, { env }) =>
    writeAuditRecord(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      provisionAuditRecord(plan, report, executionId),
    ),
);
