import type { Construct } from 'constructs';
import { clusterEnvironment } from '../../cluster-manifests/src/environments.ts';
import { FLOW_RUN_SERVICE_ACCOUNT } from '../../cluster-manifests/src/prefect.ts';
import { replicaPrefix } from '../../functions/core/dr/replication/replica-layout.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { replicaBucketName } from './backup-naming.ts';
import type { WorkloadIdentity } from './cluster-pod-identity.ts';
import {
  backupKeyStatement,
  bucketArn,
  externalSecretsIdentity,
  grafanaIdentity,
  pgDumpIdentity,
  prefixStatements,
} from './lakehouse-workload-identities.ts';

/**
 * The DR cluster's workloads that call AWS (docs/dr.md, "Bringing up the DR side"). Its object
 * store is the replica bucket, so the data workloads (flow runs, s5cmd Jobs) read and write it,
 * each MinIO bucket under its own prefix, with their Pod Identity instead of MinIO keys; the
 * restore Job reads the dumps; External Secrets reads the platform secrets replicated to drRegion
 * (no MinIO credentials: the DR side runs no MinIO). Names by construction (backup-naming.ts),
 * so the stack needs no reference to the BackupStack.
 */
const REPLICA_OBJECT_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
];

export function drWorkloadIdentities(scope: Construct, config: EnvironmentConfig): WorkloadIdentity[] {
  const { layout } = clusterEnvironment(config);
  const replica = bucketArn(scope, replicaBucketName(config));
  const prefixes = config.backup.sourceBuckets.map(replicaPrefix);
  // The replica is encrypted with the backup key.
  const replicaAccess = [
    ...prefixStatements(replica, prefixes, REPLICA_OBJECT_ACTIONS),
    backupKeyStatement(scope, config),
  ];
  const wildcardReason =
    "Objects below the replicated MinIO buckets' prefixes of the one replica bucket (keys are the workloads' own); the backup key is selected by alias and used only through S3";
  const dataWorkload = (id: string, namespace: string, serviceAccount: string, purpose: string) => ({
    id,
    namespace,
    serviceAccount,
    purpose,
    statements: replicaAccess,
    wildcardReason,
  });
  return [
    pgDumpIdentity(scope, config),
    dataWorkload(
      'FlowRun',
      layout.prefect.namespace,
      FLOW_RUN_SERVICE_ACCOUNT,
      'Prefect flow runs after a failover: read and write the replica bucket, their object store',
    ),
    dataWorkload(
      'S5cmdExecutor',
      layout.s5cmd.namespace,
      layout.s5cmd.serviceAccount,
      's5cmd transfer Jobs after a failover: read and write the replica bucket, their object store',
    ),
    externalSecretsIdentity(scope, config),
    grafanaIdentity(config),
  ];
}
