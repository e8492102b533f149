import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/raise-memory-limit.handler.ts';
import { lambdaContext } from './support/lambda.ts';
import {
  playbookEvent,
  seedDeployment,
  stored,
  targetIn,
  useRemediationHandlerHarness,
} from './support/remediation-handler-harness.ts';

describe('raise-memory-limit handler', () => {
  const cluster = useRemediationHandlerHarness();
  const limit = () =>
    stored<V1Deployment>(cluster.kube(), 'apps/v1', 'Deployment', 'web', 'prefect')?.spec?.template.spec
      ?.containers[0]?.resources?.limits?.memory;

  it('raises the limit once, and refuses a second raise the same day', async () => {
    seedDeployment(cluster.kube(), 'web', 'prefect', 1);
    const event = playbookEvent(targetIn('Deployment', 'web', 'prefect'), {
      params: { factor: 1.25, maxBytes: 2 ** 34 },
      labels: { container: 'main' },
    });

    expect(await handler(event, lambdaContext())).toMatchObject({ outcome: 'CHANGED' });
    expect(limit()).toBe('320Mi');
    expect(await handler(event, lambdaContext())).toMatchObject({ outcome: 'REFUSED' });
    expect(limit()).toBe('320Mi');
  });
});
