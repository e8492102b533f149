import { reportHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import {
  backupReportInputSchema,
  buildBackupReport,
  recordBackupMetrics,
} from './core/backup-workflow/report.ts';

/** backup: one report from every bucket's outcome and the volume jobs, with its metrics. */
export const handler = createHandler(
  { name: 'build-backup-report', environment: reportHandlerEnvironment, event: backupReportInputSchema },
  async (input, { env, logger, metrics }) => {
    const report = buildBackupReport(input, env.ENVIRONMENT_NAME, new Date());
    recordBackupMetrics(metrics, report);
    logger.info('backup finished', {
      status: report.status,
      summary: report.summary,
      failures: report.failures,
    });
    return report;
  },
);
