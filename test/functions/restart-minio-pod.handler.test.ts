import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/restart-minio-pod.handler.ts';
import { lambdaContext } from './support/lambda.ts';
import {
  breakPod,
  playbookEvent,
  podsOf,
  seedStatefulSet,
  targetIn,
  useRemediationHandlerHarness,
} from './support/remediation-handler-harness.ts';

describe('restart-minio-pod handler', () => {
  const cluster = useRemediationHandlerHarness();

  it('restarts the one unready MinIO pod of the StatefulSet', async () => {
    seedStatefulSet(cluster.kube(), 'minio', 'minio', 4);
    await breakPod(cluster.kube(), podsOf(cluster.kube(), 'minio', 'app=minio')[3]!, 'not-ready');

    const result = await handler(playbookEvent(targetIn('StatefulSet', 'minio', 'minio')), lambdaContext());

    expect(result).toMatchObject({
      playbook: 'restart-minio-pod',
      outcome: 'CHANGED',
      changes: [{ kind: 'Pod', namespace: 'minio', name: 'minio-3' }],
    });
  });
});
