import { powertoolsEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { buildProvisionReport, provisionReportInputSchema } from './core/provision/report.ts';

/** provision, last step: the report of what was created, changed and left unchanged, and the verdict. */
export const handler = createHandler(
  { name: 'build-provision-report', environment: powertoolsEnvironment, event: provisionReportInputSchema },
  async (input, { logger, metrics }) => {
    const report = buildProvisionReport(input);
    logger.info('provision finished', { status: report.status, summary: report.summary });
    metrics.addMetric('ProvisionObjectsChanged', 'Count', report.summary.created + report.summary.changed);
    return report;
  },
);
