import type { EnvironmentConfigInput } from './environment-config.ts';

/**
 * Development: the smallest copy of the platform. The account is left to CDK_DEFAULT_ACCOUNT (or an
 * account-agnostic template offline); endpoints and names are this project's placeholders: set them
 * to the real cluster's before the first deploy.
 */
export const development = {
  name: 'development',
  region: 'eu-central-1',
  drRegion: 'eu-west-1',
  clusterName: 'lakehouse-development',
  nodes: { minSize: 2, maxSize: 3, instanceTypes: ['t3.medium', 't3.large'] },
  storage: { objectStoreCapacityTiB: 1 },
  backup: { cadence: 'daily', retentionDays: 7, sourceBuckets: ['lakehouse-raw', 'lakehouse-curated'] },
  monitoring: { level: 'basic' },
  notifications: { emails: [] },
  minio: {
    endpoint: 'https://minio.development.lakehouse.example.com',
    credentialsSecretName: 'lakehouse/development/minio-credentials',
  },
  schedules: {
    validatePlatform: { expression: 'cron(0 0/6 * * ? *)', timeZone: 'UTC' },
    backup: { expression: 'cron(0 2 * * ? *)', timeZone: 'UTC' },
    // One verify-backup execution per backup.sourceBuckets entry, an hour after the 02:00 backup.
    verifyBackup: { expression: 'cron(0 3 * * ? *)', timeZone: 'UTC' },
  },
  logRetentionDays: 14,
} satisfies EnvironmentConfigInput;
