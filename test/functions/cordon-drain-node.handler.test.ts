import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/cordon-drain-node.handler.ts';
import { lambdaContext } from './support/lambda.ts';
import {
  playbookEvent,
  seedBudget,
  seedDeployment,
  targetIn,
  useRemediationHandlerHarness,
} from './support/remediation-handler-harness.ts';

describe('cordon-drain-node handler', () => {
  const cluster = useRemediationHandlerHarness();

  it('cordons the node and reports the pods a PodDisruptionBudget keeps, within the Lambda time left', async () => {
    seedDeployment(cluster.kube(), 'web', 'prefect', 1, (object) => {
      object.spec!.template.spec!.nodeSelector = { 'kubernetes.io/hostname': 'node-a' };
    });
    seedBudget(cluster.kube(), 'prefect', 'web', { minAvailable: 1 });
    const started = Date.now();

    // 16 s left: the handler keeps 15 s to return, so it retries for about a second.
    const result = await handler(
      playbookEvent(targetIn('Node', 'node-a'), { params: { timeoutSeconds: 300 } }),
      lambdaContext('cordon-drain-node', 16_000),
    );

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({
      playbook: 'cordon-drain-node',
      outcome: 'CHANGED',
      after: {
        evicted: [],
        blocked: [
          {
            pod: expect.stringMatching(/^prefect\/web-/),
            reason: expect.stringContaining('PodDisruptionBudget prefect/web'),
          },
        ],
      },
    });
    expect((cluster.kube().get('v1', 'Node', 'node-a') as V1Node | undefined)?.spec?.unschedulable).toBe(
      true,
    );
  });
});
