import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployment, expectApiError, type SimClients, startWithClients, statefulSet } from './fixtures.ts';

const ns = 'default';

describe('kube-sim subresources', () => {
  let clients: SimClients;
  beforeAll(async () => {
    clients = await startWithClients();
  });
  afterAll(() => clients.sim.stop());

  const podsOf = async (app: string) =>
    (await clients.core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items;

  it('reads and replaces a Deployment scale, and the pods follow', async () => {
    await clients.apps.createNamespacedDeployment({ namespace: ns, body: deployment('scaled', 2) });
    const scale = await clients.apps.readNamespacedDeploymentScale({ name: 'scaled', namespace: ns });
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 2 },
      status: { replicas: 2, selector: 'app=scaled' },
    });
    await clients.apps.replaceNamespacedDeploymentScale({
      name: 'scaled',
      namespace: ns,
      body: { metadata: { name: 'scaled', namespace: ns }, spec: { replicas: 4 } },
    });
    expect(await podsOf('scaled')).toHaveLength(4);
    const stale = {
      metadata: { name: 'scaled', namespace: ns, resourceVersion: scale.metadata?.resourceVersion },
      spec: { replicas: 1 },
    };
    await expectApiError(
      clients.apps.replaceNamespacedDeploymentScale({ name: 'scaled', namespace: ns, body: stale }),
      409,
      'Conflict',
    );
  });

  it('patches a StatefulSet scale down from the highest ordinal', async () => {
    await clients.apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('store', 4) });
    await clients.apps.patchNamespacedStatefulSetScale(
      { name: 'store', namespace: ns, body: { spec: { replicas: 2 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect((await podsOf('store')).map((pod) => pod.metadata?.name)).toEqual(['store-0', 'store-1']);
    const status = await clients.apps.readNamespacedStatefulSetStatus({ name: 'store', namespace: ns });
    expect(status.status?.readyReplicas).toBe(2);
    await expectApiError(
      clients.apps.patchNamespacedStatefulSetScale(
        { name: 'store', namespace: ns, body: { spec: { replicas: -1 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
      422,
      'Invalid',
    );
  });

  it('changes only status through the status subresource', async () => {
    await clients.core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: 'claim' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
      },
    });
    const claim = await clients.core.readNamespacedPersistentVolumeClaimStatus({
      name: 'claim',
      namespace: ns,
    });
    expect(claim.status).toMatchObject({ phase: 'Bound', capacity: { storage: '5Gi' } });
    const patched = await clients.core.patchNamespacedPersistentVolumeClaimStatus(
      {
        name: 'claim',
        namespace: ns,
        body: { metadata: { labels: { ignored: 'yes' } }, status: { capacity: { storage: '8Gi' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.status?.capacity).toEqual({ storage: '8Gi' });
    expect(patched.metadata?.labels).toBeUndefined();
    const ignoredStatus = await clients.core.replaceNamespacedPersistentVolumeClaim({
      name: 'claim',
      namespace: ns,
      body: { ...patched, status: { phase: 'Lost' } },
    });
    expect(ignoredStatus.status?.phase).toBe('Bound');
  });

  it('evicts a pod when its PodDisruptionBudget allows it (201) and the Deployment replaces it', async () => {
    await clients.apps.createNamespacedDeployment({ namespace: ns, body: deployment('evictable', 3) });
    await clients.policy.createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: {
        metadata: { name: 'evictable' },
        spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'evictable' } } },
      },
    });
    const budget = await clients.policy.readNamespacedPodDisruptionBudget({
      name: 'evictable',
      namespace: ns,
    });
    expect(budget.status).toMatchObject({
      expectedPods: 3,
      desiredHealthy: 2,
      currentHealthy: 3,
      disruptionsAllowed: 1,
    });
    const victim = (await podsOf('evictable'))[0]!.metadata!.name!;
    await clients.core.createNamespacedPodEviction({
      name: victim,
      namespace: ns,
      body: { metadata: { name: victim, namespace: ns } },
    });
    const after = await podsOf('evictable');
    expect(after.map((pod) => pod.metadata?.name)).not.toContain(victim);
    expect(after).toHaveLength(3);
  });

  it('refuses an eviction that would violate the PodDisruptionBudget with 429', async () => {
    await clients.apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('quorum', 4) });
    await clients.policy.createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: {
        metadata: { name: 'quorum' },
        spec: { minAvailable: '100%', selector: { matchLabels: { app: 'quorum' } } },
      },
    });
    const status = await expectApiError(
      clients.core.createNamespacedPodEviction({
        name: 'quorum-2',
        namespace: ns,
        body: { metadata: { name: 'quorum-2', namespace: ns } },
      }),
      429,
      'TooManyRequests',
    );
    expect((status.details as { causes: { reason: string; message: string }[] }).causes[0]).toEqual({
      reason: 'DisruptionBudget',
      message: 'The disruption budget quorum needs 4 healthy pods and has 4 currently',
    });
    expect(await podsOf('quorum')).toHaveLength(4);
  });

  it('evicts nothing on a dry run', async () => {
    await clients.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'lonely', labels: { app: 'lonely' } },
        spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
      },
    });
    await clients.core.createNamespacedPodEviction({
      name: 'lonely',
      namespace: ns,
      dryRun: 'All',
      body: { metadata: { name: 'lonely', namespace: ns } },
    });
    expect(await podsOf('lonely')).toHaveLength(1);
  });

  it('serves a pod log, its tail, and a log set by the test', async () => {
    const pod: V1Pod = {
      metadata: { name: 'talker' },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] },
    };
    await clients.core.createNamespacedPod({ namespace: ns, body: pod });
    const generated = await clients.core.readNamespacedPodLog({ name: 'talker', namespace: ns });
    expect(generated).toContain('starting container app (image busybox:1.36)');
    clients.sim.setPodLog(ns, 'talker', 'line 1\nline 2\nline 3\n');
    expect(await clients.core.readNamespacedPodLog({ name: 'talker', namespace: ns, tailLines: 2 })).toBe(
      'line 2\nline 3\n',
    );
    await expectApiError(
      clients.core.readNamespacedPodLog({ name: 'talker', namespace: ns, container: 'nope' }),
      400,
      'BadRequest',
    );
  });
});
