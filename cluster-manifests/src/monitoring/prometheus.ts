import { stringify } from 'yaml';
import type { ClusterEnvironment } from '../environments.ts';
import { platformIdentities } from '../identities.ts';
import { IMAGE_UIDS, IMAGES } from '../images.ts';
import type { Manifest } from '../manifest.ts';
import { lakehouseNamespaces } from '../namespaces.ts';
import { httpServing } from '../pods.ts';
import { clusterRole, clusterRoleBinding, rule, serviceAccountSubject } from '../rbac-objects.ts';
import { onSystemPool, spreadOnPool } from '../scheduling.ts';
import { resourcesFor } from '../sizing.ts';
import { STORAGE_CLASSES } from '../storage.ts';
import {
  configMap,
  headlessService,
  podDisruptionBudget,
  service,
  serviceAccount,
  statefulSet,
} from '../workloads.ts';
import { ALERTMANAGER_PORT, PROMETHEUS_PORT } from './ports.ts';
import { platformAlertRules } from './rules.ts';
import { SCRAPE_JOBS } from './scrape-jobs.ts';

const SERVICE_ACCOUNT_DIRECTORY = '/var/run/secrets/kubernetes.io/serviceaccount';
export const PROMETHEUS_CONFIG = 'prometheus-config';
export const PROMETHEUS_RULES = 'prometheus-rules';

/** Prometheus scrapes a pod where its prometheus.io/* annotations say (Istio's merged endpoint). */
const annotatedTarget = (): Record<string, unknown>[] => [
  {
    source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'],
    regex: 'true',
    action: 'keep',
  },
  {
    source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'],
    regex: '(.+)',
    target_label: '__metrics_path__',
  },
  {
    source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
    regex: '([^:]+)(?::\\d+)?;(\\d+)',
    replacement: '$1:$2',
    target_label: '__address__',
  },
];

const APP_LABEL = '__meta_kubernetes_pod_label_app_kubernetes_io_name';

/** The kubelets (port 10250 of every node) with the service account's token. */
function kubeletJob(jobName: string, metricsPath: string): Record<string, unknown> {
  return {
    job_name: jobName,
    scheme: 'https',
    metrics_path: metricsPath,
    kubernetes_sd_configs: [{ role: 'node' }],
    authorization: { credentials_file: `${SERVICE_ACCOUNT_DIRECTORY}/token` },
    // EKS kubelets serve self-signed certificates; the bearer token still authenticates us to them.
    tls_config: { ca_file: `${SERVICE_ACCOUNT_DIRECTORY}/ca.crt`, insecure_skip_verify: true },
    relabel_configs: [{ source_labels: ['__meta_kubernetes_node_name'], target_label: 'node' }],
  };
}

/**
 * What Prometheus scrapes: every meshed pod that asks for it (prometheus.io/* annotations, served by
 * Istio's merged endpoint), kube-state-metrics, the kubelets' cAdvisor (container CPU and memory,
 * which right-sizing reads) and volume statistics (the MinIO claims' free space), and itself;
 * alerts go to the Alertmanager pods.
 */
