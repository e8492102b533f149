import { backupDestination } from './commons/backup-clients.ts';
import { backupReportHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import {
  backupReportInputSchema,
  buildBackupReport,
  findRestorePoints,
  recordBackupMetrics,
} from './core/backup-workflow/report.ts';

/**
 * backup: one report from every bucket's outcome and the volume jobs, with its metrics. A bucket
 * that was skipped or not planned has its newest complete backup looked up under manifests/, so
 * its RPO counts too.
 */
export const handler = createHandler(
  {
    name: 'build-backup-report',
    environment: backupReportHandlerEnvironment,
    event: backupReportInputSchema,
  },
  async (input, { env, logger, metrics }) => {
    const restorePoints = await findRestorePoints(backupDestination(env), input);
    const report = buildBackupReport(input, env.ENVIRONMENT_NAME, new Date(), restorePoints);
    recordBackupMetrics(metrics, report);
    logger.info('backup finished', {
      status: report.status,
      summary: report.summary,
      failures: report.failures,
    });
    return report;
  },
);
