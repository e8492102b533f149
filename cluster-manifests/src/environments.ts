import { NEVER_ASLEEP_ENVIRONMENTS } from '../../functions/core/cost/off-hours/preflight.ts';
import { offHoursSettingsSchema, resolveScope } from '../../functions/core/cost/off-hours/settings.ts';
import { defaultPlatformLayout, type PlatformLayout } from '../../functions/core/platform/layout.ts';
import type { EnvironmentConfig, EnvironmentName } from '../../infra/config/environment-config.ts';
import { ENVIRONMENT_NAMES } from '../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../infra/config/load-config.ts';
import type { DrImageRegistry } from './image-registry.ts';
import type { ReplicaObjectStore } from './object-store.ts';
import { type MonitoringProfile, monitoringProfile, type SizeTier, TIER_OF } from './sizing.ts';

/**
 * What the manifests of one environment are generated from: infra/config/<environment>.ts (names,
 * region, capacity, monitoring level, backup settings) and the platform layout that
 * validate-platform and the backup Jobs look for.
 */
export interface ClusterEnvironment {
  readonly name: EnvironmentName;
  readonly region: string;
  readonly clusterName: string;
  readonly layout: PlatformLayout;
  readonly tier: SizeTier;
  readonly monitoring: MonitoringProfile;
  /** Usable MinIO capacity the erasure-coded drives must add up to. */
  readonly objectStoreCapacityTiB: number;
  readonly backup: EnvironmentConfig['backup'];
  /** Secrets Manager secret with the lakehouse's MinIO S3 credentials ({accessKeyId, secretAccessKey}). */
  readonly minioCredentialsSecretName: string;
  /** Where off-hours scales workloads (its settings' scope); none where the environment never sleeps. */
  readonly offHoursNamespaces: readonly string[];
  /** The object store when it is not the cluster's MinIO (the DR cluster: dr-environment.ts). */
  readonly objectStore?: ReplicaObjectStore;
  /**
   * Where the Prefect database comes from: `created` (unset) by PostgreSQL's first start, or
   * `restored` from a dump by a restore Job, which only ever creates a database that is not there.
   */
  readonly prefectDatabase?: 'created' | 'restored';
  /** The private registry the cluster pulls every image from (the DR cluster: dr-environment.ts); upstream when unset. */
  readonly imageRegistry?: DrImageRegistry;
}

function offHoursNamespaces(config: EnvironmentConfig, layout: PlatformLayout): readonly string[] {
  if ((NEVER_ASLEEP_ENVIRONMENTS as readonly string[]).includes(config.name)) return [];
  return resolveScope(config.offHours ?? offHoursSettingsSchema.parse({}), layout).namespaces;
}

export { ENVIRONMENT_NAMES };

export function clusterEnvironment(config: EnvironmentConfig): ClusterEnvironment {
  if (!config.region) {
    throw new Error(
      `infra/config/${config.name}.ts has no region: the manifests need one (External Secrets and Grafana's CloudWatch data source read AWS in it)`,
    );
  }
  const layout = config.platformLayout ?? defaultPlatformLayout;
  return {
    name: config.name,
    region: config.region,
    clusterName: config.clusterName,
    layout,
    tier: TIER_OF[config.name],
    monitoring: monitoringProfile(config.monitoring.level),
    objectStoreCapacityTiB: config.storage.objectStoreCapacityTiB,
    backup: config.backup,
    minioCredentialsSecretName: config.minio.credentialsSecretName,
    offHoursNamespaces: offHoursNamespaces(config, layout),
  };
}

export function loadClusterEnvironment(name: string): ClusterEnvironment {
  return clusterEnvironment(loadEnvironmentConfig(name));
}

export { platformSecretName } from './secret-names.ts';