export function prometheusConfig(environment: ClusterEnvironment): Record<string, unknown> {
  const { monitoring } = environment.layout;
  const { alertmanager, kubeStateMetrics } = platformIdentities(environment);
  return {
    global: {
      scrape_interval: '30s',
      evaluation_interval: '30s',
      external_labels: { cluster: environment.clusterName, environment: environment.name },
    },
    alerting: {
      alertmanagers: [
        {
          kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [monitoring.namespace] } }],
          relabel_configs: [
            {
              source_labels: [APP_LABEL, '__meta_kubernetes_pod_container_port_number'],
              regex: `${alertmanager.app};${ALERTMANAGER_PORT}`,
              action: 'keep',
            },
          ],
        },
      ],
    },
    rule_files: ['/etc/prometheus-rules/*.yaml'],
    scrape_configs: [
      { job_name: 'prometheus', static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`] }] },
      {
        job_name: SCRAPE_JOBS.lakehousePods,
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: lakehouseNamespaces(environment) } }],
        relabel_configs: [
          ...annotatedTarget(),
          { source_labels: [APP_LABEL], regex: kubeStateMetrics.app, action: 'drop' },
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          {
            source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'],
            target_label: 'workload',
          },
        ],
      },
      {
        // Its series name other pods and namespaces in their own `namespace` and `pod` labels:
        // they must win (honor_labels), and the job adds no such labels of the exporter's pod, or
        // series without them (nodes) would seem to be about kube-state-metrics' pod.
        job_name: SCRAPE_JOBS.kubeStateMetrics,
        honor_labels: true,
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [monitoring.namespace] } }],
        relabel_configs: [
          { source_labels: [APP_LABEL], regex: kubeStateMetrics.app, action: 'keep' },
          ...annotatedTarget(),
        ],
      },
      kubeletJob(SCRAPE_JOBS.kubeletCadvisor, '/metrics/cadvisor'),
      {
        ...kubeletJob(SCRAPE_JOBS.kubelet, '/metrics'),
        // The kubelet's own metrics are mostly about itself; the alerts need the volume statistics.
        metric_relabel_configs: [
          {
            source_labels: ['__name__'],
            regex: 'kubelet_volume_stats_(available|capacity)_bytes',
            action: 'keep',
          },
        ],
      },
    ],
  };
}

export function prometheus(environment: ClusterEnvironment): Manifest[] {
  const { namespace } = environment.layout.monitoring;
  const identity = platformIdentities(environment).prometheus;
  const { prometheusReplicas: replicas, retention, prometheusStorage } = environment.monitoring;
  const name = identity.instance;
  return [
    serviceAccount(identity, namespace, name),
    // Service discovery of pods and nodes, and the kubelets' metrics endpoints.
    clusterRole(`lakehouse:${name}`, [
      rule('', ['pods', 'nodes'], ['get', 'list', 'watch']),
      rule('', ['nodes/metrics'], ['get']),
    ]),
    clusterRoleBinding(`lakehouse:${name}`, serviceAccountSubject(namespace, name)),
    configMap(identity, PROMETHEUS_CONFIG, namespace, {
      'prometheus.yml': stringify(prometheusConfig(environment)),
    }),
    configMap(identity, PROMETHEUS_RULES, namespace, {
      'lakehouse-platform.yaml': stringify(platformAlertRules(environment)),
    }),
    statefulSet({
      identity,
      namespace,
      replicas,
      uid: IMAGE_UIDS.prometheus,
      serviceAccountName: name,
      mountServiceAccountToken: true,
      placement: spreadOnPool(onSystemPool(), identity),
      // Scrapes go straight to the targets' merged-metrics port and the kubelets, not through the
      // sidecar (which would try to wrap them in mTLS).
      annotations: { 'traffic.sidecar.istio.io/excludeOutboundPorts': '15020,10250' },
      volumes: [
        { name: 'config', configMap: { name: PROMETHEUS_CONFIG } },
        { name: 'rules', configMap: { name: PROMETHEUS_RULES } },
      ],
      claims: [{ name: 'data', storage: prometheusStorage, storageClassName: STORAGE_CLASSES.standard }],
      containers: [
        {
          name: 'prometheus',
          image: IMAGES.prometheus,
          args: [
            '--config.file=/etc/prometheus/prometheus.yml',
            '--storage.tsdb.path=/prometheus',
            `--storage.tsdb.retention.time=${retention}`,
            `--web.listen-address=:${PROMETHEUS_PORT}`,
          ],
          ...httpServing('http-web', PROMETHEUS_PORT, {
            ready: '/-/ready',
            live: '/-/healthy',
            startupSeconds: 60,
          }),
          resources: resourcesFor(environment.tier, 'prometheus'),
          volumeMounts: [
            { name: 'data', mountPath: '/prometheus' },
            { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
            { name: 'rules', mountPath: '/etc/prometheus-rules', readOnly: true },
          ],
        },
      ],
    }),
    service(identity, namespace, { 'http-web': PROMETHEUS_PORT }),
    headlessService(identity, namespace, { 'http-web': PROMETHEUS_PORT }),
    ...(replicas > 1 ? [podDisruptionBudget(identity, namespace)] : []),
  ];
}
