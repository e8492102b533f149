import type { ClusterEnvironment } from '../environments.ts';
import type { PlatformAlert } from './alert-rule.ts';
import { withHost } from './promql.ts';
import type { MonitoringTiming } from './timing.ts';

/**
 * The object store's alerts. Per pod and per claim from kube-state-metrics and the kubelets'
 * volume statistics (restart-minio-pod, expand-minio-pvc act on them); cluster-wide from MinIO's
 * own cluster metrics (`/minio/v2/metrics/cluster`, public on every MinIO pod), which name the
 * StatefulSet as their target because no single pod or drive is to blame.
 */
export function minioAlerts(environment: ClusterEnvironment, timing: MonitoringTiming): PlatformAlert[] {
  const { namespace, statefulSet } = environment.layout.minio;
  const statefulSetTarget = { namespace, workload: statefulSet, workload_kind: 'StatefulSet' };
  return [
    {
      alert: 'MinioPodNotReady',
      severity: 'warning',
      target: 'pod',
      // One pod down costs each erasure set at most its parity (README, "MinIO EC:4+2"): the data
      // is still served, so this is a warning, but the next pod down loses quorum.
      expr: withHost(
        `max by (namespace, pod) (kube_pod_status_ready{namespace="${namespace}", pod=~"${statefulSet}-[0-9]+", condition="true"}) == 0`,
      ),
      for: timing.pendingFor('5m'),
      summary: 'MinIO pod {{ $labels.namespace }}/{{ $labels.pod }} is not Ready',
    },
    {
      alert: 'MinioVolumeFilling',
      severity: 'warning',
      target: 'persistentvolumeclaim',
      // MinIO spreads objects evenly over its drives, so the claims fill together; 20% leaves
      // time for an EBS resize (one per volume every 6 hours).
      expr: `max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_available_bytes{namespace="${namespace}"} / kubelet_volume_stats_capacity_bytes{namespace="${namespace}"}) < 0.2`,
      for: timing.pendingFor('15m'),
      summary:
        'claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has {{ $value | humanizePercentage }} free',
    },
    {
      alert: 'MinioNodeOffline',
      severity: 'critical',
      target: 'workload',
      expr: 'max(minio_cluster_nodes_offline_total) > 0',
      for: timing.pendingFor('5m'),
      labels: statefulSetTarget,
      summary: '{{ $value }} MinIO node(s) offline: one more and the erasure sets lose quorum',
    },
    {
      alert: 'MinioDriveOffline',
      severity: 'critical',
      target: 'workload',
      expr: 'max(minio_cluster_drive_offline_total) > 0',
      for: timing.pendingFor('5m'),
      labels: statefulSetTarget,
      summary: '{{ $value }} MinIO drive(s) offline',
    },
    {
      alert: 'MinioCapacityLow',
      severity: 'warning',
      target: 'workload',
      expr: 'max(minio_cluster_capacity_usable_free_bytes) / max(minio_cluster_capacity_usable_total_bytes) < 0.15',
      for: timing.pendingFor('30m'),
      labels: statefulSetTarget,
      summary: 'MinIO has less than 15% of its usable capacity free',
    },
  ];
}
