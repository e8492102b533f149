import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/check-s5cmd-executor.handler.ts';
import { useKubernetesHandlerHarness } from './support/kubernetes-handler-harness.ts';
import { cronJob, serviceAccount } from './support/kubernetes-objects.ts';
import { lambdaContext } from './support/lambda.ts';

describe('check-s5cmd-executor handler', () => {
  const harness = useKubernetesHandlerHarness();

  it('returns PASSED when the ServiceAccount and the pinned, suspended template exist', async () => {
    harness.api().objects.serviceAccounts = [serviceAccount('s5cmd', 's5cmd-executor')];
    harness.api().objects.cronJobs = [cronJob('s5cmd', 's5cmd-executor')];

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({ name: 's5cmd-executor', status: 'PASSED' });
  });

  it('returns FAILED when the template image is unpinned', async () => {
    harness.api().objects.serviceAccounts = [serviceAccount('s5cmd', 's5cmd-executor')];
    harness.api().objects.cronJobs = [cronJob('s5cmd', 's5cmd-executor', { images: ['peakcom/s5cmd'] })];

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: expect.stringContaining('has no tag or digest'),
    });
  });
});
