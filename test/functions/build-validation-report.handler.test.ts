import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/build-validation-report.handler.ts';
import { CHECK_NAMES } from '../../functions/core/validation/check-result.ts';
import { emittedMetrics, lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { rejectionOf } from './support/rejection.ts';

const request = { suite: 'full', notify: true, requestedBy: 'console' };
const checks = CHECK_NAMES.map((name) => ({
  name,
  status: name === 'nodes' ? 'FAILED' : 'PASSED',
  detail: name === 'nodes' ? 'ip-2: NotReady' : 'ok',
  durationMs: 3,
  observations: {},
}));

describe('build-validation-report handler', () => {
  const { output } = useHandlerEnvironment(() => ({ ENVIRONMENT_NAME: 'staging' }));

  it('returns the report and publishes CheckPassed per check and PlatformHealthy as EMF', async () => {
    const report = await handler({ request, checks }, lambdaContext());

    expect(report).toMatchObject({
      workflow: 'validate-platform',
      environment: 'staging',
      status: 'UNHEALTHY',
      summary: { passed: 6, failed: 1, errored: 0 },
    });
    const metrics = emittedMetrics(output().lines());
    expect(metrics).toContainEqual(
      expect.objectContaining({ CheckPassed: 0, check: 'nodes', environment: 'staging' }),
    );
    expect(metrics).toContainEqual(expect.objectContaining({ CheckPassed: 1, check: 'monitoring' }));
    expect(metrics).toContainEqual(expect.objectContaining({ PlatformHealthy: 0, environment: 'staging' }));
  });

  it('rejects a check result with an unknown status, naming its path', async () => {
    const broken = [{ ...checks[0], status: 'OK' }];

    const error = await rejectionOf(handler({ request, checks: broken }, lambdaContext()));

    expect(error).toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining(
        'checks[0].status: expected one of "PASSED", "FAILED", "ERROR", got "OK"',
      ),
    });
  });
});
