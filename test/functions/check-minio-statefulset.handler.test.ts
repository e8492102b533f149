import { describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/check-minio-statefulset.handler.ts';
import { useKubernetesHandlerHarness } from './support/kubernetes-handler-harness.ts';
import { pod, statefulSet } from './support/kubernetes-objects.ts';
import { lambdaContext } from './support/lambda.ts';
import { rejectionOf } from './support/rejection.ts';

describe('check-minio-statefulset handler', () => {
  const harness = useKubernetesHandlerHarness();

  it('returns PASSED when the StatefulSet has all replicas of the layout (overridden by PLATFORM_LAYOUT) ready', async () => {
    vi.stubEnv('PLATFORM_LAYOUT', JSON.stringify({ minio: { namespace: 'storage', replicas: 6 } }));
    harness.api().objects.statefulSets = [statefulSet('storage', 'minio', { replicas: 6 })];

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({
      name: 'minio-statefulset',
      status: 'PASSED',
      observations: { expectedReplicas: 6 },
    });
  });

  it('returns FAILED naming the unready pods', async () => {
    harness.api().objects.statefulSets = [statefulSet('minio', 'minio', { replicas: 4, ready: 3 })];
    harness.api().objects.pods = [0, 1, 2].map((index) =>
      pod('minio', `minio-${index}`, { labels: { app: 'minio' } }),
    );

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: expect.stringContaining('minio-3: pod does not exist'),
    });
  });

  it('throws ConfigurationError when PLATFORM_LAYOUT is not JSON', async () => {
    vi.stubEnv('PLATFORM_LAYOUT', '{minio');

    expect(await rejectionOf(handler({}, lambdaContext()))).toMatchObject({ name: 'ConfigurationError' });
  });
});
