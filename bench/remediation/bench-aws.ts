/** Names and credentials the bench's backends and ingress processes share. */
export const BENCH_AWS = {
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' },
  opsTable: 'lakehouse-ops-bench-ops',
  alertBus: 'lakehouse-ops-bench-alerts',
  secretId: 'lakehouse/bench/alertmanager-webhook',
  token: 'bench-token-5e0c',
} as const;
