import type { ClusterEnvironment } from '../environments.ts';
import { lakehouseNamespaces } from '../namespaces.ts';

/**
 * The platform's baseline alerts. Each names the workload in its labels (namespace and workload),
 * which is what the remediation workflow (issue 4) routes on; its playbook-specific rules join
 * this file's group list.
 */
export function platformAlertRules(environment: ClusterEnvironment): Record<string, unknown> {
  const { prefect, minio } = environment.layout;
  const namespaces = lakehouseNamespaces(environment).join('|');
  return {
    groups: [
      {
        name: 'lakehouse-platform',
        rules: [
          {
            alert: 'ScrapeTargetDown',
            expr: 'up == 0',
            for: '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: '{{ $labels.job }} target {{ $labels.instance }} has been down for 10 minutes',
            },
          },
          {
            alert: 'PodCrashLooping',
            expr: `increase(kube_pod_container_status_restarts_total{namespace=~"${namespaces}"}[15m]) > 3`,
            for: '5m',
            labels: { severity: 'warning' },
            annotations: {
              summary:
                'pod {{ $labels.namespace }}/{{ $labels.pod }} restarted more than 3 times in 15 minutes',
            },
          },
          {
            alert: 'PrefectServerDegraded',
            expr: `kube_deployment_status_replicas_available{namespace="${prefect.namespace}",deployment="${prefect.serverDeployment}"} < ${prefect.serverReplicas}`,
            for: '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'the Prefect server runs with fewer than {{ printf "%.0f" $value }} of its replicas',
            },
          },
          {
            alert: 'MinioNodeOffline',
            expr: 'max(minio_cluster_nodes_offline_total) > 0',
            for: '5m',
            labels: { severity: 'critical', namespace: minio.namespace, workload: minio.statefulSet },
            annotations: {
              summary: '{{ $value }} MinIO node(s) offline: one more and the erasure sets lose quorum',
            },
          },
          {
            alert: 'MinioDriveOffline',
            expr: 'max(minio_cluster_drive_offline_total) > 0',
            for: '5m',
            labels: { severity: 'critical', namespace: minio.namespace, workload: minio.statefulSet },
            annotations: { summary: '{{ $value }} MinIO drive(s) offline' },
          },
          {
            alert: 'MinioCapacityLow',
            expr: 'max(minio_cluster_capacity_usable_free_bytes) / max(minio_cluster_capacity_usable_total_bytes) < 0.15',
            for: '30m',
            labels: { severity: 'warning', namespace: minio.namespace, workload: minio.statefulSet },
            annotations: { summary: 'MinIO has less than 15% of its usable capacity free' },
          },
        ],
      },
    ],
  };
}
