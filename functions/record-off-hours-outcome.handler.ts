import { auditHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { writeAuditRecord } from './core/audit/audit-trail.ts';
import {
  buildOffHoursReport,
  offHoursAuditRecord,
  offHoursOutcomeSchema,
} from './core/cost/off-hours/report.ts';
import { opsTable } from './core/cost/off-hours/wiring.ts';

/** off-hours: the run's report (also for a failed run), written to the audit trail once per execution. */
export const handler = createHandler(
  { name: 'record-off-hours-outcome', environment: auditHandlerEnvironment, event: offHoursOutcomeSchema },
  async (event, { env }) => {
    const outcome = { ...event, environment: env.ENVIRONMENT_NAME };
    const report = buildOffHoursReport(outcome);
    await writeAuditRecord(opsTable(env), offHoursAuditRecord(outcome, report));
    return report;
  },
);
