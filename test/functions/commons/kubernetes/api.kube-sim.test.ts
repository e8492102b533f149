import type { V1Deployment, V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKubernetesApi, type KubernetesApi } from '../../../../functions/commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../../functions/commons/kubernetes/resources.ts';
import { createEksToken } from '../../../../functions/commons/kubernetes-client.ts';
import { type KubeSim, startKubeSim } from '../../../../local/kube-sim/index.ts';
import { rejectionOf } from '../../support/rejection.ts';

/**
 * The client against the real local API server (kube-sim), authenticated the way a Lambda is:
 * with an EKS token signed by createEksToken, whose structure and age kube-sim checks.
 */
const { deployments, jobs, namespaces, nodes, podDisruptionBudgets, pods } = kubernetesResources;
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

async function eksTokenSignedAt(signingDate: Date): Promise<string> {
  const { token } = await createEksToken({
    clusterName: 'lakehouse',
    region: 'eu-west-1',
    credentials,
    signingDate,
  });
  return token;
}

function webDeployment(name: string, replicas: number): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, tier: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] },
      },
    },
  };
}

describe('createKubernetesApi against kube-sim', () => {
  let sim: KubeSim;
  let api: KubernetesApi;
  let namespace: string;
  let namespaceCount = 0;

  beforeAll(async () => {
    sim = await startKubeSim({
      nodes: [
        { name: 'node-a', nodeGroup: 'core' },
        { name: 'node-b', nodeGroup: 'core' },
        { name: 'node-c', nodeGroup: 'storage' },
      ],
    });
    api = createKubernetesApi({ server: sim.url, token: await eksTokenSignedAt(new Date()) });
  });

  afterAll(() => sim.stop());

  beforeEach(async () => {
    namespaceCount += 1;
    namespace = `test-${namespaceCount}`;
    await api.create(namespaces.all(), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace },
    });
  });

  /** Creates a Deployment and a PodDisruptionBudget over its pods; resolves to one pod's name. */
  async function podOfBudgetedDeployment(
    name: string,
    replicas: number,
    budget: { minAvailable: number } | { maxUnavailable: number },
  ): Promise<string> {
    await api.create(deployments.inNamespace(namespace), webDeployment(name, replicas));
    await api.create(podDisruptionBudgets.inNamespace(namespace), {
      metadata: { name },
      spec: { ...budget, selector: { matchLabels: { app: name } } },
    });
    const [pod] = await api.list(pods.inNamespace(namespace), { labelSelector: `app=${name}` });
    return pod!.metadata!.name!;
  }

  it('authenticates with an EKS token and reads nodes, a missing one as undefined', async () => {
    const listed = await api.list(nodes.all(), { labelSelector: 'eks.amazonaws.com/nodegroup=core' });

    expect(listed.map((node) => node.metadata?.name)).toEqual(['node-a', 'node-b']);
    expect((await api.get(nodes.named('node-c')))?.metadata?.name).toBe('node-c');
    expect(await api.get(nodes.named('node-z'))).toBeUndefined();
    expect(sim.audit.at(-1)).toMatchObject({ user: 'aws-iam:AKIDEXAMPLE', code: 404 });
  });

  it('is refused with KubernetesApiError 401 when the EKS token has expired', async () => {
    const expired = await eksTokenSignedAt(new Date(Date.now() - 16 * 60_000));
    const stale = createKubernetesApi({ server: sim.url, token: expired });

    expect(await rejectionOf(stale.list(nodes.all()))).toMatchObject({
      name: 'KubernetesApiError',
      details: { httpStatusCode: 401, reason: 'Unauthorized' },
      message: expect.stringContaining('EKS token expired'),
    });
  });

  it('lists by label and field selector across pages', async () => {
    await api.create(deployments.inNamespace(namespace), webDeployment('web', 3));
    await api.create(deployments.inNamespace(namespace), webDeployment('api', 2));
    const requestsBefore = sim.audit.length;

    const web = await api.list(pods.inNamespace(namespace), {
      labelSelector: 'app=web',
      fieldSelector: 'status.phase=Running',
      limit: 1,
    });

    expect(web).toHaveLength(3);
    expect(web.every((pod) => pod.metadata?.labels?.app === 'web')).toBe(true);
    expect(sim.audit.length - requestsBefore).toBe(3);
    expect(await api.list(pods.inNamespace(namespace), { fieldSelector: 'status.phase=Pending' })).toEqual(
      [],
    );
    expect(
      await api.list(deployments.inAllNamespaces(), { labelSelector: 'tier=web,app in (api)' }),
    ).toHaveLength(1);
  });

  it('creates after a dry run stored nothing, and refuses a second create with KubernetesConflictError', async () => {
    const path = deployments.inNamespace(namespace);

    await api.create(path, webDeployment('web', 1), { dryRun: true });
    expect(await api.get(deployments.named(namespace, 'web'))).toBeUndefined();

    const created = await api.create(path, webDeployment('web', 1), { fieldManager: 'lakehouse-ops' });
    expect(created.metadata?.uid).toBeTruthy();
    expect(await rejectionOf(api.create(path, webDeployment('web', 1)))).toMatchObject({
      name: 'KubernetesConflictError',
      details: { reason: 'AlreadyExists' },
    });
  });

  it('replaces an object, and refuses a replace from a stale read with KubernetesConflictError', async () => {
    const path = deployments.named(namespace, 'web');
    await api.create(deployments.inNamespace(namespace), webDeployment('web', 1));
    const read = (await api.get(path))!;

    const replaced = await api.replace(path, { ...read, spec: { ...read.spec!, replicas: 2 } });
    expect(replaced.spec?.replicas).toBe(2);

    const error = await rejectionOf(api.replace(path, { ...read, spec: { ...read.spec!, replicas: 5 } }));
    expect(error).toMatchObject({
      name: 'KubernetesConflictError',
      details: { httpStatusCode: 409, reason: 'Conflict', status: { kind: 'Status', code: 409 } },
    });
    expect((await api.get(path))?.spec?.replicas).toBe(2);
  });

  it('patches with merge, strategic-merge, JSON patch and server-side apply', async () => {
    const path = deployments.named(namespace, 'web');
    await api.create(deployments.inNamespace(namespace), webDeployment('web', 1));

    await api.patch(path, { metadata: { labels: { owner: 'data' } } }, { strategy: 'merge' });
    // Strategic merge merges containers by name: the image stays, the env is added.
    await api.patch(
      path,
      {
        spec: {
          template: { spec: { containers: [{ name: 'main', env: [{ name: 'MODE', value: 'batch' }] }] } },
        },
      },
      { strategy: 'strategic-merge' },
    );
    await api.patch(path, [{ op: 'replace', path: '/spec/replicas', value: 2 }], { strategy: 'json' });
    await api.patch(path, [{ op: 'replace', path: '/spec/replicas', value: 9 }], {
      strategy: 'json',
      dryRun: true,
    });
    await api.patch(
      path,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', annotations: { 'lakehouse-ops/managed': 'true' } },
      },
      { strategy: 'apply', fieldManager: 'lakehouse-ops', force: true },
    );

    const patched = (await api.get(path))!;
    expect(patched.metadata?.labels).toMatchObject({ app: 'web', owner: 'data' });
    expect(patched.spec?.template.spec?.containers).toEqual([
      expect.objectContaining({ name: 'main', image: 'nginx:1.27', env: [{ name: 'MODE', value: 'batch' }] }),
    ]);
    expect(patched.spec?.replicas).toBe(2);
    expect(patched.metadata?.annotations).toMatchObject({ 'lakehouse-ops/managed': 'true' });
    expect(patched.metadata?.managedFields?.map((entry) => entry.manager)).toContain('lakehouse-ops');
  });

  it('deletes a Job and, with Background propagation, its pods; a dry run deletes nothing', async () => {
    const job: V1Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'copy' },
      spec: {
        template: {
          metadata: { labels: { app: 'copy' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'peakcom/s5cmd:v2.3.0' }] },
        },
      },
    };
    await api.create(jobs.inNamespace(namespace), job);
    expect(await api.list(pods.inNamespace(namespace), { labelSelector: 'app=copy' })).toHaveLength(1);

    await api.delete(jobs.named(namespace, 'copy'), { propagationPolicy: 'Background', dryRun: true });
    expect(await api.get(jobs.named(namespace, 'copy'))).toBeDefined();

    await api.delete(jobs.named(namespace, 'copy'), { propagationPolicy: 'Background' });
    expect(await api.get(jobs.named(namespace, 'copy'))).toBeUndefined();
    expect(await api.list(pods.inNamespace(namespace), { labelSelector: 'app=copy' })).toEqual([]);
  });

  it('evicts a pod when its PodDisruptionBudget allows it', async () => {
    const victimName = await podOfBudgetedDeployment('web', 3, { maxUnavailable: 1 });

    await api.evict(namespace, victimName, { dryRun: true });
    expect(await api.get(pods.named(namespace, victimName))).toBeDefined();

    await api.evict(namespace, victimName);
    expect(await api.get(pods.named(namespace, victimName))).toBeUndefined();
  });

  it('throws EvictionBlockedError (429) when the PodDisruptionBudget allows no disruption', async () => {
    const victimName = await podOfBudgetedDeployment('quorum', 2, { minAvailable: 2 });

    const error = await rejectionOf(api.evict(namespace, victimName));

    expect(error).toMatchObject({
      name: 'EvictionBlockedError',
      details: { httpStatusCode: 429, reason: 'TooManyRequests', retryAfterSeconds: 10 },
      message: expect.stringContaining(
        'The disruption budget quorum needs 2 healthy pods and has 2 currently',
      ),
    });
    expect(await api.list(pods.inNamespace(namespace), { labelSelector: 'app=quorum' })).toHaveLength(2);
  });
});
