import * as z from 'zod/mini';
import { reportHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { checkResultSchema } from './core/validation/check-result.ts';
import { buildValidationReport, recordValidationMetrics } from './core/validation/report.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';

const reportInputSchema = z.object({
  request: validatePlatformRequestSchema,
  checks: z.array(checkResultSchema),
  /** The performance stage's results; empty when the request did not ask for them. */
  performanceChecks: z._default(z.array(checkResultSchema), []),
});

/** validate-platform: one verdict from all check results, and the CheckPassed/PlatformHealthy metrics. */
export const handler = createHandler(
  { name: 'build-validation-report', environment: reportHandlerEnvironment, event: reportInputSchema },
  async ({ request, checks, performanceChecks }, { env, logger, metrics }) => {
    const report = buildValidationReport(request, [...checks, ...performanceChecks], env.ENVIRONMENT_NAME);
    recordValidationMetrics(metrics, report);
    logger.info('platform validation finished', { status: report.status, summary: report.summary });
    return report;
  },
);
