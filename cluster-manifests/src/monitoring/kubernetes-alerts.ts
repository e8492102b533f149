import type { ClusterEnvironment } from '../environments.ts';
import { platformIdentities } from '../identities.ts';
import { lakehouseNamespaces } from '../namespaces.ts';
import { HOST_LABEL, type PlatformAlert } from './alert-rule.ts';
import { anyOf, podOwners, withHost, withOwningDeployment } from './promql.ts';
import { SCRAPE_JOBS } from './scrape-jobs.ts';
import type { MonitoringTiming } from './timing.ts';

/**
 * The alerts about the cluster's objects, from kube-state-metrics. Each yields exactly its target's
 * labels (aggregated `by` them, so scrape labels such as `instance` never reach the alert and the
 * target cannot depend on how Prometheus scraped), and pod alerts add HOST_LABEL for inhibition.
 * MinIO's pods are left to the MinIO alerts: deleting one needs the quorum check of
 * restart-minio-pod, which the generic delete-pod does not make.
 */
export function kubernetesAlerts(environment: ClusterEnvironment, timing: MonitoringTiming): PlatformAlert[] {
  const everywhere = anyOf('namespace', lakehouseNamespaces(environment));
  const notMinio = anyOf(
    'namespace',
    lakehouseNamespaces(environment).filter((name) => name !== environment.layout.minio.namespace),
  );
  const kubeStateMetrics = platformIdentities(environment).kubeStateMetrics.instance;
  const { monitoring } = environment.layout;
  return [
    {
      alert: 'PodCrashLooping',
      severity: 'warning',
      target: 'pod',
      // A crash-looping container alternates between a short Running phase and CrashLoopBackOff;
      // the maximum over a window keeps the alert pending through the Running phases. The owning
      // Deployment rides along: the pod makes it lack a replica, and Alertmanager inhibits that
      // alert while this one names its cause (alertmanager.ts).
      expr: withHost(
        withOwningDeployment(
          `max by (namespace, pod) (max_over_time(kube_pod_container_status_waiting_reason{${notMinio}, reason="CrashLoopBackOff"}[${timing.window('5m')}])) >= 1`,
        ),
      ),
      for: timing.pendingFor('10m'),
      summary: 'pod {{ $labels.namespace }}/{{ $labels.pod }} is crash-looping',
    },
    {
      alert: 'DeploymentReplicasUnavailable',
      severity: 'warning',
      target: 'deployment',
      // Longer than a rollout (the workers' Recreate strategy takes them all down for a moment).
      expr: `max by (namespace, deployment) (kube_deployment_spec_replicas{${everywhere}} - kube_deployment_status_replicas_available{${everywhere}}) > 0`,
      for: timing.pendingFor('15m'),
      summary:
        'deployment {{ $labels.namespace }}/{{ $labels.deployment }} lacks {{ $value }} available replica(s)',
    },
    {
      alert: 'ContainerOOMKilled',
      severity: 'warning',
      target: 'workload',
      // The last termination reason stays OOMKilled until the container ends otherwise: only a
      // restart inside the window makes it news. The owner, not the pod, is the target: its
      // template holds the limit (raise-memory-limit), and a new pod would be OOM-killed again.
      expr: [
        'max by (namespace, workload, workload_kind, container) (',
        `  (`,
        `    (kube_pod_container_status_last_terminated_reason{${everywhere}, reason="OOMKilled"} == 1)`,
        `    and on (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${everywhere}}[${timing.window('10m')}]) > 0)`,
        `  )`,
        `  * on (namespace, pod) group_left (workload, workload_kind) ${podOwners(everywhere)}`,
        ')',
      ].join('\n'),
      for: timing.pendingFor('1m'),
      summary:
        'container {{ $labels.container }} of {{ $labels.workload_kind }} {{ $labels.namespace }}/{{ $labels.workload }} was OOM-killed',
    },
    {
      alert: 'PodsUnschedulable',
      severity: 'warning',
      target: 'pod',
      // The pod's scheduling constraints say which node group lacks room (scale-node-group).
      expr: `max by (namespace, pod) (kube_pod_status_scheduled{${everywhere}, condition="false"}) == 1`,
      for: timing.pendingFor('10m'),
      summary: 'pod {{ $labels.namespace }}/{{ $labels.pod }} fits on no node',
    },
    {
      alert: 'NodeNotReady',
      severity: 'critical',
      target: 'node',
      // False or Unknown (the kubelet stopped reporting). HOST_LABEL copies the node so this alert
      // can inhibit its pods' alerts.
      expr: `label_replace(max by (node) (kube_node_status_condition{condition="Ready", status="true"}) == 0, "${HOST_LABEL}", "$1", "node", "(.+)")`,
      for: timing.pendingFor('10m'),
      summary: 'node {{ $labels.node }} is not Ready',
    },
    {
      alert: 'NodeCordoned',
      severity: 'info',
      target: 'node',
      // A drain (cordon-drain-node, or a person) leaves the node cordoned; someone must replace
      // or uncordon it, or the node group runs a node short.
      expr: 'max by (node) (kube_node_spec_unschedulable) == 1',
      for: timing.pendingFor('1h'),
      summary: 'node {{ $labels.node }} stays cordoned',
    },
    {
      alert: 'KubeStateMetricsDown',
      severity: 'warning',
      target: 'deployment',
      // Every rule above reads kube-state-metrics: without it they all go quiet instead of firing.
      expr: `absent(up{job="${SCRAPE_JOBS.kubeStateMetrics}"} == 1)`,
      for: timing.pendingFor('10m'),
      labels: { namespace: monitoring.namespace, deployment: kubeStateMetrics },
      summary: 'kube-state-metrics is not scraped: the Kubernetes alerts cannot fire',
    },
    {
      alert: 'ScrapeTargetDown',
      severity: 'warning',
      target: 'pod',
      expr: `max by (job, namespace, pod) (up{job="${SCRAPE_JOBS.lakehousePods}"}) == 0`,
      for: timing.pendingFor('10m'),
      summary: '{{ $labels.job }} target {{ $labels.namespace }}/{{ $labels.pod }} is down',
    },
    {
      alert: 'KubeletScrapeFailing',
      severity: 'warning',
      target: 'node',
      expr: `max by (job, node) (up{${anyOf('job', [SCRAPE_JOBS.kubelet, SCRAPE_JOBS.kubeletCadvisor])}}) == 0`,
      for: timing.pendingFor('10m'),
      summary: 'the kubelet of node {{ $labels.node }} does not answer {{ $labels.job }} scrapes',
    },
  ];
}
