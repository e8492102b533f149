import { dynamoDbClient } from './commons/backup-clients.ts';
import { buildFailoverReportHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { writeAuditRecord } from './core/audit/audit-trail.ts';
import { readJournal } from './core/dr/failover/journal.ts';
import {
  buildFailoverReport,
  failoverAuditRecord,
  failoverReportInputSchema,
} from './core/dr/failover/report.ts';
import { DEFAULT_RPO_SECONDS, DEFAULT_RTO_MINUTES } from './core/dr/failover/settings.ts';

/** dr-failover: RTO, RPO and step timings against the targets, from the journal; into the audit trail. */
export const handler = createHandler(
  {
    name: 'build-failover-report',
    environment: buildFailoverReportHandlerEnvironment,
    event: failoverReportInputSchema,
  },
  async (input, { env, logger }) => {
    const table = { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME };
    const journal = await readJournal(table, env.ENVIRONMENT_NAME, input.failoverId);
    const report = buildFailoverReport(journal, input, {
      rpoSeconds: env.DR_RPO_SECONDS ?? DEFAULT_RPO_SECONDS,
      rtoMinutes: env.DR_RTO_MINUTES ?? DEFAULT_RTO_MINUTES,
    });
    await writeAuditRecord(table, failoverAuditRecord(report, input.executionId));
    logger.info('failover report', { failoverId: report.failoverId, subject: report.subject });
    return report;
  },
);
