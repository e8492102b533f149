import { PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployment, expectApiError, type SimClients, startWithClients } from './fixtures.ts';

const ns = 'default';

describe('kube-sim PATCH', () => {
  let clients: SimClients;
  beforeAll(async () => {
    clients = await startWithClients();
  });
  afterAll(() => clients.sim.stop());

  async function createTwoContainerDeployment(name: string): Promise<V1Deployment> {
    const body = deployment(name, 1);
    body.spec!.template.spec!.containers.push({
      name: 'sidecar',
      image: 'busybox:1.36',
      env: [{ name: 'MODE', value: 'a' }],
    });
    return clients.apps.createNamespacedDeployment({ namespace: ns, body });
  }

  it('applies a JSON merge patch: maps merge, null deletes, lists are replaced', async () => {
    await createTwoContainerDeployment('merge');
    const patched = await clients.apps.patchNamespacedDeployment(
      {
        name: 'merge',
        namespace: ns,
        body: {
          metadata: { labels: { release: 'r2', app: null } },
          spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:1.28' }] } } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.labels).toEqual({ release: 'r2' });
    expect(patched.spec?.template.spec?.containers.map((container) => container.name)).toEqual(['main']);
    expect(patched.metadata?.generation).toBe(2);
  });

  it('applies a strategic merge patch: containers merge by name, $patch delete removes one', async () => {
    await createTwoContainerDeployment('strategic');
    const patched = await clients.apps.patchNamespacedDeployment(
      {
        name: 'strategic',
        namespace: ns,
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'sidecar', image: 'busybox:1.37', env: [{ name: 'LEVEL', value: 'debug' }] },
                  { name: 'exporter', image: 'prom/node-exporter:v1.8.2' },
                ],
              },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const containers = patched.spec!.template.spec!.containers;
    expect(containers.map((container) => `${container.name}=${container.image}`)).toEqual([
      'main=nginx:1.27',
      'sidecar=busybox:1.37',
      'exporter=prom/node-exporter:v1.8.2',
    ]);
    expect(containers[1]!.env).toEqual([
      { name: 'MODE', value: 'a' },
      { name: 'LEVEL', value: 'debug' },
    ]);
    const removed = await clients.apps.patchNamespacedDeployment(
      {
        name: 'strategic',
        namespace: ns,
        body: { spec: { template: { spec: { containers: [{ name: 'exporter', $patch: 'delete' }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(removed.spec!.template.spec!.containers.map((container) => container.name)).toEqual([
      'main',
      'sidecar',
    ]);
  });

  it('applies an RFC 6902 JSON patch, and answers 422 when a test operation fails', async () => {
    await createTwoContainerDeployment('jsonpatch');
    const patched = await clients.apps.patchNamespacedDeployment(
      {
        name: 'jsonpatch',
        namespace: ns,
        body: [
          { op: 'test', path: '/spec/replicas', value: 1 },
          { op: 'replace', path: '/spec/replicas', value: 3 },
          { op: 'add', path: '/metadata/annotations', value: { 'ops/reason': 'load' } },
          { op: 'remove', path: '/spec/template/spec/containers/1' },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(patched.spec?.replicas).toBe(3);
    expect(patched.metadata?.annotations?.['ops/reason']).toBe('load');
    expect(patched.spec?.template.spec?.containers).toHaveLength(1);
    await expectApiError(
      clients.apps.patchNamespacedDeployment(
        { name: 'jsonpatch', namespace: ns, body: [{ op: 'test', path: '/spec/replicas', value: 1 }] },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      ),
      422,
      'Invalid',
    );
  });

  it('answers 415 UnsupportedMediaType for an unknown patch content type', async () => {
    await createTwoContainerDeployment('mediatype');
    await expectApiError(
      clients.apps.patchNamespacedDeployment(
        { name: 'mediatype', namespace: ns, body: { spec: { replicas: 2 } } },
        setHeaderOptions('Content-Type', 'application/xml'),
      ),
      415,
      'UnsupportedMediaType',
    );
  });

  it('creates with server-side apply, then merges, records the field manager and drops fields no longer applied', async () => {
    const config = (labels: Record<string, string>, replicas: number) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'applied', namespace: ns, labels },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'applied' } },
        template: {
          metadata: { labels: { app: 'applied' } },
          spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] },
        },
      },
    });
    const apply = (body: object, fieldManager: string, force = false) =>
      clients.apps.patchNamespacedDeployment(
        { name: 'applied', namespace: ns, body, fieldManager, force },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    const created = await apply(config({ app: 'applied', owner: 'platform' }, 2), 'lakehouse-ops');
    expect(created.spec?.replicas).toBe(2);
    expect(created.metadata?.managedFields?.[0]).toMatchObject({
      manager: 'lakehouse-ops',
      operation: 'Apply',
    });
    expect(
      (await clients.apps.readNamespacedDeployment({ name: 'applied', namespace: ns })).status?.readyReplicas,
    ).toBe(2);

    const reapplied = await apply(config({ app: 'applied' }, 3), 'lakehouse-ops');
    expect(reapplied.spec?.replicas).toBe(3);
    expect(reapplied.metadata?.labels).toEqual({ app: 'applied' });

    const conflict = await expectApiError(
      apply(config({ app: 'applied' }, 5), 'someone-else'),
      409,
      'Conflict',
    );
    expect(String(conflict.message)).toContain('conflict with "lakehouse-ops"');
    const forced = await apply(config({ app: 'applied' }, 5), 'someone-else', true);
    expect(forced.spec?.replicas).toBe(5);
  });

  it('requires a fieldManager for server-side apply', async () => {
    await expectApiError(
      clients.apps.patchNamespacedDeployment(
        { name: 'nobody', namespace: ns, body: deployment('nobody', 1) },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      ),
      422,
      'Invalid',
    );
  });

  it('refuses to change an immutable selector', async () => {
    await createTwoContainerDeployment('immutable');
    await expectApiError(
      clients.apps.patchNamespacedDeployment(
        {
          name: 'immutable',
          namespace: ns,
          body: {
            spec: {
              selector: { matchLabels: { app: 'other' } },
              template: { metadata: { labels: { app: 'other' } } },
            },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
      422,
      'Invalid',
    );
  });
});
