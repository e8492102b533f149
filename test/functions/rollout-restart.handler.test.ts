import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/rollout-restart.handler.ts';
import { lambdaContext } from './support/lambda.ts';
import { expectFailure } from './support/rejection.ts';
import {
  playbookEvent,
  seedDeployment,
  stored,
  targetIn,
  useRemediationHandlerHarness,
} from './support/remediation-handler-harness.ts';

describe('rollout-restart handler', () => {
  const cluster = useRemediationHandlerHarness();

  it('restarts the Deployment through the EKS-authenticated API', async () => {
    seedDeployment(cluster.kube(), 'web', 'prefect', 1);

    const result = await handler(playbookEvent(targetIn('Deployment', 'web', 'prefect')), lambdaContext());

    expect(result).toMatchObject({ playbook: 'rollout-restart', outcome: 'CHANGED' });
    const storedWeb = stored<V1Deployment>(cluster.kube(), 'apps/v1', 'Deployment', 'web', 'prefect');
    expect(
      storedWeb?.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
    ).toBeDefined();
  });

  it('refuses a paused Deployment', async () => {
    seedDeployment(cluster.kube(), 'held', 'prefect', 1, (object) => {
      object.spec!.paused = true;
    });

    const result = await handler(playbookEvent(targetIn('Deployment', 'held', 'prefect')), lambdaContext());

    expect(result).toMatchObject({ outcome: 'REFUSED', changes: [] });
  });

  it('rejects an event without a target with InvalidInputError', async () => {
    await expectFailure(
      handler(
        { ...playbookEvent(targetIn('Deployment', 'web', 'prefect')), target: undefined },
        lambdaContext(),
      ),
      'InvalidInputError',
      'target',
    );
  });
});
