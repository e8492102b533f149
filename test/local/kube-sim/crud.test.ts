import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployment, expectApiError, type SimClients, startWithClients } from './fixtures.ts';

function configMap(name: string, labels: Record<string, string>): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { owner: name } };
}

describe('kube-sim object API', () => {
  let clients: SimClients;
  beforeAll(async () => {
    clients = await startWithClients();
    await clients.core.createNamespace({ body: { metadata: { name: 'selectors' } } });
    const seeds = [
      configMap('alpha', { tier: 'hot', team: 'data' }),
      configMap('bravo', { tier: 'warm', team: 'data' }),
      configMap('charlie', { tier: 'cold' }),
      configMap('delta', { tier: 'hot', team: 'ops' }),
      configMap('echo', { team: 'ops' }),
    ];
    for (const body of seeds) await clients.core.createNamespacedConfigMap({ namespace: 'selectors', body });
  });
  afterAll(() => clients.sim.stop());

  const names = async (labelSelector?: string, fieldSelector?: string) =>
    (
      await clients.core.listNamespacedConfigMap({ namespace: 'selectors', labelSelector, fieldSelector })
    ).items.map((item) => item.metadata?.name);

  it('filters lists with every label selector operator', async () => {
    expect(await names('tier=hot')).toEqual(['alpha', 'delta']);
    expect(await names('tier==warm')).toEqual(['bravo']);
    expect(await names('tier!=hot')).toEqual(['bravo', 'charlie', 'echo']);
    expect(await names('tier in (warm,cold)')).toEqual(['bravo', 'charlie']);
    expect(await names('tier notin (hot, warm)')).toEqual(['charlie', 'echo']);
    expect(await names('team')).toEqual(['alpha', 'bravo', 'delta', 'echo']);
    expect(await names('!team')).toEqual(['charlie']);
    expect(await names('tier=hot,team=ops')).toEqual(['delta']);
  });

  it('filters lists by field selectors and rejects unknown fields', async () => {
    expect(await names(undefined, 'metadata.name=charlie')).toEqual(['charlie']);
    expect(await names('tier', 'metadata.name!=alpha')).toEqual(['bravo', 'charlie', 'delta']);
    await expectApiError(
      clients.core.listNamespacedConfigMap({ namespace: 'selectors', fieldSelector: 'data.owner=alpha' }),
      400,
      'BadRequest',
    );
  });

  it('lists pods across all namespaces by node name and phase', async () => {
    const pod = (name: string, namespace: string): V1Pod => ({
      metadata: { name, namespace },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
    });
    await clients.core.createNamespacedPod({ namespace: 'default', body: pod('one', 'default') });
    await clients.core.createNamespacedPod({ namespace: 'selectors', body: pod('two', 'selectors') });
    const all = await clients.core.listPodForAllNamespaces({ fieldSelector: 'status.phase=Running' });
    expect(all.items.map((item) => `${item.metadata?.namespace}/${item.metadata?.name}`)).toEqual([
      'default/one',
      'selectors/two',
    ]);
    const node = all.items[0]!.spec!.nodeName!;
    const onNode = await clients.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
    expect(onNode.items.every((item) => item.spec?.nodeName === node)).toBe(true);
    expect(onNode.items.length).toBeGreaterThan(0);
  });

  it('pages through a list with limit and continue', async () => {
    const first = await clients.core.listNamespacedConfigMap({ namespace: 'selectors', limit: 2 });
    expect(first.items.map((item) => item.metadata?.name)).toEqual(['alpha', 'bravo']);
    expect(first.metadata?.remainingItemCount).toBe(3);
    const second = await clients.core.listNamespacedConfigMap({
      namespace: 'selectors',
      limit: 2,
      _continue: first.metadata?._continue,
    });
    expect(second.items.map((item) => item.metadata?.name)).toEqual(['charlie', 'delta']);
    const third = await clients.core.listNamespacedConfigMap({
      namespace: 'selectors',
      limit: 2,
      _continue: second.metadata?._continue,
    });
    expect(third.items.map((item) => item.metadata?.name)).toEqual(['echo']);
    expect(third.metadata?._continue).toBeUndefined();
  });

  it('fills in server metadata on create and names objects from generateName', async () => {
    const created = await clients.core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { generateName: 'report-' }, data: { a: '1' } },
    });
    expect(created.metadata?.name).toMatch(/^report-[a-z0-9]{5}$/);
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
  });

  it('answers 409 AlreadyExists when creating a name twice', async () => {
    await clients.core.createNamespacedConfigMap({ namespace: 'default', body: configMap('twice', {}) });
    const status = await expectApiError(
      clients.core.createNamespacedConfigMap({ namespace: 'default', body: configMap('twice', {}) }),
      409,
      'AlreadyExists',
    );
    expect(status.message).toBe('configmaps "twice" already exists');
  });

  it('answers 404 NotFound for a missing object and a missing namespace', async () => {
    await expectApiError(
      clients.core.readNamespacedConfigMap({ name: 'ghost', namespace: 'default' }),
      404,
      'NotFound',
    );
    await expectApiError(
      clients.core.createNamespacedConfigMap({ namespace: 'nowhere', body: configMap('x', {}) }),
      404,
      'NotFound',
    );
  });

  it('replaces with the current resourceVersion and rejects a stale one with 409 Conflict', async () => {
    const created = await clients.core.createNamespacedConfigMap({
      namespace: 'default',
      body: configMap('versioned', {}),
    });
    const stale = structuredClone(created);
    const updated = await clients.core.replaceNamespacedConfigMap({
      name: 'versioned',
      namespace: 'default',
      body: { ...created, data: { owner: 'first-writer' } },
    });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );
    const status = await expectApiError(
      clients.core.replaceNamespacedConfigMap({
        name: 'versioned',
        namespace: 'default',
        body: { ...stale, data: { owner: 'second-writer' } },
      }),
      409,
      'Conflict',
    );
    expect(status.message).toContain('the object has been modified');
    const stored = await clients.core.readNamespacedConfigMap({ name: 'versioned', namespace: 'default' });
    expect(stored.data).toEqual({ owner: 'first-writer' });
  });

  it('rejects invalid objects with 422 Invalid and field causes', async () => {
    const status = await expectApiError(
      clients.core.createNamespacedPod({
        namespace: 'default',
        body: { metadata: { name: 'Bad_Name' }, spec: { containers: [] } },
      }),
      422,
      'Invalid',
    );
    const causes = (status.details as { causes: { field: string }[] }).causes.map((cause) => cause.field);
    expect(causes).toEqual(['metadata.name', 'spec.containers']);
  });

  it('validates and answers a dry run without storing anything', async () => {
    const before = await clients.core.listNamespacedConfigMap({ namespace: 'default' });
    const dry = await clients.core.createNamespacedConfigMap({
      namespace: 'default',
      body: configMap('dry', {}),
      dryRun: 'All',
    });
    expect(dry.metadata?.uid).toBeDefined();
    await expectApiError(
      clients.core.readNamespacedConfigMap({ name: 'dry', namespace: 'default' }),
      404,
      'NotFound',
    );
    await clients.core.createNamespacedConfigMap({ namespace: 'default', body: configMap('kept', {}) });
    await clients.core.patchNamespacedConfigMap({
      name: 'kept',
      namespace: 'default',
      body: [{ op: 'replace', path: '/data/owner', value: 'changed' }],
      dryRun: 'All',
    });
    await clients.core.deleteNamespacedConfigMap({ name: 'kept', namespace: 'default', dryRun: 'All' });
    const kept = await clients.core.readNamespacedConfigMap({ name: 'kept', namespace: 'default' });
    expect(kept.data).toEqual({ owner: 'kept' });
    const after = await clients.core.listNamespacedConfigMap({ namespace: 'default' });
    expect(after.items.length).toBe(before.items.length + 1);
    await expectApiError(
      clients.core.createNamespacedConfigMap({
        namespace: 'default',
        body: configMap('dry2', {}),
        dryRun: 'Some',
      }),
      400,
      'BadRequest',
    );
  });

  it('deletes a Deployment and garbage-collects its ReplicaSets and Pods', async () => {
    await clients.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('doomed', 2) });
    expect(
      (await clients.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=doomed' })).items,
    ).toHaveLength(2);
    const status = await clients.apps.deleteNamespacedDeployment({
      name: 'doomed',
      namespace: 'default',
      propagationPolicy: 'Background',
    });
    expect(status.status).toBe('Success');
    expect(
      (await clients.apps.listNamespacedReplicaSet({ namespace: 'default', labelSelector: 'app=doomed' }))
        .items,
    ).toEqual([]);
    expect(
      (await clients.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=doomed' })).items,
    ).toEqual([]);
  });

  it('deletes dependents before the owner with propagationPolicy Foreground', async () => {
    await clients.apps.createNamespacedDeployment({
      namespace: 'default',
      body: deployment('foreground', 2),
    });
    await clients.apps.deleteNamespacedDeployment({
      name: 'foreground',
      namespace: 'default',
      propagationPolicy: 'Foreground',
    });
    await expectApiError(
      clients.apps.readNamespacedDeployment({ name: 'foreground', namespace: 'default' }),
      404,
      'NotFound',
    );
    expect(
      (await clients.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=foreground' })).items,
    ).toEqual([]);
  });

  it('keeps dependents when a Deployment is deleted with propagationPolicy Orphan', async () => {
    await clients.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('orphaner', 1) });
    await clients.apps.deleteNamespacedDeployment({
      name: 'orphaner',
      namespace: 'default',
      propagationPolicy: 'Orphan',
    });
    const replicaSets = await clients.apps.listNamespacedReplicaSet({
      namespace: 'default',
      labelSelector: 'app=orphaner',
    });
    expect(replicaSets.items).toHaveLength(1);
    expect(replicaSets.items[0]!.metadata?.ownerReferences).toBeUndefined();
    expect(
      (await clients.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=orphaner' })).items,
    ).toHaveLength(1);
  });

  it('deletes a namespace with everything in it', async () => {
    await clients.core.createNamespace({ body: { metadata: { name: 'scratch' } } });
    await clients.core.createNamespacedConfigMap({ namespace: 'scratch', body: configMap('inside', {}) });
    await clients.core.deleteNamespace({ name: 'scratch' });
    await expectApiError(clients.core.readNamespace({ name: 'scratch' }), 404, 'NotFound');
    expect(clients.sim.list('v1', 'ConfigMap', 'scratch')).toEqual([]);
  });
});
