import type { ClusterEnvironment } from './environments.ts';
import type { DrImageRegistry } from './image-registry.ts';
import { regionalS3Endpoint } from './object-store.ts';

/**
 * The standby cluster in the DR region, as the failover brings the lakehouse up on it. Free of
 * infra/config (like secret-names.ts), so the failover Lambdas can bundle it.
 */
export interface DrSite {
  readonly clusterName: string;
  readonly region: string;
  /** The versioned replica of every MinIO bucket (infra/stacks/backup-naming.ts replicaBucketName). */
  readonly replicaBucket: string;
  /** The replica bucket's S3 endpoint; the region's S3 when unset (locally the DR S3 endpoint). */
  readonly objectStoreEndpoint?: string;
  /**
   * The DR region's ECR with its pull-through cache rules, which every image of the DR manifests is
   * pulled from. Unset, the manifests keep the upstream references (locally: kube-sim pulls nothing).
   */
  readonly imageRegistry?: DrImageRegistry;
}

/**
 * The same lakehouse for the DR cluster: the primary's environment (sizes, names, backup settings)
 * with the DR cluster and region, the replica bucket as object store in place of MinIO, and a
 * Prefect database that comes from the newest dump rather than from an empty first start. The
 * replica holds the MinIO buckets the backup covers: those are the ones replication copies.
 */
export function drClusterEnvironment(primary: ClusterEnvironment, site: DrSite): ClusterEnvironment {
  if (site.region === primary.region) {
    throw new Error(
      `the DR site's region ${site.region} is the primary's: the DR cluster must run in drRegion`,
    );
  }
  return {
    ...primary,
    clusterName: site.clusterName,
    region: site.region,
    objectStore: {
      endpoint: site.objectStoreEndpoint ?? regionalS3Endpoint(site.region),
      region: site.region,
      bucket: site.replicaBucket,
      buckets: primary.backup.sourceBuckets,
    },
    prefectDatabase: 'restored',
    ...(site.imageRegistry ? { imageRegistry: site.imageRegistry } : {}),
  };
}
