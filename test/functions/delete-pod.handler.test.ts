import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/delete-pod.handler.ts';
import { lambdaContext } from './support/lambda.ts';
import {
  breakPod,
  playbookEvent,
  podsOf,
  seedDeployment,
  targetIn,
  useRemediationHandlerHarness,
} from './support/remediation-handler-harness.ts';

describe('delete-pod handler', () => {
  const cluster = useRemediationHandlerHarness();

  it('deletes a crash-looping pod, or only says so in a dry run', async () => {
    seedDeployment(cluster.kube(), 'worker', 'prefect', 1);
    const pod = podsOf(cluster.kube(), 'prefect', 'app=worker')[0]!;
    await breakPod(cluster.kube(), pod, 'crash-loop', 3);
    const target = targetIn('Pod', pod.metadata?.name ?? '', 'prefect');

    const dryRun = await handler(playbookEvent(target, { dryRun: true }), lambdaContext());
    expect(dryRun.outcome).toBe('DRY_RUN');
    expect(cluster.kube().get('v1', 'Pod', pod.metadata?.name ?? '', 'prefect')).toBeDefined();

    const result = await handler(playbookEvent(target), lambdaContext());
    expect(result).toMatchObject({ playbook: 'delete-pod', outcome: 'CHANGED' });
    expect(cluster.kube().get('v1', 'Pod', pod.metadata?.name ?? '', 'prefect')).toBeUndefined();
  });
});
