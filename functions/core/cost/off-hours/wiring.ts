import { eksClient } from '../../../commons/aws-clients.ts';
import { dynamoDbClient } from '../../../commons/backup-clients.ts';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesApiFor } from '../../../commons/kubernetes-client.ts';
import { type PlatformLayout, parsePlatformLayout } from '../../platform/layout.ts';
import { eksNodeGroupControl, type NodeGroupControl } from './node-groups.ts';
import { type OffHoursScope, parseOffHoursSettings, resolveScope } from './settings.ts';
import type { SnapshotTable } from './snapshot-store.ts';

/**
 * The clients and settings the off-hours handlers share, built from their validated environment
 * (the handlers stay one call each; nothing here reads process.env).
 */
export interface ClusterVariables {
  readonly CLUSTER_NAME: string;
  readonly PLATFORM_LAYOUT?: string;
  readonly OFF_HOURS_SETTINGS?: string;
}

export interface OffHoursCluster {
  readonly kubernetes: KubernetesApi;
  readonly nodeGroups: NodeGroupControl;
  readonly layout: PlatformLayout;
  readonly scope: OffHoursScope;
}

export function offHoursCluster(env: ClusterVariables): OffHoursCluster {
  const layout = parsePlatformLayout(env.PLATFORM_LAYOUT);
  return {
    kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
    nodeGroups: eksNodeGroupControl({ eks: eksClient(), clusterName: env.CLUSTER_NAME }),
    layout,
    scope: resolveScope(parseOffHoursSettings(env.OFF_HOURS_SETTINGS), layout),
  };
}

export function opsTable(env: { readonly OPS_TABLE_NAME: string }): SnapshotTable {
  return { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME };
}
