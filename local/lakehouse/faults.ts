import type { PlatformLayout } from '../../functions/core/platform/layout.ts';
import type { AwsSim } from '../aws-sim/server.ts';
import { FAULT_ANNOTATION, type KubeObject, type KubeSim, type Node, type Pod } from '../kube-sim/index.ts';
import type { S3Endpoint } from './s3-endpoint.ts';
import { PLATFORM_IMAGES } from './seed/platform-objects.ts';

/**
 * Named, reversible faults for the drill and the tests. Each one breaks the platform the way it
 * breaks in production and returns the function that repairs it; the checks must notice the
 * first and stop noticing after the second.
 */
export type RestoreFault = () => Promise<void>;

export interface LakehouseFaults {
  /** A Node's kubelet stops posting Ready (default: the first Node of the compute pool). */
  nodeNotReady(name?: string): Promise<RestoreFault>;
  /** One MinIO server pod crash-loops. */
  minioPodDown(): Promise<RestoreFault>;
  /** A Prefect worker Deployment is rolled to an image tag the registry does not have. */
  prefectWorkerUnavailable(): Promise<RestoreFault>;
  /** The next `times` Kubernetes API requests answer 503, as during a control-plane upgrade. */
  kubernetesApiFlaky(times: number): Promise<RestoreFault>;
  /** The MinIO S3 endpoint stops accepting connections. */
  minioS3Down(): Promise<RestoreFault>;
  /** AWS Backup jobs started from now on end FAILED (as when the backup role lacks a permission). */
  awsBackupJobsFail(): Promise<RestoreFault>;
}

export const AWS_BACKUP_FAILURE_MESSAGE =
  'Access denied: the backup role is not authorized to perform ec2:CreateSnapshot on the volume';

/** A tag nobody mirrored: what an upgrade to an unreleased Prefect version looks like. */
export const UNAVAILABLE_PREFECT_IMAGE = 'prefecthq/prefect:3.9.99-python3.12';
const FLAKY_API_PATH = /^\/(api|apis)\//;

export function createLakehouseFaults(
  kube: KubeSim,
  minio: S3Endpoint,
  awsSim: AwsSim,
  layout: PlatformLayout,
): LakehouseFaults {
  return {
    async nodeNotReady(name) {
      const target = name ?? firstComputeNode(kube, layout);
      kube.setNodeReady(target, false);
      await kube.settle();
      return async () => {
        kube.setNodeReady(target, true);
        await kube.settle();
      };
    },

    async minioPodDown() {
      const { namespace, statefulSet } = layout.minio;
      // The last ordinal: StatefulSets roll from the highest ordinal down, so that is where it shows first.
      const name = `${statefulSet}-${layout.minio.replicas - 1}`;
      const pod = kube.get<Pod>('v1', 'Pod', name, namespace);
      if (!pod) throw new Error(`minioPodDown: pod ${namespace}/${name} does not exist`);
      annotate(kube, pod, { [FAULT_ANNOTATION]: 'crash-loop' });
      await kube.tick(3);
      return async () => {
        // Like `kubectl delete pod` after the fix: the StatefulSet recreates it with a clean history.
        kube.delete('v1', 'Pod', name, namespace);
        await kube.settle();
      };
    },

    async prefectWorkerUnavailable() {
      const { namespace, workerSelector } = layout.prefect;
      const [worker] = kube.list('apps/v1', 'Deployment', namespace, workerSelector);
      if (!worker)
        throw new Error(`prefectWorkerUnavailable: no Deployment matches ${workerSelector} in ${namespace}`);
      const original = imagesOf(worker);
      setImages(kube, worker, () => UNAVAILABLE_PREFECT_IMAGE);
      await kube.settle();
      return async () => {
        const current = kube.get('apps/v1', 'Deployment', worker.metadata.name ?? '', namespace);
        if (current)
          setImages(kube, current, (container) => original.get(container) ?? PLATFORM_IMAGES.prefect);
        await kube.settle();
      };
    },

    async kubernetesApiFlaky(times) {
      const fault = kube.faults.inject({
        pathPattern: FLAKY_API_PATH,
        status: 503,
        times,
        message: 'the server is currently unable to handle the request',
      });
      return async () => {
        // kube-sim can only clear every injected fault at once; faults here are injected one at a
        // time, so clearing is only needed (and only safe) while this one still has uses left.
        if (fault.remaining > 0) kube.faults.clear();
      };
    },

    async minioS3Down() {
      await minio.goOffline();
      return () => minio.goOnline();
    },

    async awsBackupJobsFail() {
      awsSim.backup.failNewJobs({ message: AWS_BACKUP_FAILURE_MESSAGE });
      return async () => awsSim.backup.failNewJobs(undefined);
    },
  };
}

function firstComputeNode(kube: KubeSim, layout: PlatformLayout): string {
  const [node] = kube
    .list<Node>('v1', 'Node', undefined, `${layout.nodes.nodeGroupLabel}=compute`)
    .map((candidate) => candidate.metadata.name ?? '')
    .sort();
  if (!node) throw new Error('nodeNotReady: the compute node group has no Nodes');
  return node;
}

function annotate(kube: KubeSim, object: KubeObject, annotations: Record<string, string>): void {
  kube.apply({
    ...object,
    metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, ...annotations } },
  });
}

type ContainerList = { name: string; image?: string }[];

function containersOf(deployment: KubeObject): ContainerList {
  return (deployment.spec as { template: { spec: { containers: ContainerList } } }).template.spec.containers;
}

function imagesOf(deployment: KubeObject): Map<string, string> {
  return new Map(containersOf(deployment).map((container) => [container.name, container.image ?? '']));
}

function setImages(kube: KubeSim, deployment: KubeObject, image: (container: string) => string): void {
  const next = structuredClone(deployment);
  for (const container of containersOf(next)) container.image = image(container.name);
  kube.apply(next);
}
