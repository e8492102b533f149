import type { EnvironmentConfigInput } from './environment-config.ts';

/**
 * Production: general-purpose m5 nodes, c5n for s5cmd transfer throughput and i3 (local NVMe) for
 * MinIO. The object store starts at 100 TiB and grows. Placeholders as in development.ts; add the
 * on-call address under notifications.emails (each one must confirm the SNS subscription).
 */
export const production = {
  name: 'production',
  region: 'eu-central-1',
  drRegion: 'eu-west-1',
  clusterName: 'lakehouse-production',
  nodes: { minSize: 5, maxSize: 10, instanceTypes: ['m5.xlarge', 'c5n.2xlarge', 'i3.xlarge'] },
  storage: { objectStoreCapacityTiB: 100 },
  backup: { cadence: 'hourly', retentionDays: 30, sourceBuckets: ['lakehouse-raw', 'lakehouse-curated'] },
  monitoring: { level: 'comprehensive' },
  notifications: { emails: [] },
  minio: {
    endpoint: 'https://minio.production.lakehouse.example.com',
    credentialsSecretName: 'lakehouse/production/minio-credentials',
  },
  schedules: {
    validatePlatform: { expression: 'cron(0/15 * * * ? *)', timeZone: 'UTC' },
    backup: { expression: 'cron(30 * * * ? *)', timeZone: 'UTC' },
    // One verify-backup execution per backup.sourceBuckets entry, half an hour after each hourly backup (started at :30).
    verifyBackup: { expression: 'cron(0 * * * ? *)', timeZone: 'UTC' },
  },
  logRetentionDays: 365,
} satisfies EnvironmentConfigInput;
