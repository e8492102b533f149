import { type ValidationReport, validationReportSchema } from '../../../functions/core/validation/report.ts';
import type { PublishedNotification } from '../../aws-sim/sns.ts';
import type { ExecutionResult } from '../../runner/execution-result.ts';
import { describeExecution, documentOf } from './execution-document.ts';
import type { DrillExpectation } from './scenarios.ts';

/**
 * Compares one validate-platform run with its scenario's expectation. The report is the execution
 * output when healthy, and the cause of the PlatformUnhealthy failure otherwise (that is how the
 * workflow hands it to whoever started it).
 */
export interface ValidationVerdict {
  readonly passed: boolean;
  readonly problems: readonly string[];
  readonly report?: ValidationReport;
}

export const UNHEALTHY_ERROR = 'PlatformUnhealthy';

export function reportOf(result: ExecutionResult): ValidationReport | undefined {
  return documentOf(result, validationReportSchema, UNHEALTHY_ERROR);
}

export function evaluateScenario(
  expectation: DrillExpectation,
  result: ExecutionResult,
  notifications: readonly PublishedNotification[],
): ValidationVerdict {
  const problems: string[] = [];
  const report = reportOf(result);
  if (!report) {
    problems.push(`no validation report: ${describeExecution(result)}`);
    return { passed: false, problems };
  }
  const expectedStatus = expectation.verdict === 'HEALTHY' ? 'SUCCEEDED' : 'FAILED';
  if (report.status !== expectation.verdict)
    problems.push(`report is ${report.status}, expected ${expectation.verdict}`);
  if (result.status !== expectedStatus)
    problems.push(`execution ${result.status}, expected ${expectedStatus}`);
  for (const [name, expected] of Object.entries(expectation.checks)) {
    const check = report.checks.find((candidate) => candidate.name === name);
    if (check?.status !== expected) {
      problems.push(
        `check ${name} is ${check ? `${check.status} (${check.detail})` : 'missing'}, expected ${expected}`,
      );
    }
  }
  if (expectation.notified && notifications.length === 0) problems.push('no notification was published');
  if (!expectation.notified && notifications.length > 0) {
    problems.push(`unexpected notification: ${notifications.map((n) => n.subject).join(', ')}`);
  }
  if (expectation.retried && !result.timeline.some((entry) => entry.retries > 0)) {
    problems.push('no state was retried, so the retry path was not exercised');
  }
  return { passed: problems.length === 0, problems, report };
}
