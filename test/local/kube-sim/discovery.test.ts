import type { V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimClients, startWithClients } from './fixtures.ts';

describe('kube-sim discovery', () => {
  let clients: SimClients;
  beforeAll(async () => {
    clients = await startWithClients();
  });
  afterAll(() => clients.sim.stop());

  const get = (path: string) =>
    fetch(`${clients.sim.url}${path}`, { headers: { Authorization: `Bearer ${clients.sim.token}` } }).then(
      async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      }),
    );

  it('lists the core version and the named API groups', async () => {
    expect((await get('/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await get('/apis')).body as {
      groups: { name: string; preferredVersion: { groupVersion: string } }[];
    };
    expect(groups.groups.map((group) => group.name)).toEqual(
      expect.arrayContaining(['apps', 'batch', 'policy', 'rbac.authorization.k8s.io', 'networking.k8s.io']),
    );
    expect(groups.groups.find((group) => group.name === 'apps')?.preferredVersion.groupVersion).toBe(
      'apps/v1',
    );
  });

  it('describes resources with scope, verbs and subresources', async () => {
    const core = (await get('/api/v1')).body as {
      resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[];
    };
    const byName = new Map(core.resources.map((resource) => [resource.name, resource]));
    expect(byName.get('pods')).toMatchObject({ namespaced: true, kind: 'Pod' });
    expect(byName.get('nodes')).toMatchObject({ namespaced: false, kind: 'Node' });
    expect(byName.get('pods/eviction')).toMatchObject({ kind: 'Eviction', verbs: ['create'] });
    const apps = (await get('/apis/apps/v1')).body as { resources: { name: string; kind: string }[] };
    expect(apps.resources.find((resource) => resource.name === 'deployments/scale')?.kind).toBe('Scale');
    expect((await get('/apis/nothing.example.com/v1')).status).toBe(404);
  });

  it('serves /version and /healthz without credentials', async () => {
    const version = await fetch(`${clients.sim.url}/version`);
    expect(version.status).toBe(200);
    expect(await version.json()).toMatchObject({ major: '1', gitVersion: expect.stringMatching(/^v1\./) });
    const health = await fetch(`${clients.sim.url}/readyz`);
    expect(await health.text()).toBe('ok');
  });

  it('lets KubernetesObjectApi discover, create and read a resource by kind', async () => {
    const configMap: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
      data: { mode: 'drill' },
    };
    await clients.objects.create(configMap);
    const read = await clients.objects.read<V1ConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
    });
    expect(read.data).toEqual({ mode: 'drill' });
    const list = await clients.objects.list('networking.k8s.io/v1', 'NetworkPolicy', 'default');
    expect(list.items).toEqual([]);
    const statefulSets = await clients.objects.list('apps/v1', 'StatefulSet', 'default');
    expect(statefulSets.kind).toBe('StatefulSetList');
  });

  it('answers 404 with a NotFound Status for unknown resources', async () => {
    const response = await get('/api/v1/namespaces/default/widgets');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });
});
