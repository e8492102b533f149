import type { V1EnvFromSource } from '@kubernetes/client-node';
import { replicaPrefix } from '../../functions/core/dr/replication/replica-layout.ts';
import type { Manifest } from './manifest.ts';
import type { AppIdentity } from './metadata.ts';
import { configMap } from './workloads.ts';

/**
 * The object store of an environment that runs without MinIO: the DR cluster after a failover
 * reads and writes the DR region's replica bucket directly, every MinIO bucket under
 * `<minio-bucket>/` (docs/dr.md, "Replica layout"), with the workloads' own Pod Identity instead
 * of MinIO keys. Absent from a ClusterEnvironment, the object store is the cluster's MinIO.
 */
export interface ReplicaObjectStore {
  /** The S3 API endpoint (the DR region's S3; locally the DR S3 endpoint). */
  readonly endpoint: string;
  readonly region: string;
  /** The replica bucket. */
  readonly bucket: string;
  /** The MinIO buckets it holds, each under its own prefix. */
  readonly buckets: readonly string[];
}

/**
 * One ConfigMap per namespace whose pods touch lakehouse data, consumed whole with `envFrom`: the
 * s5cmd template gets it in the manifests, and flow-run pods, which Prefect's worker creates from
 * the work pool's base job template (in Prefect's database, not in these manifests), can name the
 * same ConfigMap there. Keys are environment variable names for that reason.
 */
export const OBJECT_STORE_CONFIG_MAP = 'object-store';

/** What the ConfigMap holds: endpoint, region, how credentials come, and bucket -> S3 URL prefix. */
export function objectStoreVariables(store: ReplicaObjectStore): Record<string, string> {
  const bucketMap = Object.fromEntries(
    store.buckets.map((bucket) => [bucket, `s3://${store.bucket}/${replicaPrefix(bucket)}`]),
  );
  return {
    OBJECT_STORE_ENDPOINT_URL: store.endpoint,
    OBJECT_STORE_REGION: store.region,
    OBJECT_STORE_CREDENTIALS: 'pod-identity',
    OBJECT_STORE_BUCKET_MAP: JSON.stringify(bucketMap),
  };
}

export function objectStoreConfigMap(
  store: ReplicaObjectStore,
  identity: AppIdentity,
  namespace: string,
): Manifest {
  return configMap(identity, OBJECT_STORE_CONFIG_MAP, namespace, objectStoreVariables(store));
}

export function objectStoreEnvFrom(): V1EnvFromSource {
  return { configMapRef: { name: OBJECT_STORE_CONFIG_MAP } };
}

/** The regional S3 API endpoint AWS documents for a region (no other host works for every bucket there). */
export function regionalS3Endpoint(region: string): string {
  return `https://s3.${region}.amazonaws.com`;
}
