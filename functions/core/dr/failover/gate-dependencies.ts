import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { KubernetesConnectionProvider } from '../../../commons/kubernetes-client.ts';
import { parseBucketList } from '../../backup-workflow/request.ts';
import { nodeGroupSpecsFrom } from '../../provision/settings.ts';
import { measureReplicationLag } from '../replication/lag.ts';
import { requiredImages } from './gates/image-references.ts';
import type { FailoverGateDependencies } from './gates/run-gates.ts';
import {
  DEFAULT_RPO_SECONDS,
  DEFAULT_VERIFY_BACKUP_MAX_AGE_HOURS,
  neededPoolsFrom,
  repositoryPrefixesFrom,
} from './settings.ts';

/** The gates' configuration as check-failover-gates' environment holds it (functions/commons/environment.ts). */
export interface FailoverGateVariables {
  OPS_TABLE_NAME: string;
  BACKUP_SOURCE_BUCKETS: string;
  DR_CLUSTER_NAME: string;
  PROVISION_NODE_GROUPS: string;
  DR_RPO_SECONDS?: number;
  DR_VERIFY_BACKUP_MAX_AGE_HOURS?: number;
  DR_NODE_GROUP_SIZES?: string;
  DR_IMAGE_REPOSITORY_PREFIXES?: string;
  DR_ECR_REGISTRY_ID?: string;
}

/** The clients the gates use: the ops table, and EKS, ECR and Kubernetes of the DR region. */
export interface FailoverGateClients {
  dynamoDb: DynamoDBClient;
  drEks: EKSClient;
  drEcr: ECRClient;
  drConnections: KubernetesConnectionProvider;
  clock?: () => Date;
}

/** Settings errors (a malformed JSON variable) throw here, before any gate runs: they are not verdicts. */
export function failoverGateDependencies(
  env: FailoverGateVariables,
  { dynamoDb, drEks, drEcr, drConnections, clock }: FailoverGateClients,
): FailoverGateDependencies {
  const table = { dynamoDb, tableName: env.OPS_TABLE_NAME, ...(clock ? { clock } : {}) };
  const sourceBuckets = parseBucketList(env.BACKUP_SOURCE_BUCKETS);
  return {
    replicationLag: {
      measureLag: () => measureReplicationLag(table, sourceBuckets),
      rpoSeconds: env.DR_RPO_SECONDS ?? DEFAULT_RPO_SECONDS,
    },
    lastVerifyBackup: {
      table,
      sourceBuckets,
      maxAgeHours: env.DR_VERIFY_BACKUP_MAX_AGE_HOURS ?? DEFAULT_VERIFY_BACKUP_MAX_AGE_HOURS,
      ...(clock ? { clock } : {}),
    },
    drCluster: { eks: drEks, clusterName: env.DR_CLUSTER_NAME, connections: drConnections },
    drNodeGroups: {
      eks: drEks,
      clusterName: env.DR_CLUSTER_NAME,
      pools: neededPoolsFrom(nodeGroupSpecsFrom(env.PROVISION_NODE_GROUPS), env.DR_NODE_GROUP_SIZES),
    },
    images: {
      ecr: drEcr,
      images: requiredImages(),
      prefixes: repositoryPrefixesFrom(env.DR_IMAGE_REPOSITORY_PREFIXES),
      ...(env.DR_ECR_REGISTRY_ID ? { registryId: env.DR_ECR_REGISTRY_ID } : {}),
    },
  };
}
