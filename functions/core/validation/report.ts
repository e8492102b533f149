import * as z from 'zod/mini';
import {
  CHECK_NAMES,
  type CheckName,
  type CheckResult,
  checkResultSchema,
  PERFORMANCE_CHECK_NAMES,
} from './check-result.ts';
import { type ValidatePlatformRequest, validatePlatformRequestSchema } from './request.ts';

export const validationReportSchema = z.object({
  workflow: z.literal('validate-platform'),
  environment: z.string(),
  suite: validatePlatformRequestSchema.shape.suite,
  /** Whether the performance checks were part of this run (the request's `performance`). */
  performance: z.optional(z.boolean()),
  status: z.enum(['HEALTHY', 'UNHEALTHY']),
  summary: z.object({ passed: z.int(), failed: z.int(), errored: z.int() }),
  checks: z.array(checkResultSchema),
});
export type ValidationReport = z.output<typeof validationReportSchema>;

/** The checks a request runs: the health suite, and the performance checks when asked for. */
export function expectedChecks(request: ValidatePlatformRequest): readonly CheckName[] {
  return request.performance ? [...CHECK_NAMES, ...PERFORMANCE_CHECK_NAMES] : CHECK_NAMES;
}

/**
 * Collects the suite's check results into one verdict. A check of the suite that did not report
 * at all counts as ERROR: a silent gap must never read as healthy.
 */
export function buildValidationReport(
  request: ValidatePlatformRequest,
  checks: readonly CheckResult[],
  environment: string,
): ValidationReport {
  const reported = new Set(checks.map((check) => check.name));
  const missing: CheckResult[] = expectedChecks(request)
    .filter((name) => !reported.has(name))
    .map((name) => ({
      name,
      status: 'ERROR',
      detail: 'the check did not report a result',
      durationMs: 0,
      observations: {},
    }));
  const all = [...checks, ...missing];
  const summary = {
    passed: all.filter((check) => check.status === 'PASSED').length,
    failed: all.filter((check) => check.status === 'FAILED').length,
    errored: all.filter((check) => check.status === 'ERROR').length,
  };
  return {
    workflow: 'validate-platform',
    environment,
    suite: request.suite,
    performance: request.performance,
    status: summary.failed === 0 && summary.errored === 0 ? 'HEALTHY' : 'UNHEALTHY',
    summary,
    checks: all,
  };
}

/** The slice of Powertools Metrics the report needs, so the logic is testable without EMF output. */
export interface MetricsRecorder {
  addMetric(name: string, unit: 'Count', value: number): void;
  singleMetric(): {
    addDimension(name: string, value: string): void;
    addMetric(name: string, unit: 'Count', value: number): void;
  };
}

/**
 * One `CheckPassed` (0/1) per check, dimensioned by check so each can alarm on its own, and one
 * `PlatformHealthy` (0/1) for the dashboard and the overall alarm.
 */
export function recordValidationMetrics(metrics: MetricsRecorder, report: ValidationReport): void {
  for (const check of report.checks) {
    const single = metrics.singleMetric();
    single.addDimension('check', check.name);
    single.addMetric('CheckPassed', 'Count', check.status === 'PASSED' ? 1 : 0);
  }
  metrics.addMetric('PlatformHealthy', 'Count', report.status === 'HEALTHY' ? 1 : 0);
}
