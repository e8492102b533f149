import type { EnvironmentConfigInput } from './environment-config.ts';

/** Staging: production's shape at a tenth of its size. Placeholders as in development.ts. */
export const staging = {
  name: 'staging',
  region: 'eu-central-1',
  drRegion: 'eu-west-1',
  clusterName: 'lakehouse-staging',
  nodes: { minSize: 3, maxSize: 5, instanceTypes: ['m5.large', 'm5.xlarge'] },
  storage: { objectStoreCapacityTiB: 10 },
  backup: { cadence: 'daily', retentionDays: 14, sourceBuckets: ['lakehouse-raw', 'lakehouse-curated'] },
  monitoring: { level: 'enhanced' },
  notifications: { emails: [] },
  minio: {
    endpoint: 'https://minio.staging.lakehouse.example.com',
    credentialsSecretName: 'lakehouse/staging/minio-credentials',
  },
  schedules: {
    validatePlatform: { expression: 'cron(0 * * * ? *)', timeZone: 'UTC' },
    backup: { expression: 'cron(0 2 * * ? *)', timeZone: 'UTC' },
    // One verify-backup execution per backup.sourceBuckets entry, an hour after the 02:00 backup.
    verifyBackup: { expression: 'cron(0 3 * * ? *)', timeZone: 'UTC' },
  },
  logRetentionDays: 30,
} satisfies EnvironmentConfigInput;
