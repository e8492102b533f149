import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/scale-prefect-workers.handler.ts';
import { lambdaContext } from './support/lambda.ts';
import {
  playbookEvent,
  seedDeployment,
  stored,
  targetIn,
  useRemediationHandlerHarness,
} from './support/remediation-handler-harness.ts';

describe('scale-prefect-workers handler', () => {
  const cluster = useRemediationHandlerHarness();
  const replicas = () =>
    stored<V1Deployment>(cluster.kube(), 'apps/v1', 'Deployment', 'prefect-worker', 'prefect')?.spec
      ?.replicas;

  it('scales the workers up to the bound, then refuses', async () => {
    seedDeployment(cluster.kube(), 'prefect-worker', 'prefect', 1);
    const event = playbookEvent(targetIn('Deployment', 'prefect-worker', 'prefect'), {
      params: { step: 1, max: 2 },
    });

    expect(await handler(event, lambdaContext())).toMatchObject({ outcome: 'CHANGED' });
    expect(replicas()).toBe(2);
    expect(await handler(event, lambdaContext())).toMatchObject({ outcome: 'REFUSED' });
    expect(replicas()).toBe(2);
  });
});
