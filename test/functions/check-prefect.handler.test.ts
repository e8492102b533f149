import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/check-prefect.handler.ts';
import { useKubernetesHandlerHarness } from './support/kubernetes-handler-harness.ts';
import { deployment } from './support/kubernetes-objects.ts';
import { lambdaContext } from './support/lambda.ts';

describe('check-prefect handler', () => {
  const harness = useKubernetesHandlerHarness();
  const worker = { 'app.kubernetes.io/component': 'prefect-worker' };

  it('returns PASSED when the server and the workers are available', async () => {
    harness.api().objects.deployments = [
      deployment('prefect', 'prefect-server', { replicas: 3 }),
      deployment('prefect', 'prefect-worker', { labels: worker }),
    ];

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({ name: 'prefect', status: 'PASSED' });
  });

  it('returns FAILED when the server Deployment does not exist', async () => {
    harness.api().objects.deployments = [deployment('prefect', 'prefect-worker', { labels: worker })];

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({ status: 'FAILED', detail: 'Deployment prefect/prefect-server not found' });
  });
});
