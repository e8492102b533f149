import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/expand-minio-pvc.handler.ts';
import type { KubeObject } from '../../local/kube-sim/index.ts';
import { lambdaContext } from './support/lambda.ts';
import {
  playbookEvent,
  seedStatefulSet,
  stored,
  targetIn,
  useRemediationHandlerHarness,
} from './support/remediation-handler-harness.ts';

describe('expand-minio-pvc handler', () => {
  const cluster = useRemediationHandlerHarness();

  it('expands the claim where its StorageClass allows it', async () => {
    cluster.kube().apply({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'gp2' },
      provisioner: 'ebs.csi.aws.com',
      allowVolumeExpansion: true,
    } as KubeObject);
    seedStatefulSet(cluster.kube(), 'minio', 'minio', 1);

    const result = await handler(
      playbookEvent(targetIn('PersistentVolumeClaim', 'data-minio-0', 'minio'), {
        params: { maxBytes: 2 ** 40 },
      }),
      lambdaContext(),
    );

    expect(result).toMatchObject({ playbook: 'expand-minio-pvc', outcome: 'CHANGED' });
    const claim = stored<V1PersistentVolumeClaim>(
      cluster.kube(),
      'v1',
      'PersistentVolumeClaim',
      'data-minio-0',
      'minio',
    );
    expect(claim?.status?.capacity?.storage).toBe('15Gi');
  });
});
