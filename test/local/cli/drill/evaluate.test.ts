import { describe, expect, it } from 'vitest';
import type { ValidationReport } from '../../../../functions/core/validation/report.ts';
import type { PublishedNotification } from '../../../../local/aws-sim/sns.ts';
import { evaluateScenario, reportOf } from '../../../../local/cli/drill/evaluate.ts';
import type { ExecutionResult, TimelineEntry } from '../../../../local/runner/execution-result.ts';

function report(status: ValidationReport['status'], nodes: 'PASSED' | 'FAILED'): ValidationReport {
  return {
    workflow: 'validate-platform',
    environment: 'local',
    suite: 'full',
    status,
    summary: { passed: nodes === 'PASSED' ? 1 : 0, failed: nodes === 'FAILED' ? 1 : 0, errored: 0 },
    checks: [{ name: 'nodes', status: nodes, detail: 'node detail', durationMs: 3, observations: {} }],
  };
}

const step = (retries: number): TimelineEntry => ({
  state: 'CheckNodes',
  type: 'Task',
  status: 'SUCCEEDED',
  startedAt: '',
  durationMs: 1,
  retries,
});
const healthyRun = (retries = 0): ExecutionResult => ({
  workflow: 'validate-platform',
  status: 'SUCCEEDED',
  output: report('HEALTHY', 'PASSED'),
  durationMs: 5,
  timeline: [step(retries)],
});
const unhealthyRun: ExecutionResult = {
  workflow: 'validate-platform',
  status: 'FAILED',
  error: 'PlatformUnhealthy',
  cause: JSON.stringify(report('UNHEALTHY', 'FAILED')),
  durationMs: 5,
  timeline: [step(0)],
};
const notification: PublishedNotification = {
  topicArn: 'arn',
  subject: 'UNHEALTHY',
  message: '{}',
  messageId: 'id',
  at: new Date(),
};

describe('evaluateScenario', () => {
  it('passes an unhealthy run that failed the predicted check and notified', () => {
    const verdict = evaluateScenario(
      { verdict: 'UNHEALTHY', checks: { nodes: 'FAILED' }, notified: true },
      unhealthyRun,
      [notification],
    );
    expect(verdict).toMatchObject({ passed: true, problems: [] });
    expect(verdict.report?.status).toBe('UNHEALTHY');
  });

  it('lists every difference from the expectation', () => {
    const verdict = evaluateScenario(
      { verdict: 'HEALTHY', checks: { nodes: 'PASSED' }, notified: false },
      unhealthyRun,
      [notification],
    );
    expect(verdict.passed).toBe(false);
    expect(verdict.problems).toEqual([
      'report is UNHEALTHY, expected HEALTHY',
      'execution FAILED, expected SUCCEEDED',
      'check nodes is FAILED (node detail), expected PASSED',
      'unexpected notification: UNHEALTHY',
    ]);
  });

  it('fails a scenario that expected a retry when nothing was retried', () => {
    const expectation = { verdict: 'HEALTHY', checks: {}, notified: false, retried: true } as const;
    expect(evaluateScenario(expectation, healthyRun(0), []).problems).toEqual([
      'no state was retried, so the retry path was not exercised',
    ]);
    expect(evaluateScenario(expectation, healthyRun(1), []).passed).toBe(true);
  });

  it('fails when the execution carries no report at all', () => {
    const crashed: ExecutionResult = {
      workflow: 'validate-platform',
      status: 'FAILED',
      error: 'InvalidInputError',
      cause: 'bad',
      durationMs: 1,
      timeline: [],
    };
    expect(reportOf(crashed)).toBeUndefined();
    expect(
      evaluateScenario({ verdict: 'HEALTHY', checks: {}, notified: false }, crashed, []).problems,
    ).toEqual(['no validation report: execution FAILED with InvalidInputError: bad']);
  });
});
