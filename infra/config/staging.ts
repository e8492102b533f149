import type { EnvironmentConfigInput } from './environment-config.ts';

/** Staging: production's shape at a tenth of its size. Placeholders as in development.ts. */
export const staging = {
  name: 'staging',
  region: 'eu-central-1',
  drRegion: 'eu-west-1',
  clusterName: 'lakehouse-staging',
  nodes: { minSize: 3, maxSize: 5, instanceTypes: ['m5.large', 'm5.xlarge'] },
  storage: { objectStoreCapacityTiB: 10 },
  backup: { cadence: 'daily', retentionDays: 14 },
  monitoring: { level: 'enhanced' },
  notifications: { emails: [] },
  minio: {
    endpoint: 'https://minio.staging.lakehouse.example.com',
    credentialsSecretName: 'lakehouse/staging/minio-credentials',
  },
  schedules: { validatePlatform: { expression: 'cron(0 * * * ? *)', timeZone: 'UTC' } },
  logRetentionDays: 30,
} satisfies EnvironmentConfigInput;
