import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/scale-node-group.handler.ts';
import { lambdaContext } from './support/lambda.ts';
import {
  playbookEvent,
  targetIn,
  useRemediationHandlerHarness,
} from './support/remediation-handler-harness.ts';

const storage = {
  name: 'storage',
  instanceTypes: ['i4i.large'],
  capacityType: 'ON_DEMAND' as const,
  minSize: 1,
  maxSize: 3,
  desiredSize: 2,
  labels: { 'lakehouse-ops.io/pool': 'storage' },
};

describe('scale-node-group handler', () => {
  const cluster = useRemediationHandlerHarness(() => ({}), [storage]);

  it('raises the node group an unschedulable pod needs through EKS, up to its maximum', async () => {
    cluster.kube().apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'minio-9', namespace: 'minio' },
      spec: {
        nodeSelector: { 'lakehouse-ops.io/pool': 'storage' },
        containers: [{ name: 'minio', image: 'minio/minio:RELEASE.2024-08-03' }],
      },
    });
    const event = playbookEvent(targetIn('Pod', 'minio-9', 'minio'), { params: { step: 1 } });

    expect(await handler(event, lambdaContext())).toMatchObject({
      outcome: 'CHANGED',
      changes: [{ kind: 'NodeGroup', name: 'storage', change: 'desiredSize 2 -> 3' }],
    });
    // The next alert finds the group at its maximum.
    const retried = await handler({ ...event, executionId: `${event.executionId}-next` }, lambdaContext());
    expect(retried).toMatchObject({
      outcome: 'REFUSED',
      detail: 'node group storage is at its maximum of 3 nodes',
    });
  });
});
