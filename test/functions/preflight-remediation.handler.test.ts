import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/preflight-remediation.handler.ts';
import { lambdaContext, stubEnvironment } from './support/lambda.ts';
import { expectFailure } from './support/rejection.ts';
import {
  seedDeployment,
  targetIn,
  useRemediationHandlerHarness,
} from './support/remediation-handler-harness.ts';

const ALWAYS = [
  { days: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'], start: '00:00', end: '00:00', timeZone: 'UTC' },
];

describe('preflight-remediation handler', () => {
  const cluster = useRemediationHandlerHarness(() => ({
    REMEDIATION_CHANGE_WINDOWS: JSON.stringify(ALWAYS),
  }));

  it('allows a restart inside the configured windows and returns the state before', async () => {
    seedDeployment(cluster.kube(), 'web', 'prefect', 1);

    const result = await handler(
      { target: targetIn('Deployment', 'web', 'prefect'), playbook: 'rollout-restart' },
      lambdaContext(),
    );

    expect(result).toMatchObject({ allowed: true, before: { kind: 'Deployment', name: 'web' } });
    expect(result.checks.map((check) => check.name)).toEqual([
      'target-exists',
      'target-kind',
      'disruption-budgets',
      'do-not-disrupt',
      'change-window',
      'minio-write-quorum',
    ]);
  });

  it('reads a NodeGroup target through EKS', async () => {
    const result = await handler(
      { target: targetIn('NodeGroup', 'missing'), playbook: 'scale-node-group' },
      lambdaContext(),
    );

    expect(result.checks[0]).toEqual({
      name: 'target-exists',
      passed: false,
      detail: 'NodeGroup missing does not exist',
    });
  });

  it('fails with ConfigurationError when the change windows are not valid', async () => {
    stubEnvironment({ REMEDIATION_CHANGE_WINDOWS: '[{"days":[]}]' });

    await expectFailure(
      handler(
        { target: targetIn('Deployment', 'web', 'prefect'), playbook: 'rollout-restart' },
        lambdaContext(),
      ),
      'ConfigurationError',
      'REMEDIATION_CHANGE_WINDOWS',
    );
  });
});
