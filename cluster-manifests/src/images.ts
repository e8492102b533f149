/**
 * Every image the lakehouse runs, pinned to a release tag (never `latest`, never a bare name): an
 * upgrade is a reviewed change of this file and a regenerated folder. PostgreSQL stays on the major
 * version of the pg-tools image (functions/core/postgres/image.ts, postgres 15): pg_dump cannot dump
 * a server newer than itself.
 */
export const IMAGES = {
  prefect: 'prefecthq/prefect:3.1.15-python3.12',
  postgresql: 'postgres:15.8-bookworm',
  minio: 'quay.io/minio/minio:RELEASE.2025-01-20T14-49-07Z',
  s5cmd: 'peakcom/s5cmd:v2.3.0',
  prometheus: 'quay.io/prometheus/prometheus:v2.55.1',
  alertmanager: 'quay.io/prometheus/alertmanager:v0.27.0',
  grafana: 'grafana/grafana:11.4.0',
  kubeStateMetrics: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0',
} as const;

/** The images' own non-root users, which the pods run as. */
export const IMAGE_UIDS = {
  prefect: 1001,
  postgresql: 999,
  minio: 1000,
  s5cmd: 65532,
  prometheus: 65534,
  alertmanager: 65534,
  grafana: 472,
  kubeStateMetrics: 65534,
} as const satisfies Record<keyof typeof IMAGES, number>;
