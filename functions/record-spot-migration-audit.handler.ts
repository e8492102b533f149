import { auditHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { writeAuditRecord } from './core/audit/audit-trail.ts';
import { spotMigrationAuditRecord } from './core/cost/spot/audit.ts';
import { spotOpsTable } from './core/cost/spot/ops-table.ts';
import { recordSpotMigrationAuditEventSchema } from './core/cost/spot/steps.ts';

/** spot-migration's last step before its verdict: the report in the audit trail, once per execution. */
export const handler = createHandler(
  {
    name: 'record-spot-migration-audit',
    environment: auditHandlerEnvironment,
    event: recordSpotMigrationAuditEventSchema,
  },
  async ({ report, executionId }, { env }) =>
    writeAuditRecord(spotOpsTable(env), spotMigrationAuditRecord(report, executionId)),
);
