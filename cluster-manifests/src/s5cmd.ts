import type { V1CronJob, V1EnvFromSource, V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { ClusterEnvironment } from './environments.ts';
import { SECRETS } from './external-secrets.ts';
import { platformIdentities } from './identities.ts';
import { IMAGE_UIDS, IMAGES } from './images.ts';
import { type Manifest, manifest } from './manifest.ts';
import { objectMeta } from './metadata.ts';
import { minioEndpoint } from './minio.ts';
import { objectStoreConfigMap, objectStoreEnvFrom } from './object-store.ts';
import { podTemplate, scratch } from './pods.ts';
import { onComputePool } from './scheduling.ts';
import { resourcesFor } from './sizing.ts';
import { serviceAccount } from './workloads.ts';

/** Job pods get Istio's sidecar as a native sidecar, which ends with the Job instead of keeping it running. */
export const NATIVE_SIDECAR_ANNOTATION = { 'sidecar.istio.io/nativeSidecar': 'true' } as const;
/** February 31st: the template never fires even if someone resumes it by mistake. */
const NEVER = '0 0 31 2 *';
const CREDENTIALS_PATH = '/etc/s5cmd';

/**
 * The s5cmd executor: transfer Jobs (backup copies, the performance test) are created from this
 * suspended CronJob's jobTemplate, with their own arguments, as the executor's service account
 * (S3 through EKS Pod Identity; MinIO through the `minio` profile of the mounted credentials file).
 * validate-platform checks that it exists, stays suspended and pins its image.
 */
export function s5cmdExecutor(environment: ClusterEnvironment): Manifest[] {
  const { namespace, serviceAccount: account, jobTemplateCronJob } = environment.layout.s5cmd;
  const identity = platformIdentities(environment).s5cmd;
  const tmp = scratch('tmp', '/tmp', '10Gi');
  const store = objectStoreAccess(environment);
  const template = podTemplate({
    identity,
    uid: IMAGE_UIDS.s5cmd,
    serviceAccountName: account,
    restartPolicy: 'Never',
    placement: onComputePool(),
    annotations: { ...NATIVE_SIDECAR_ANNOTATION },
    volumes: [tmp.volume, ...store.volumes],
    containers: [
      {
        name: 's5cmd',
        image: IMAGES.s5cmd,
        // Replaced by each Job's own command (e.g. `--profile minio --endpoint-url … cp …`).
        args: ['version'],
        env: [{ name: 'AWS_REGION', value: environment.region }, ...store.env],
        ...(store.envFrom ? { envFrom: store.envFrom } : {}),
        resources: resourcesFor(environment.tier, 's5cmd'),
        terminationMessagePolicy: 'FallbackToLogsOnError',
        volumeMounts: [tmp.mount, ...store.mounts],
      },
    ],
  });
  return [
    ...(environment.objectStore ? [objectStoreConfigMap(environment.objectStore, identity, namespace)] : []),
    serviceAccount(identity, namespace, account),
    manifest<V1CronJob>({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: objectMeta(identity, jobTemplateCronJob, namespace),
      spec: {
        suspend: true,
        schedule: NEVER,
        concurrencyPolicy: 'Forbid',
        jobTemplate: {
          metadata: { labels: template.metadata?.labels ?? {} },
          spec: {
            backoffLimit: 2,
            // A transfer that has not finished in 6 hours is stuck; the backup workflow's own timeout is 6 h.
            activeDeadlineSeconds: 6 * 3600,
            ttlSecondsAfterFinished: 24 * 3600,
            template,
          },
        },
      },
    }),
  ];
}

/**
 * How the executor reaches the object store: MinIO's in-cluster endpoint and a `minio` credentials
 * profile mounted from its Secret; or, without MinIO, the replica bucket's endpoint and mapping from
 * the `object-store` ConfigMap, with the executor's Pod Identity as the default credentials.
 */
function objectStoreAccess(environment: ClusterEnvironment): {
  env: V1EnvVar[];
  envFrom?: V1EnvFromSource[];
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
} {
  if (environment.objectStore) return { env: [], envFrom: [objectStoreEnvFrom()], volumes: [], mounts: [] };
  return {
    env: [
      { name: 'AWS_SHARED_CREDENTIALS_FILE', value: `${CREDENTIALS_PATH}/credentials` },
      { name: 'MINIO_ENDPOINT_URL', value: minioEndpoint(environment) },
    ],
    volumes: [{ name: 'minio-credentials', secret: { secretName: SECRETS.s5cmdMinio, defaultMode: 0o440 } }],
    mounts: [{ name: 'minio-credentials', mountPath: CREDENTIALS_PATH, readOnly: true }],
  };
}
