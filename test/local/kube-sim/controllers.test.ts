import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { FAULT_ANNOTATION } from '../../../local/kube-sim/index.ts';
import { deployment, type SimClients, startWithClients, statefulSet, THREE_NODES } from './fixtures.ts';

const ns = 'default';

function job(name: string, completions: number, annotations: Record<string, string> = {}): V1Job {
  return {
    metadata: { name },
    spec: {
      completions,
      parallelism: 2,
      backoffLimit: 2,
      template: {
        metadata: { annotations },
        spec: { restartPolicy: 'Never', containers: [{ name: 'copy', image: 'peakcom/s5cmd:v2.2.2' }] },
      },
    },
  };
}

describe('kube-sim controllers', () => {
  let clients: SimClients;
  afterEach(() => clients.sim.stop());

  const podsOf = async (selector: string) =>
    (await clients.core.listNamespacedPod({ namespace: ns, labelSelector: selector })).items;
  const condition = (pod: V1Pod, type: string) =>
    pod.status?.conditions?.find((entry) => entry.type === type);

  it('makes a Deployment available with ready pods spread over the nodes', async () => {
    clients = await startWithClients();
    await clients.apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 3) });
    const read = await clients.apps.readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(read.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      updatedReplicas: 3,
      observedGeneration: 1,
    });
    expect(read.status?.conditions?.map((entry) => `${entry.type}=${entry.status}`)).toEqual([
      'Available=True',
      'Progressing=True',
    ]);
    const pods = await podsOf('app=web');
    expect(new Set(pods.map((pod) => pod.spec?.nodeName))).toEqual(new Set(['node-a', 'node-b', 'node-c']));
    expect(
      pods.every((pod) => pod.status?.phase === 'Running' && condition(pod, 'Ready')?.status === 'True'),
    ).toBe(true);
  });

  it('rolls out a new template hash and retires the old ReplicaSet', async () => {
    clients = await startWithClients();
    await clients.apps.createNamespacedDeployment({ namespace: ns, body: deployment('roll', 2) });
    const first = await clients.apps.readNamespacedDeployment({ name: 'roll', namespace: ns });
    first.spec!.template.spec!.containers[0]!.image = 'nginx:1.28';
    await clients.apps.replaceNamespacedDeployment({ name: 'roll', namespace: ns, body: first });
    const replicaSets = (
      await clients.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=roll' })
    ).items;
    const byRevision = new Map(
      replicaSets.map((rs) => [rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], rs]),
    );
    expect(byRevision.get('1')?.spec?.replicas).toBe(0);
    expect(byRevision.get('2')?.status?.readyReplicas).toBe(2);
    const pods = await podsOf('app=roll');
    expect(pods.map((pod) => pod.spec?.containers[0]?.image)).toEqual(['nginx:1.28', 'nginx:1.28']);
    const hash = byRevision.get('2')?.metadata?.labels?.['pod-template-hash'];
    expect(pods.every((pod) => pod.metadata?.labels?.['pod-template-hash'] === hash)).toBe(true);
    const read = await clients.apps.readNamespacedDeployment({ name: 'roll', namespace: ns });
    expect(read.status).toMatchObject({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2 });
  });

  it('keeps the old pods serving when a rollout pulls an image the registry does not have', async () => {
    clients = await startWithClients({ nodes: THREE_NODES, images: ['nginx:1.27'], enforceImages: true });
    await clients.apps.createNamespacedDeployment({ namespace: ns, body: deployment('pinned', 2) });
    const current = await clients.apps.readNamespacedDeployment({ name: 'pinned', namespace: ns });
    current.spec!.template.spec!.containers[0]!.image = 'nginx:9.99-typo';
    await clients.apps.replaceNamespacedDeployment({ name: 'pinned', namespace: ns, body: current });
    const pods = await podsOf('app=pinned');
    const broken = pods.filter((pod) => pod.spec?.containers[0]?.image === 'nginx:9.99-typo');
    expect(broken).toHaveLength(2);
    for (const pod of broken) {
      expect(pod.status?.phase).toBe('Pending');
      expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ImagePullBackOff');
    }
    expect(pods.filter((pod) => condition(pod, 'Ready')?.status === 'True')).toHaveLength(2);
    const read = await clients.apps.readNamespacedDeployment({ name: 'pinned', namespace: ns });
    expect(read.status).toMatchObject({ availableReplicas: 2, updatedReplicas: 2, unavailableReplicas: 2 });
    clients.sim.images.add('nginx:9.99-typo');
    await clients.sim.settle();
    expect(
      (await podsOf('app=pinned')).every(
        (pod) => pod.spec?.containers[0]?.image === 'nginx:9.99-typo' && pod.status?.phase === 'Running',
      ),
    ).toBe(true);
  });

  it('runs a StatefulSet as pods -0..-3, each with its own claim', async () => {
    clients = await startWithClients();
    await clients.apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('minio', 4) });
    const pods = await podsOf('app=minio');
    expect(pods.map((pod) => pod.metadata?.name)).toEqual(['minio-0', 'minio-1', 'minio-2', 'minio-3']);
    const claims = await clients.core.listNamespacedPersistentVolumeClaim({ namespace: ns });
    expect(claims.items.map((claim) => `${claim.metadata?.name}:${claim.status?.phase}`)).toEqual([
      'data-minio-0:Bound',
      'data-minio-1:Bound',
      'data-minio-2:Bound',
      'data-minio-3:Bound',
    ]);
    const read = await clients.apps.readNamespacedStatefulSet({ name: 'minio', namespace: ns });
    expect(read.status).toMatchObject({
      replicas: 4,
      readyReplicas: 4,
      currentReplicas: 4,
      availableReplicas: 4,
      updatedReplicas: 4,
    });
  });

  it('provisions an EBS CSI PersistentVolume of the claimed size for each claim it binds', async () => {
    clients = await startWithClients();
    await clients.apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('minio', 2) });
    const claims = (await clients.core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items;
    const volumes = (await clients.core.listPersistentVolume()).items;
    expect(volumes).toHaveLength(2);
    for (const claim of claims) {
      const volume = volumes.find((entry) => entry.metadata?.name === claim.spec?.volumeName);
      expect(volume?.metadata?.name).toBe(`pvc-${claim.metadata?.uid}`);
      expect(volume?.spec).toMatchObject({
        capacity: { storage: '10Gi' },
        csi: { driver: 'ebs.csi.aws.com' },
        claimRef: { namespace: ns, name: claim.metadata?.name, uid: claim.metadata?.uid },
      });
      expect(volume?.spec?.csi?.volumeHandle).toMatch(/^vol-[0-9a-f]{17}$/);
      expect(volume?.status?.phase).toBe('Bound');
    }
    const handles = new Set(volumes.map((volume) => volume.spec?.csi?.volumeHandle));
    expect(handles.size).toBe(2);
  });

  it('creates a StatefulSet pod only after the previous one is Ready (OrderedReady)', async () => {
    clients = await startWithClients({
      nodes: THREE_NODES,
      images: ['minio/minio:RELEASE.2024-08-03'],
      enforceImages: true,
    });
    const body = statefulSet('ordered', 3);
    body.spec!.template.metadata!.annotations = { [FAULT_ANNOTATION]: 'not-ready' };
    await clients.apps.createNamespacedStatefulSet({ namespace: ns, body });
    expect((await podsOf('app=ordered')).map((pod) => pod.metadata?.name)).toEqual(['ordered-0']);
  });

  it('runs one DaemonSet pod per node, NotReady nodes included', async () => {
    clients = await startWithClients();
    clients.sim.setNodeReady('node-c', false);
    await clients.apps.createNamespacedDaemonSet({
      namespace: ns,
      body: {
        metadata: { name: 'node-exporter' },
        spec: {
          selector: { matchLabels: { app: 'node-exporter' } },
          template: {
            metadata: { labels: { app: 'node-exporter' } },
            spec: { containers: [{ name: 'exporter', image: 'prom/node-exporter:v1.8.2' }] },
          },
        },
      },
    });
    const pods = await podsOf('app=node-exporter');
    expect(pods.map((pod) => pod.spec?.nodeName).sort()).toEqual(['node-a', 'node-b', 'node-c']);
    const read = await clients.apps.readNamespacedDaemonSet({ name: 'node-exporter', namespace: ns });
    expect(read.status).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 2,
    });
  });

  it('completes a Job: pods succeed and the Job gets condition Complete', async () => {
    clients = await startWithClients();
    await clients.batch.createNamespacedJob({ namespace: ns, body: job('copy', 3) });
    const read = await clients.batch.readNamespacedJob({ name: 'copy', namespace: ns });
    expect(read.status).toMatchObject({ succeeded: 3, failed: 0, active: 0 });
    expect(read.status?.conditions?.find((entry) => entry.type === 'Complete')?.status).toBe('True');
    expect(read.status?.completionTime).toBeInstanceOf(Date);
    const pods = await podsOf('job-name=copy');
    expect(pods.map((pod) => pod.status?.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
  });

  it('fails a Job once more pods failed than its backoffLimit', async () => {
    clients = await startWithClients();
    await clients.batch.createNamespacedJob({
      namespace: ns,
      body: job('broken', 1, { [FAULT_ANNOTATION]: 'fail' }),
    });
    const read = await clients.batch.readNamespacedJob({ name: 'broken', namespace: ns });
    expect(read.status?.failed).toBe(3);
    expect(read.status?.conditions?.find((entry) => entry.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'BackoffLimitExceeded',
    });
  });

  it('stores a suspended CronJob without running it', async () => {
    clients = await startWithClients();
    await clients.batch.createNamespacedCronJob({
      namespace: ns,
      body: {
        metadata: { name: 'nightly' },
        spec: { schedule: '0 2 * * *', suspend: true, jobTemplate: { spec: job('template', 1).spec! } },
      },
    });
    const read = await clients.batch.readNamespacedCronJob({ name: 'nightly', namespace: ns });
    expect(read.spec?.suspend).toBe(true);
    expect((await clients.batch.listNamespacedJob({ namespace: ns })).items).toEqual([]);
  });

  it('marks the pods of a NotReady node unready and schedules new pods elsewhere', async () => {
    clients = await startWithClients();
    await clients.apps.createNamespacedDeployment({ namespace: ns, body: deployment('spread', 3) });
    clients.sim.setNodeReady('node-b', false);
    const pods = await podsOf('app=spread');
    const onB = pods.filter((pod) => pod.spec?.nodeName === 'node-b');
    expect(onB).toHaveLength(1);
    expect(condition(onB[0]!, 'Ready')?.status).toBe('False');
    expect(
      pods
        .filter((pod) => pod.spec?.nodeName !== 'node-b')
        .every((pod) => condition(pod, 'Ready')?.status === 'True'),
    ).toBe(true);
    const node = await clients.core.readNode({ name: 'node-b' });
    expect(node.spec?.taints).toContainEqual({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
    await clients.apps.createNamespacedDeployment({ namespace: ns, body: deployment('later', 4) });
    expect((await podsOf('app=later')).some((pod) => pod.spec?.nodeName === 'node-b')).toBe(false);
    const read = await clients.apps.readNamespacedDeployment({ name: 'spread', namespace: ns });
    expect(read.status?.readyReplicas).toBe(2);
    clients.sim.setNodeReady('node-b', true);
    expect(
      condition((await podsOf('app=spread')).find((pod) => pod.spec?.nodeName === 'node-b')!, 'Ready')
        ?.status,
    ).toBe('True');
  });

  it('keeps pods whose image is not in the registry in ImagePullBackOff', async () => {
    clients = await startWithClients({ nodes: THREE_NODES, images: ['busybox:1.36'], enforceImages: true });
    await clients.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'missing-image' },
        spec: { containers: [{ name: 'main', image: 'ghcr.io/example/nope:1' }] },
      },
    });
    const pod = await clients.core.readNamespacedPod({ name: 'missing-image', namespace: ns });
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting).toMatchObject({
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "ghcr.io/example/nope:1"',
    });
    expect(condition(pod, 'Ready')?.status).toBe('False');
  });

  it('crash-loops a pod carrying the fault annotation, with a growing restart count', async () => {
    clients = await startWithClients();
    await clients.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'looper', annotations: { [FAULT_ANNOTATION]: 'crash-loop' } },
        spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
      },
    });
    const pod = await clients.core.readNamespacedPod({ name: 'looper', namespace: ns });
    expect(pod.status?.phase).toBe('Running');
    expect(condition(pod, 'Ready')?.status).toBe('False');
    const container = pod.status?.containerStatuses?.[0];
    expect(container?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(container?.lastState?.terminated?.reason).toBe('Error');
    await clients.sim.tick(3);
    const later = await clients.core.readNamespacedPod({ name: 'looper', namespace: ns });
    expect(later.status?.containerStatuses?.[0]?.restartCount).toBe((container?.restartCount ?? 0) + 3);
  });

  it('schedules no new pods onto a cordoned (unschedulable) node', async () => {
    clients = await startWithClients();
    await clients.core.patchNode({
      name: 'node-a',
      body: [{ op: 'add', path: '/spec/unschedulable', value: true }],
    });
    await clients.apps.createNamespacedDeployment({ namespace: ns, body: deployment('cordoned', 6) });
    const nodes = (await podsOf('app=cordoned')).map((pod) => pod.spec?.nodeName);
    expect(nodes).toHaveLength(6);
    expect(nodes).not.toContain('node-a');
  });

  it('leaves a pod Pending and Unschedulable when no node fits its selector or taints', async () => {
    clients = await startWithClients({
      nodes: [
        { name: 'tainted', taints: [{ key: 'dedicated', value: 'minio', effect: 'NoSchedule' }] },
        { name: 'plain', labels: { pool: 'general' } },
      ],
    });
    await clients.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'picky' },
        spec: { nodeSelector: { pool: 'storage' }, containers: [{ name: 'main', image: 'busybox:1.36' }] },
      },
    });
    const pod = await clients.core.readNamespacedPod({ name: 'picky', namespace: ns });
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(condition(pod, 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    expect(condition(pod, 'PodScheduled')?.message).toContain('0/2 nodes are available');
    await clients.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'tolerant' },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': 'tainted' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'minio', effect: 'NoSchedule' }],
          containers: [{ name: 'main', image: 'busybox:1.36' }],
        },
      },
    });
    expect((await clients.core.readNamespacedPod({ name: 'tolerant', namespace: ns })).spec?.nodeName).toBe(
      'tainted',
    );
  });

  it('waits for settle() in manual mode', async () => {
    clients = await startWithClients({ nodes: THREE_NODES, controllers: 'manual' });
    await clients.apps.createNamespacedDeployment({ namespace: ns, body: deployment('patient', 2) });
    expect(await podsOf('app=patient')).toEqual([]);
    expect(await clients.sim.settle()).toBeGreaterThan(1);
    const read = await clients.apps.readNamespacedDeployment({ name: 'patient', namespace: ns });
    expect(read.status?.availableReplicas).toBe(2);
  });
});
