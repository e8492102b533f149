import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { secretsManagerClient } from '../../../commons/aws-clients.ts';
import { dynamoDbClient } from '../../../commons/backup-clients.ts';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { kubernetesApiFor } from '../../../commons/kubernetes-client.ts';
import { getMinioClient } from '../../../commons/minio-client.ts';
import { parseBucketList } from '../../backup-workflow/request.ts';
import { type PlatformLayout, parsePlatformLayout } from '../../platform/layout.ts';
import { measureReplicationLag } from '../replication/lag.ts';
import { s3BucketPolicies } from './bucket-policy.ts';
import type { FenceDependencies } from './fence.ts';
import { prefectControl } from './prefect-control.ts';
import { DEFAULT_PROBE_TIMEOUT_MS } from './reachability.ts';
import { defaultWriterNamespaces } from './writers-step.ts';

/** fence-primary's and lift-fence's validated environment (functions/commons/environment.ts). */
export interface FenceVariables {
  readonly OPS_TABLE_NAME: string;
  readonly PLATFORM_LAYOUT?: string;
  readonly PREFECT_API_URL: string;
  readonly BACKUP_SOURCE_BUCKETS: string;
  readonly FENCE_PROBE_TIMEOUT_MS?: number;
  readonly FENCE_WRITER_NAMESPACES?: string;
}

export interface FenceClients {
  readonly dynamoDb: DynamoDBClient;
  /** The primary cluster's API with the normal deadline, and with the probe's short one. */
  readonly kubernetes: KubernetesApi;
  readonly kubernetesProbe: KubernetesApi;
  /** Built on first use: reading MinIO's credentials needs the primary region to answer too. */
  readonly minio: () => Promise<S3Client>;
  readonly clock?: () => Date;
}

export function fenceDependencies(env: FenceVariables, clients: FenceClients): FenceDependencies {
  const side = sideDependencies({ ...env, prefectApiUrl: env.PREFECT_API_URL }, clients);
  const buckets = parseBucketList(env.BACKUP_SOURCE_BUCKETS);
  const { table } = side.prefect;
  return {
    ...side,
    buckets: {
      policies: s3BucketPolicies(clients.minio, env.FENCE_PROBE_TIMEOUT_MS ?? DEFAULT_PROBE_TIMEOUT_MS),
      table,
      buckets,
      measureLag: () => measureReplicationLag(table, buckets),
    },
  };
}

/** The Prefect and writers steps of one side: its Prefect API and its cluster's writer namespaces. */
function sideDependencies(
  env: Omit<FenceVariables, 'PREFECT_API_URL' | 'BACKUP_SOURCE_BUCKETS'> & { prefectApiUrl: string },
  clients: Omit<FenceClients, 'minio'>,
): Pick<FenceDependencies, 'prefect' | 'writers'> {
  const table = {
    dynamoDb: clients.dynamoDb,
    tableName: env.OPS_TABLE_NAME,
    ...(clients.clock ? { clock: clients.clock } : {}),
  };
  const layout = parsePlatformLayout(env.PLATFORM_LAYOUT);
  const probeTimeoutMs = env.FENCE_PROBE_TIMEOUT_MS ?? DEFAULT_PROBE_TIMEOUT_MS;
  const { namespace, serverDeployment } = layout.prefect;
  return {
    prefect: { prefect: prefectControl({ baseUrl: env.prefectApiUrl, probeTimeoutMs }), table },
    writers: {
      kubernetes: clients.kubernetes,
      // A read the writers step needs anyway (it lists Deployments there), so no extra permission.
      probe: () =>
        clients.kubernetesProbe.get(kubernetesResources.deployments.named(namespace, serverDeployment)),
      table,
      layout,
      namespaces: writerNamespaces(env.FENCE_WRITER_NAMESPACES, layout),
      ...(clients.clock ? { clock: clients.clock } : {}),
    },
  };
}

function writerNamespaces(variable: string | undefined, layout: PlatformLayout): string[] {
  if (!variable) return defaultWriterNamespaces(layout);
  return [
    ...new Set(
      variable
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * The DR side's fence (dr-failback, side `dr`): its Prefect paused and its writers scaled to zero.
 * No buckets step: the replica bucket must keep taking replication's writes once MinIO is the
 * primary again, and the DR workloads that write to it are the writers scaled down here.
 */
export const DR_FENCE_STEPS = ['prefect', 'writers'] as const;
export type DrFenceStep = (typeof DR_FENCE_STEPS)[number];

export interface DrFenceVariables {
  readonly OPS_TABLE_NAME: string;
  readonly PLATFORM_LAYOUT?: string;
  readonly DR_PREFECT_API_URL: string;
  readonly FENCE_PROBE_TIMEOUT_MS?: number;
  readonly FENCE_WRITER_NAMESPACES?: string;
}

export function drFenceDependencies(
  env: DrFenceVariables,
  clients: Omit<FenceClients, 'minio'>,
): Pick<FenceDependencies, DrFenceStep> {
  return sideDependencies({ ...env, prefectApiUrl: env.DR_PREFECT_API_URL }, clients);
}

/** The primary's clients as fence-primary and lift-fence build them from their environment. */
export function primaryFenceClients(env: {
  readonly CLUSTER_NAME: string;
  readonly MINIO_ENDPOINT: string;
  readonly MINIO_CREDENTIALS_SECRET_ID: string;
  readonly FENCE_PROBE_TIMEOUT_MS?: number;
}): FenceClients {
  return {
    dynamoDb: dynamoDbClient(),
    kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
    kubernetesProbe: kubernetesApiFor(env.CLUSTER_NAME, {
      timeoutMs: env.FENCE_PROBE_TIMEOUT_MS ?? DEFAULT_PROBE_TIMEOUT_MS,
    }),
    minio: () =>
      getMinioClient({
        endpoint: env.MINIO_ENDPOINT,
        credentialsSecretId: env.MINIO_CREDENTIALS_SECRET_ID,
        secretsManager: secretsManagerClient(),
      }),
  };
}
