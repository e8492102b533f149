import { auditHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { writeAuditRecord } from './core/audit/audit-trail.ts';
import { spotInterruptionAuditRecord } from './core/cost/spot/audit.ts';
import { spotOpsTable } from './core/cost/spot/ops-table.ts';
import { recordSpotInterruptionAuditEventSchema } from './core/cost/spot/steps.ts';

/** spot-interruption: the notice and what the drain did (or why it could not) in the audit trail. */
export const handler = createHandler(
  {
    name: 'record-spot-interruption-audit',
    environment: auditHandlerEnvironment,
    event: recordSpotInterruptionAuditEventSchema,
  },
  async ({ executionId, ...input }, { env }) =>
    writeAuditRecord(spotOpsTable(env), spotInterruptionAuditRecord(input, executionId)),
);
