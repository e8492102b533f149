import { beforeEach, describe, expect, it } from 'vitest';
import { defaultPlatformLayout } from '../../../../functions/core/platform/layout.ts';
import { checkMinioStatefulSet } from '../../../../functions/core/validation/minio-statefulset.ts';
import { FakeClusterReader } from '../../support/fake-cluster-reader.ts';
import { node, pod, statefulSet } from '../../support/kubernetes-objects.ts';

const labels = { app: 'minio' };

describe('checkMinioStatefulSet', () => {
  let reader: FakeClusterReader;
  const check = () => checkMinioStatefulSet({ reader, layout: defaultPlatformLayout });

  beforeEach(() => {
    reader = new FakeClusterReader();
    reader.statefulSets = [statefulSet('minio', 'minio', { replicas: 4 })];
    reader.nodes = [0, 1, 2, 3].map((index) => node(`storage-${index}`));
    reader.pods = [0, 1, 2, 3].map((index) =>
      pod('minio', `minio-${index}`, { labels, nodeName: `storage-${index}` }),
    );
  });

  it('passes when all 4 replicas are ready', async () => {
    const result = await check();

    expect(result).toMatchObject({
      name: 'minio-statefulset',
      status: 'PASSED',
      detail: 'StatefulSet minio/minio has 4/4 replicas ready',
      observations: { expectedReplicas: 4, desired: 4, ready: 4, unreadyPods: [] },
    });
  });

  it('fails and names each unready pod with its reason', async () => {
    reader.statefulSets = [statefulSet('minio', 'minio', { replicas: 4, ready: 1 })];
    reader.nodes[2] = node('storage-2', { ready: false });
    reader.pods = [
      pod('minio', 'minio-0', { labels, nodeName: 'storage-0' }),
      pod('minio', 'minio-1', {
        labels,
        nodeName: 'storage-1',
        ready: false,
        waitingReason: 'CrashLoopBackOff',
      }),
      pod('minio', 'minio-2', { labels, nodeName: 'storage-2', ready: false }),
    ];

    const result = await check();

    expect(result.status).toBe('FAILED');
    expect(result.observations.unreadyPods).toEqual([
      {
        name: 'minio-1',
        reasons: ['container main waiting: CrashLoopBackOff - back-off restarting failed container'],
      },
      { name: 'minio-2', reasons: ['container main running but not ready', 'node storage-2 not ready'] },
      { name: 'minio-3', reasons: ['pod does not exist'] },
    ]);
    expect(result.detail).toContain('StatefulSet minio/minio has 1 of 4 replicas ready');
    expect(result.detail).toContain('minio-3: pod does not exist');
  });

  it('fails when the StatefulSet runs a different replica count than the layout expects', async () => {
    reader.statefulSets = [statefulSet('minio', 'minio', { replicas: 3 })];

    const result = await check();

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: 'StatefulSet minio/minio wants 3 replicas, the layout expects 4',
    });
  });

  it('fails when the StatefulSet does not exist', async () => {
    reader.statefulSets = [];

    const result = await check();

    expect(result).toMatchObject({ status: 'FAILED', detail: 'StatefulSet minio/minio not found' });
  });
});
