import type { ClusterEnvironment } from './environments.ts';
import { SECRETS } from './external-secrets.ts';
import { platformIdentities } from './identities.ts';
import { IMAGE_UIDS, IMAGES } from './images.ts';
import type { Manifest } from './manifest.ts';
import { driveSizeGi, MINIO_ERASURE } from './minio-erasure.ts';
import { httpServing, scrapeAnnotations, scratch, secretEnv } from './pods.ts';
import { onStoragePool, spreadOnPool } from './scheduling.ts';
import { resourcesFor } from './sizing.ts';
import { STORAGE_CLASSES } from './storage.ts';
import { headlessService, podDisruptionBudget, service, serviceAccount, statefulSet } from './workloads.ts';

export const MINIO_S3_PORT = 9000;

export function minioEndpoint(environment: ClusterEnvironment): string {
  const { namespace, statefulSet } = environment.layout.minio;
  return `http://${statefulSet}.${namespace}.svc.cluster.local:${MINIO_S3_PORT}`;
}

/**
 * The lakehouse's object store: the layout's 4 pods, one per storage node, each with
 * MINIO_ERASURE.drivesPerPod EBS drives, erasure coded 4+2 (minio-erasure.ts explains the choice).
 * All pods start together (Parallel): MinIO waits for its peers before it serves, so ordered
 * start-up would deadlock on the first pod's readiness.
 */
export function minio(environment: ClusterEnvironment): Manifest[] {
  const { namespace, statefulSet: name, replicas } = environment.layout.minio;
  const identity = platformIdentities(environment).minio;
  const drives = Array.from({ length: MINIO_ERASURE.drivesPerPod }, (_, drive) => `data${drive}`);
  const driveSize = `${driveSizeGi(environment.objectStoreCapacityTiB, replicas)}Gi`;
  const peers = `http://${name}-{0...${replicas - 1}}.${name}-headless.${namespace}.svc.cluster.local:${MINIO_S3_PORT}/data{0...${drives.length - 1}}`;
  const tmp = scratch('tmp', '/tmp');
  return [
    serviceAccount(identity, namespace, name),
    statefulSet({
      identity,
      namespace,
      replicas,
      parallel: true,
      uid: IMAGE_UIDS.minio,
      serviceAccountName: name,
      placement: spreadOnPool(onStoragePool(), identity),
      annotations: scrapeAnnotations(MINIO_S3_PORT, '/minio/v2/metrics/cluster'),
      volumes: [tmp.volume],
      claims: drives.map((drive) => ({
        name: drive,
        storage: driveSize,
        storageClassName: STORAGE_CLASSES.backedUp,
      })),
      containers: [
        {
          name: 'minio',
          image: IMAGES.minio,
          args: [
            'server',
            '--address',
            `:${MINIO_S3_PORT}`,
            '--console-address',
            ':9001',
            '--certs-dir',
            '/tmp/certs',
            peers,
          ],
          env: [
            { name: 'MINIO_ERASURE_SET_DRIVE_COUNT', value: String(MINIO_ERASURE.setDriveCount) },
            { name: 'MINIO_STORAGE_CLASS_STANDARD', value: `EC:${MINIO_ERASURE.parity}` },
            // Cluster metrics without a bearer token: only Prometheus may reach the port (NetworkPolicy).
            { name: 'MINIO_PROMETHEUS_AUTH_TYPE', value: 'public' },
            secretEnv('MINIO_ROOT_USER', SECRETS.minioRoot),
            secretEnv('MINIO_ROOT_PASSWORD', SECRETS.minioRoot),
          ],
          ...httpServing('http-s3', MINIO_S3_PORT, {
            ready: '/minio/health/ready',
            live: '/minio/health/live',
            startupSeconds: 60,
          }),
          resources: resourcesFor(environment.tier, 'minio'),
          volumeMounts: [...drives.map((drive) => ({ name: drive, mountPath: `/${drive}` })), tmp.mount],
        },
      ],
    }),
    service(identity, namespace, { 'http-s3': MINIO_S3_PORT }),
    headlessService(identity, namespace, { 'http-s3': MINIO_S3_PORT }),
    // Erasure coding survives one pod down; a second eviction would cost quorum.
    podDisruptionBudget(identity, namespace, 1),
  ];
}
