import { drTrafficRecords } from './dr-config.ts';
import type { EnvironmentConfigInput } from './environment-config.ts';
import { DISRUPTIVE_PLAYBOOKS, PLATFORM_ROUTES, playbookPolicies } from './remediation-config.ts';

/** Staging: production's shape at a tenth of its size. Placeholders as in development.ts. */
export const staging = {
  name: 'staging',
  region: 'eu-central-1',
  drRegion: 'eu-west-1',
  clusterName: 'lakehouse-staging',
  cluster: {
    kubernetesVersion: '1.35',
    vpcCidr: '10.41.0.0/16',
    availabilityZones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
    natGateways: 1,
    nodeGroups: {
      system: { instanceTypes: ['m6i.xlarge', 'm5.xlarge'], minSize: 3, maxSize: 5 },
      storage: { instanceTypes: ['i4i.xlarge', 'i3.xlarge'], minSize: 4, maxSize: 6 },
      compute: {
        instanceTypes: ['m6i.xlarge', 'm6a.xlarge', 'm5.xlarge', 'm5a.xlarge', 'm5n.xlarge', 'm7i.xlarge'],
        minSize: 2,
        maxSize: 8,
        diskSizeGiB: 100,
      },
    },
  },
  storage: { objectStoreCapacityTiB: 10 },
  backup: { cadence: 'daily', retentionDays: 14, sourceBuckets: ['lakehouse-raw', 'lakehouse-curated'] },
  monitoring: { level: 'enhanced' },
  notifications: { emails: [] },
  minio: {
    endpoint: 'https://minio.staging.lakehouse.example.com',
    credentialsSecretName: 'lakehouse/staging/minio-credentials',
  },
  performance: {
    prefectApiUrl: 'https://prefect.staging.lakehouse.example.com/api',
    s5cmdTransferMiB: 256,
    s5cmdMinMiBPerSecond: 100,
    prefectApiRequests: 40,
    prefectApiP95Ms: 300,
    flowRunBurst: { count: 25, maxSeconds: 180 },
  },
  schedules: {
    validatePlatform: { expression: 'cron(0 * * * ? *)', timeZone: 'UTC' },
    backup: { expression: 'cron(0 2 * * ? *)', timeZone: 'UTC' },
    // One verify-backup execution per backup.sourceBuckets entry, an hour after the 02:00 backup.
    verifyBackup: { expression: 'cron(0 3 * * ? *)', timeZone: 'UTC' },
  },
  // Staging: disruptive playbooks wait for an operator and act only in office hours.
  remediation: {
    alertmanagerUrl: 'https://alertmanager.staging.lakehouse.example.com',
    prometheusUrl: 'https://prometheus.staging.lakehouse.example.com',
    routes: PLATFORM_ROUTES,
    playbooks: playbookPolicies(
      'automatic',
      Object.fromEntries(DISRUPTIVE_PLAYBOOKS.map((name) => [name, { tier: 'approve-first' as const }])),
    ),
    changeWindows: [
      { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '07:00', end: '19:00', timeZone: 'UTC' },
    ],
  },
  // Off-hours (runbooks/off-hours.md): asleep 20:00-07:00 Berlin time and at weekends.
  offHours: {
    enabled: true,
    schedule: { timeZone: 'Europe/Berlin', sleepAt: '20:00', wakeAt: '07:00' },
  },
  // Right-sizing applies by itself here (the stateful tier still waits for approval).
  cost: { apply: { mode: 'on', requireApproval: false } },
  // The monthly DR drill fails staging over to the DR region and back (docs/dr.md).
  dr: {
    // The standby cluster's VPC in drRegion: a block of its own (the primary's is 10.41.0.0/16).
    network: {
      vpcCidr: '10.51.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    },
    prefectApiUrl: 'https://prefect.staging.dr.lakehouse.example.com/api',
    // Placeholders like the URLs above: the platform's hosted zone and its records in each region.
    traffic: drTrafficRecords('Z0000000000000STAGE', 'staging.lakehouse.example.com'),
    drill: { enabled: true },
  },
  logRetentionDays: 30,
} satisfies EnvironmentConfigInput;
