import { PatchStrategy, setHeaderOptions, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../local/kube-sim/index.ts';
import { expectApiError, type SimClients, startWithClients } from './fixtures.ts';

describe('kube-sim volume expansion', () => {
  let clients: SimClients;
  beforeEach(async () => {
    clients = await startWithClients();
  });
  afterEach(() => clients.sim.stop());

  function seed(allowVolumeExpansion: boolean | undefined) {
    clients.sim.apply({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'gp3' },
      provisioner: 'ebs.csi.aws.com',
      ...(allowVolumeExpansion === undefined ? {} : { allowVolumeExpansion }),
    } as KubeObject);
    clients.sim.apply({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'minio' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'gp3',
        resources: { requests: { storage: '10Gi' } },
      },
    } as KubeObject);
  }

  const patchClaim = (patch: object) =>
    clients.core.patchNamespacedPersistentVolumeClaim(
      { name: 'data', namespace: 'minio', body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  const claim = () =>
    clients.sim.get('v1', 'PersistentVolumeClaim', 'data', 'minio') as V1PersistentVolumeClaim | undefined;

  it('grows a bound claim, its volume and its capacity when the StorageClass allows expansion', async () => {
    seed(true);

    const patched = await patchClaim({ spec: { resources: { requests: { storage: '15Gi' } } } });

    expect(patched.spec?.resources?.requests?.storage).toBe('15Gi');
    expect(claim()?.status?.capacity?.storage).toBe('15Gi');
    const volume = clients.sim.get('v1', 'PersistentVolume', claim()?.spec?.volumeName ?? '');
    expect((volume?.spec as { capacity?: { storage?: string } } | undefined)?.capacity?.storage).toBe('15Gi');
  });

  it('validates a dry-run expansion without growing anything', async () => {
    seed(true);

    await clients.core.patchNamespacedPersistentVolumeClaim(
      {
        name: 'data',
        namespace: 'minio',
        body: { spec: { resources: { requests: { storage: '15Gi' } } } },
        dryRun: 'All',
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

    expect(claim()?.spec?.resources?.requests?.storage).toBe('10Gi');
    expect(claim()?.status?.capacity?.storage).toBe('10Gi');
  });

  it.each([false, undefined])(
    'refuses with 403 when the StorageClass says allowVolumeExpansion: %s',
    async (allowVolumeExpansion) => {
      seed(allowVolumeExpansion);

      const status = await expectApiError(
        patchClaim({ spec: { resources: { requests: { storage: '15Gi' } } } }),
        403,
        'Forbidden',
      );

      expect(status.message).toBe(
        'persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
      );
      expect(claim()?.spec?.resources?.requests?.storage).toBe('10Gi');
    },
  );

  it('refuses to shrink a claim', async () => {
    seed(true);

    const status = await expectApiError(
      patchClaim({ spec: { resources: { requests: { storage: '5Gi' } } } }),
      422,
      'Invalid',
    );

    expect(status.message).toContain(
      'spec.resources.requests.storage: Forbidden: field can not be less than previous value',
    );
  });

  it('refuses to change any other part of the spec', async () => {
    seed(true);

    const status = await expectApiError(patchClaim({ spec: { storageClassName: 'gp2' } }), 422, 'Invalid');

    expect(status.message).toContain('spec is immutable after creation except resources.requests');
  });
});

describe('kube-sim pod logs', () => {
  let clients: SimClients;
  beforeEach(async () => {
    clients = await startWithClients();
  });
  afterEach(() => clients.sim.stop());

  it('cuts the log at limitBytes after taking the tail', async () => {
    clients.sim.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
    } as KubeObject);
    clients.sim.setPodLog('default', 'p', 'first\nsecond line\nthird line\n');

    const log = await clients.core.readNamespacedPodLog({
      name: 'p',
      namespace: 'default',
      tailLines: 2,
      limitBytes: 8,
    });

    expect(log).toBe('second l');
  });
});
