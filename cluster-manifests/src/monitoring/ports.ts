/** The monitoring stack's ports, shared by its workloads and the NetworkPolicies that admit them. */
export const PROMETHEUS_PORT = 9090;
export const ALERTMANAGER_PORT = 9093;
/** Alertmanager's gossip between replicas (TCP and UDP). */
export const ALERTMANAGER_CLUSTER_PORT = 9094;
export const GRAFANA_PORT = 3000;
export const KUBE_STATE_METRICS_PORT = 8080;
export const KUBE_STATE_METRICS_TELEMETRY_PORT = 8081;
