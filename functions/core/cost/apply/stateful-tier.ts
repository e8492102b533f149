import type { PlatformLayout } from '../../platform/layout.ts';
import type { WorkloadRef } from '../recommendation.ts';

/**
 * The stateful tier: MinIO, PostgreSQL and the Prefect server. Resizing any of them restarts the
 * lakehouse's state or its control plane, so right-sizing them waits for a person in every
 * environment. MinIO and the Prefect server are named by the platform layout; PostgreSQL runs as
 * a StatefulSet beside the Prefect server (cluster-manifests requires it in the Prefect
 * namespace, under the name backup.postgres.host gives), so every StatefulSet of the Prefect
 * namespace counts: the workers there are Deployments.
 */
export function statefulTierMember(
  workload: Pick<WorkloadRef, 'namespace' | 'kind' | 'name'>,
  layout: PlatformLayout,
): string | undefined {
  const { namespace, kind, name } = workload;
  if (kind === 'StatefulSet' && namespace === layout.minio.namespace && name === layout.minio.statefulSet) {
    return 'MinIO';
  }
  if (
    kind === 'Deployment' &&
    namespace === layout.prefect.namespace &&
    name === layout.prefect.serverDeployment
  ) {
    return 'the Prefect server';
  }
  if (kind === 'StatefulSet' && namespace === layout.prefect.namespace) return 'PostgreSQL';
  return undefined;
}
