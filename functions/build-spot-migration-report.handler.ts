import { powertoolsEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { buildSpotMigrationReport, spotMigrationReportInputSchema } from './core/cost/spot/report.ts';

/** spot-migration: the run's report from its state; the status decides how the execution ends. */
export const handler = createHandler(
  {
    name: 'build-spot-migration-report',
    environment: powertoolsEnvironment,
    event: spotMigrationReportInputSchema,
  },
  async (input) => buildSpotMigrationReport(input),
);
