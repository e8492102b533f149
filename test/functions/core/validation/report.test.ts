import { describe, expect, it } from 'vitest';
import {
  CHECK_NAMES,
  type CheckResult,
  PERFORMANCE_CHECK_NAMES,
} from '../../../../functions/core/validation/check-result.ts';
import {
  buildValidationReport,
  expectedChecks,
  type MetricsRecorder,
  recordValidationMetrics,
} from '../../../../functions/core/validation/report.ts';

const request = { suite: 'full', notify: true, requestedBy: 'console', performance: false } as const;
const passed = (name: string): CheckResult => ({
  name,
  status: 'PASSED',
  detail: 'ok',
  durationMs: 5,
  observations: {},
});
const allPassed = () => CHECK_NAMES.map(passed);

function recordingMetrics() {
  const recorded: { name: string; value: number; dimensions: Record<string, string> }[] = [];
  const recorder: MetricsRecorder = {
    addMetric: (name, _unit, value) => recorded.push({ name, value, dimensions: {} }),
    singleMetric: () => {
      const dimensions: Record<string, string> = {};
      return {
        addDimension: (name, value) => {
          dimensions[name] = value;
        },
        addMetric: (name, _unit, value) => recorded.push({ name, value, dimensions }),
      };
    },
  };
  return { recorder, recorded };
}

describe('buildValidationReport', () => {
  it('reports HEALTHY when every check passed', () => {
    const report = buildValidationReport(request, allPassed(), 'production');

    expect(report).toMatchObject({
      workflow: 'validate-platform',
      environment: 'production',
      suite: 'full',
      status: 'HEALTHY',
      summary: { passed: 7, failed: 0, errored: 0 },
    });
  });

  it('reports UNHEALTHY and counts failed and errored checks', () => {
    const checks = allPassed();
    checks[1] = { ...passed('nodes'), status: 'FAILED', detail: 'ip-1: NotReady' };
    checks[4] = {
      ...passed('minio-s3-probe'),
      status: 'ERROR',
      detail: 'TransientError: connection refused',
    };

    const report = buildValidationReport(request, checks, 'production');

    expect(report).toMatchObject({ status: 'UNHEALTHY', summary: { passed: 5, failed: 1, errored: 1 } });
  });

  it('counts a check of the suite that did not report as ERROR', () => {
    const report = buildValidationReport(request, allPassed().slice(0, 6), 'production');

    expect(report.status).toBe('UNHEALTHY');
    expect(report.checks.at(-1)).toMatchObject({ name: 'monitoring', status: 'ERROR' });
  });
});

describe('recordValidationMetrics', () => {
  it('emits CheckPassed per check with a check dimension and PlatformHealthy', () => {
    const checks = allPassed();
    checks[0] = { ...passed('eks-cluster'), status: 'FAILED' };
    const { recorder, recorded } = recordingMetrics();

    recordValidationMetrics(recorder, buildValidationReport(request, checks, 'production'));

    expect(recorded.filter((metric) => metric.name === 'CheckPassed')).toHaveLength(7);
    expect(recorded).toContainEqual({ name: 'CheckPassed', value: 0, dimensions: { check: 'eks-cluster' } });
    expect(recorded).toContainEqual({ name: 'CheckPassed', value: 1, dimensions: { check: 'monitoring' } });
    expect(recorded).toContainEqual({ name: 'PlatformHealthy', value: 0, dimensions: {} });
  });
});

describe('buildValidationReport with performance', () => {
  const performanceRequest = { ...request, performance: true } as const;

  it('expects the performance checks too when the request asks for them', () => {
    expect(expectedChecks(performanceRequest)).toEqual([...CHECK_NAMES, ...PERFORMANCE_CHECK_NAMES]);
    expect(expectedChecks(request)).toEqual(CHECK_NAMES);
  });

  it('records a performance check that did not report as ERROR', () => {
    const report = buildValidationReport(performanceRequest, CHECK_NAMES.map(passed), 'test');

    expect(report).toMatchObject({
      status: 'UNHEALTHY',
      performance: true,
      summary: { passed: 7, errored: 3 },
    });
    expect(report.checks.slice(7).map((check) => check.name)).toEqual([...PERFORMANCE_CHECK_NAMES]);
  });
});
