/** Prometheus' scrape jobs (prometheus.ts), by name: the alert rules read their `up`. */
export const SCRAPE_JOBS = {
  lakehousePods: 'lakehouse-pods',
  kubeStateMetrics: 'kube-state-metrics',
  kubelet: 'kubelet',
  kubeletCadvisor: 'kubelet-cadvisor',
} as const;
