import { bundleFiles, type ManifestFile } from './bundle.ts';
import type { ClusterEnvironment } from './environments.ts';
import { SECRETS } from './external-secrets.ts';
import { pulledFrom } from './image-registry.ts';
import type { Manifest } from './manifest.ts';
import { monitoringStack } from './monitoring/index.ts';
import { objectStoreConfigMap } from './object-store.ts';
import { postgresql } from './postgresql.ts';
import { FLOW_RUN_SERVICE_ACCOUNT, pgDumpServiceAccount, prefect } from './prefect.ts';
import { DR_CLUSTER_FUNCTION_GROUPS } from './rbac-dr.ts';
import { s5cmdExecutor } from './s5cmd.ts';

/**
 * The lakehouse on the DR cluster (drClusterEnvironment): no MinIO (the replica bucket is the
 * object store, reached with Pod Identity, so neither MinIO's namespace nor its credentials
 * secrets), and PostgreSQL in a file before Prefect's: the failover restores the Prefect database
 * between the two, so the Prefect server first connects to the restored database, never to an
 * empty one it would initialise (after which the restore would refuse the existing database).
 * With the DR site's image registry, every image comes from the DR region's ECR (image-registry.ts).
 */
export const DR_DATABASE_FILE = '50-postgresql.yaml';
export const DR_PREFECT_FILE = '55-prefect.yaml';

const MINIO_CREDENTIAL_SECRETS: readonly string[] = [SECRETS.prefectMinio, SECRETS.s5cmdMinio];

export function drEnvironmentManifests(environment: ClusterEnvironment): ManifestFile[] {
  const store = environment.objectStore;
  if (!store || environment.prefectDatabase !== 'restored') {
    throw new Error(
      `drEnvironmentManifests needs a DR environment (drClusterEnvironment): ${environment.name} has ${store ? '' : 'no objectStore and '}prefectDatabase ${environment.prefectDatabase ?? 'created'}`,
    );
  }
  const minioNamespace = environment.layout.minio.namespace;
  const prefectNamespace = environment.layout.prefect.namespace;
  const flowRuns = { app: 'prefect', component: 'flow-run', instance: FLOW_RUN_SERVICE_ACCOUNT };
  const withoutMinio = (document: Manifest) =>
    !(document.kind === 'Namespace' && document.metadata.name === minioNamespace) &&
    document.metadata.namespace !== minioNamespace &&
    !(document.kind === 'ExternalSecret' && MINIO_CREDENTIAL_SECRETS.includes(document.metadata.name));
  const files = bundleFiles(
    environment,
    [
      [DR_DATABASE_FILE, [...postgresql(environment), pgDumpServiceAccount(environment)]],
      [DR_PREFECT_FILE, [objectStoreConfigMap(store, flowRuns, prefectNamespace), ...prefect(environment)]],
      ['70-s5cmd.yaml', s5cmdExecutor(environment)],
      ['80-monitoring.yaml', monitoringStack(environment)],
    ],
    withoutMinio,
    // The DR functions' groups, not the primary's (rbac-dr.ts says why).
    DR_CLUSTER_FUNCTION_GROUPS,
  );
  const registry = environment.imageRegistry;
  if (!registry) return files;
  return files.map((file) => ({
    ...file,
    documents: file.documents.map((doc) => pulledFrom(doc, registry)),
  }));
}
