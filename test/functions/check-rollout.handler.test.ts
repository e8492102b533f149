import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/check-rollout.handler.ts';
import { deployment } from '../local/kube-sim/fixtures.ts';
import { lambdaContext } from './support/lambda.ts';
import { useProvisionHandlerHarness } from './support/provision-handler-harness.ts';
import { expectFailure } from './support/rejection.ts';

const later = () => new Date(Date.now() + 60_000).toISOString();
const web = { kind: 'Deployment' as const, namespace: 'default', name: 'web' };

describe('check-rollout handler', () => {
  const cluster = useProvisionHandlerHarness();

  it('reports a rollout complete once every replica is available', async () => {
    cluster.kube().addNode({ name: 'node-a' });
    cluster.kube().apply({
      ...deployment('web', 2),
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    } as never);

    const result = await handler(
      { stage: '50-web', rollouts: [web], rolloutDeadline: later() },
      lambdaContext(),
    );

    expect(result).toEqual({
      complete: true,
      failed: false,
      workloads: [
        {
          workload: 'Deployment default/web',
          state: 'complete',
          status: 'successfully rolled out (2 available)',
        },
      ],
    });
  });

  it('fails with RolloutFailedError naming a workload that no longer exists', async () => {
    await expectFailure(
      handler(
        { stage: '50-web', rollouts: [{ ...web, name: 'gone' }], rolloutDeadline: later() },
        lambdaContext(),
      ),
      'RolloutFailedError',
      'stage 50-web: a rollout failed: Deployment default/gone: not found',
    );
  });
});
