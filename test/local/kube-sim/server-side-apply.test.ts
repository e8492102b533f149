import {
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectApiError, type SimClients, startWithClients, THREE_NODES } from './fixtures.ts';

/**
 * Server-side apply and server-side dry runs as the provision workflow uses them, driven by the
 * real @kubernetes/client-node: an identical re-apply is a no-op (same resourceVersion and
 * generation), dryRun=All answers with what would be stored and stores nothing, and the kinds of
 * cluster-manifests/ that are not workloads (storage classes, Istio and External Secrets custom
 * resources) are served like their CRDs.
 */
describe('kube-sim server-side apply', () => {
  let clients: SimClients;
  const ns = 'apply-tests';
  const manager = 'lakehouse-ops';

  beforeAll(async () => {
    clients = await startWithClients({ nodes: THREE_NODES, namespaces: ['default', ns] });
  });
  afterAll(() => clients.sim.stop());

  const deploymentConfig = (name: string, replicas: number, image = 'nginx:1.27'): V1Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  });

  function apply<T extends KubernetesObject>(
    config: T,
    options: { dryRun?: boolean; force?: boolean; fieldManager?: string } = {},
  ): Promise<T> {
    return clients.objects.patch(
      config,
      undefined,
      options.dryRun ? 'All' : undefined,
      options.fieldManager ?? manager,
      options.force,
      PatchStrategy.ServerSideApply,
    );
  }

  const readDeployment = (name: string) => clients.apps.readNamespacedDeployment({ name, namespace: ns });

  it('leaves resourceVersion, generation and managedFields alone when the same configuration is applied again', async () => {
    await apply(deploymentConfig('steady', 2));
    // The controllers have since written status and the revision annotation, as on a real cluster.
    const settled = await readDeployment('steady');
    const again = await apply(deploymentConfig('steady', 2));

    expect(again.metadata?.resourceVersion).toBe(settled.metadata?.resourceVersion);
    expect(again.metadata?.generation).toBe(1);
    expect(again.metadata?.managedFields).toEqual(settled.metadata?.managedFields);
    expect(settled.metadata?.managedFields).toContainEqual(
      expect.objectContaining({ manager, operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' }),
    );
  });

  it('moves resourceVersion and generation when an applied field changes', async () => {
    await apply(deploymentConfig('changing', 1));
    const first = await readDeployment('changing');
    const changed = await apply(deploymentConfig('changing', 1, 'nginx:1.28'));

    expect(Number(changed.metadata?.resourceVersion)).toBeGreaterThan(
      Number(first.metadata?.resourceVersion),
    );
    expect(changed.metadata?.generation).toBe(2);
  });

  it('answers a dry-run apply of a new object with the object as created, and stores nothing', async () => {
    const previewed = await apply(deploymentConfig('previewed', 2), { dryRun: true });

    expect(previewed.metadata?.uid).toBeTruthy();
    expect(previewed.metadata?.managedFields?.[0]).toMatchObject({ manager, operation: 'Apply' });
    expect(previewed.spec?.strategy).toBeDefined();
    await expectApiError(
      clients.apps.readNamespacedDeployment({ name: 'previewed', namespace: ns }),
      404,
      'NotFound',
    );
  });

  it('answers a dry-run apply of a change with the merged object, and keeps the stored one', async () => {
    await apply(deploymentConfig('planned', 1));
    const stored = await readDeployment('planned');
    const previewed = await apply(deploymentConfig('planned', 3), { dryRun: true });

    expect(previewed.spec).toMatchObject({ replicas: 3 });
    const current = await readDeployment('planned');
    expect(current.spec?.replicas).toBe(1);
    expect(current.metadata?.resourceVersion).toBe(stored.metadata?.resourceVersion);
  });

  it('refuses a dry-run apply that conflicts with another manager, as the real apply would be refused', async () => {
    await apply(deploymentConfig('owned', 1));
    await expectApiError(
      apply(deploymentConfig('owned', 4), { dryRun: true, fieldManager: 'kubectl' }),
      409,
      'Conflict',
    );
    const forced = await apply(deploymentConfig('owned', 4), {
      dryRun: true,
      fieldManager: 'kubectl',
      force: true,
    });
    expect(forced.spec).toMatchObject({ replicas: 4 });
  });

  it('stores nothing for a dry-run create (POST) either', async () => {
    const config = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dry', namespace: ns },
      data: { a: 'b' },
    };
    const created = await clients.objects.create(config, undefined, 'All', manager);

    expect(created.metadata?.name).toBe('dry');
    await expectApiError(
      clients.core.readNamespacedConfigMap({ name: 'dry', namespace: ns }),
      404,
      'NotFound',
    );
  });

  it('reports 404 NotFound for an apply into a namespace that does not exist', async () => {
    await expectApiError(
      apply({ ...deploymentConfig('nowhere', 1), metadata: { name: 'nowhere', namespace: 'missing' } }),
      404,
      'NotFound',
    );
  });

  it.each([
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'lakehouse-gp3' },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    },
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: ns },
      spec: { mtls: { mode: 'STRICT' } },
    },
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'aws-secrets-manager' },
      spec: {
        provider: { aws: { service: 'SecretsManager', region: 'eu-central-1' } },
        conditions: [{ namespaces: [ns, 'default'] }],
      },
    },
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'minio-root', namespace: ns },
      spec: {
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' },
        target: { name: 'minio-root', creationPolicy: 'Owner' },
        data: [{ secretKey: 'password', remoteRef: { key: 'lakehouse/test/minio-root' } }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: ns },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'lakehouse-ops:provision' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }],
    },
  ] as (KubernetesObject & Record<string, unknown>)[])(
    'applies a $kind through discovery and re-applies it as a no-op',
    async (config) => {
      const created = await apply(config);
      const again = await apply(config);

      expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
      expect(
        await clients.objects.read(config as Parameters<SimClients['objects']['read']>[0]),
      ).toMatchObject(config);
    },
  );

  it('replaces the lists of a custom resource whole, having no merge keys for them', async () => {
    const store = (namespaces: string[]) => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'lists' },
      spec: { provider: { fake: {} }, conditions: [{ namespaces }] },
    });
    await apply(store(['a', 'b']));
    const applied = (await apply(store(['c']))) as KubernetesObject & { spec: unknown };

    expect(applied.spec).toEqual({ provider: { fake: {} }, conditions: [{ namespaces: ['c'] }] });
  });

  it('refuses a strategic merge patch of a custom resource with 415, as for any CRD', async () => {
    await apply({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'patched', namespace: ns },
      spec: { mtls: { mode: 'STRICT' } },
    } as KubernetesObject);
    const response = await fetch(
      `${clients.sim.url}/apis/security.istio.io/v1/namespaces/${ns}/peerauthentications/patched`,
      {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${clients.sim.token}`,
          'content-type': 'application/strategic-merge-patch+json',
        },
        body: JSON.stringify({ spec: { mtls: { mode: 'PERMISSIVE' } } }),
      },
    );
    expect(response.status).toBe(415);
  });

  it('lists the custom resources under their group in discovery', async () => {
    const response = await fetch(`${clients.sim.url}/apis/external-secrets.io/v1`, {
      headers: { authorization: `Bearer ${clients.sim.token}` },
    });
    const list = (await response.json()) as {
      resources: { name: string; namespaced: boolean; kind: string }[];
    };
    expect(list.resources).toContainEqual(
      expect.objectContaining({ name: 'externalsecrets', namespaced: true, kind: 'ExternalSecret' }),
    );
    expect(list.resources).toContainEqual(
      expect.objectContaining({ name: 'clustersecretstores', namespaced: false, kind: 'ClusterSecretStore' }),
    );
  });

  it('applies with the raw content type and the fieldManager and force query parameters', async () => {
    const body = deploymentConfig('raw', 1);
    const created = await clients.apps.patchNamespacedDeployment(
      { name: 'raw', namespace: ns, body, fieldManager: manager, force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(created.metadata?.managedFields?.[0]).toMatchObject({ manager, operation: 'Apply' });
  });
});
