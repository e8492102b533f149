import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { expandMinioPvc } from '../../../../../functions/core/remediation/playbooks/expand-minio-pvc.ts';
import type { KubeObject } from '../../../../../local/kube-sim/index.ts';
import { playbookEvent, seedStatefulSet, stored, targetIn, useKubeSimCluster } from './kube-sim-cluster.ts';

const GIB = 2 ** 30;

describe('expandMinioPvc', () => {
  const cluster = useKubeSimCluster();
  const claim = targetIn('PersistentVolumeClaim', 'data-minio-0', 'minio');
  const run = (params: Record<string, unknown>, dryRun = false) =>
    expandMinioPvc(playbookEvent(claim, { params, dryRun }), cluster.dependencies());
  const storedClaim = () =>
    stored<V1PersistentVolumeClaim>(cluster.sim(), 'v1', 'PersistentVolumeClaim', 'data-minio-0', 'minio');

  /** MinIO's StatefulSet (10Gi claims of StorageClass gp2) and gp2 allowing expansion or not. */
  function seedMinio(allowVolumeExpansion: boolean) {
    cluster.sim().apply({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'gp2' },
      provisioner: 'ebs.csi.aws.com',
      allowVolumeExpansion,
    } as KubeObject);
    seedStatefulSet(cluster.sim(), 'minio', 'minio', 1);
  }

  it('grows the claim by the factor, and the volume and capacity follow', async () => {
    seedMinio(true);

    const result = await run({ factor: 1.5, maxBytes: 4096 * GIB });

    expect(result).toMatchObject({
      outcome: 'CHANGED',
      detail: 'expanded claim minio/data-minio-0 from 10Gi to 15Gi (cap 4096Gi)',
      before: { requested: '10Gi', capacity: '10Gi', storageClass: 'gp2' },
      after: { requested: '15Gi' },
      changes: [
        {
          kind: 'PersistentVolumeClaim',
          namespace: 'minio',
          name: 'data-minio-0',
          change: 'storage 10Gi -> 15Gi',
        },
      ],
    });
    expect(storedClaim()?.status?.capacity?.storage).toBe('15Gi');
    const volume = stored<V1PersistentVolume>(
      cluster.sim(),
      'v1',
      'PersistentVolume',
      storedClaim()?.spec?.volumeName ?? '',
    );
    expect(volume?.spec?.capacity?.storage).toBe('15Gi');
  });

  it('caps the new size at maxBytes', async () => {
    seedMinio(true);

    const result = await run({ factor: 2, maxBytes: 12 * GIB });

    expect(result.changes[0]?.change).toBe('storage 10Gi -> 12Gi');
  });

  it('changes nothing in a dry run', async () => {
    seedMinio(true);

    const result = await run({ maxBytes: 4096 * GIB }, true);

    expect(result).toMatchObject({
      outcome: 'DRY_RUN',
      detail: 'would expand claim minio/data-minio-0 from 10Gi to 15Gi (cap 4096Gi) (dry run)',
      after: { requested: '15Gi' },
    });
    expect(storedClaim()?.spec?.resources?.requests?.storage).toBe('10Gi');
  });

  it('refuses when the StorageClass does not allow expansion', async () => {
    seedMinio(false);

    const result = await run({ maxBytes: 4096 * GIB });

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail:
        'StorageClass gp2 of claim minio/data-minio-0 does not allow volume expansion (allowVolumeExpansion is not true)',
    });
    expect(storedClaim()?.spec?.resources?.requests?.storage).toBe('10Gi');
  });

  it('refuses a claim at the cap', async () => {
    seedMinio(true);

    const result = await run({ maxBytes: 10 * GIB });

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: 'claim minio/data-minio-0 is at 10Gi, the cap is 10Gi',
    });
  });

  it('refuses a claim that does not exist', async () => {
    const result = await run({ maxBytes: GIB });

    expect(result).toMatchObject({ outcome: 'REFUSED', detail: 'claim minio/data-minio-0 does not exist' });
  });
});
