import { describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/check-nodes.handler.ts';
import { useKubernetesHandlerHarness } from './support/kubernetes-handler-harness.ts';
import { node } from './support/kubernetes-objects.ts';
import { lambdaContext } from './support/lambda.ts';
import { rejectionOf } from './support/rejection.ts';

describe('check-nodes handler', () => {
  const harness = useKubernetesHandlerHarness();

  it('returns PASSED read through an EKS-token-authenticated Kubernetes API', async () => {
    harness.api().objects.nodes = [
      node('ip-1', { nodeGroup: 'system' }),
      node('ip-2', { nodeGroup: 'storage' }),
    ];

    const result = await handler({ suite: 'full', notify: true, requestedBy: 'schedule' }, lambdaContext());

    expect(result).toMatchObject({ name: 'nodes', status: 'PASSED', observations: { total: 2 } });
    expect(harness.api().requests.at(-1)?.authorization).toMatch(/^Bearer k8s-aws-v1\./);
  });

  it('returns FAILED naming the NotReady node', async () => {
    harness.api().objects.nodes = [node('ip-1'), node('ip-2', { ready: false })];

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({ status: 'FAILED', detail: expect.stringContaining('ip-2: NotReady') });
  });

  it('throws ConfigurationError when CLUSTER_NAME is not set', async () => {
    vi.stubEnv('CLUSTER_NAME', undefined);

    const error = await rejectionOf(handler({}, lambdaContext()));

    expect(error).toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('CLUSTER_NAME'),
    });
  });
});
