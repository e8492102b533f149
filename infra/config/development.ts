import { drTrafficRecords } from './dr-config.ts';
import type { EnvironmentConfigInput } from './environment-config.ts';
import { PLATFORM_ROUTES, playbookPolicies } from './remediation-config.ts';

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
  cluster: {
    kubernetesVersion: '1.35',
    vpcCidr: '10.40.0.0/16',
    availabilityZones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
    // One NAT gateway: a zone outage may cut development's egress, which is acceptable here.
    natGateways: 1,
    nodeGroups: {
      system: { instanceTypes: ['m6i.large', 'm5.large'], minSize: 3, maxSize: 4 },
      storage: { instanceTypes: ['i4i.large', 'i3.large'], minSize: 4, maxSize: 5 },
      compute: {
        instanceTypes: ['m6i.large', 'm6a.large', 'm5.large', 'm5a.large', 'm5n.large', 'm7i.large'],
        minSize: 1,
        maxSize: 4,
        diskSizeGiB: 100,
      },
    },
  },
  storage: { objectStoreCapacityTiB: 1 },
  backup: { cadence: 'daily', retentionDays: 7, sourceBuckets: ['lakehouse-raw', 'lakehouse-curated'] },
  monitoring: { level: 'basic' },
  notifications: { emails: [] },
  minio: {
    endpoint: 'https://minio.development.lakehouse.example.com',
    credentialsSecretName: 'lakehouse/development/minio-credentials',
  },
  // validate-platform {"performance": true}: the smallest cluster's bar, met by the local drill too.
  performance: {
    prefectApiUrl: 'https://prefect.development.lakehouse.example.com/api',
    s5cmdTransferMiB: 64,
    s5cmdMinMiBPerSecond: 20,
    prefectApiRequests: 20,
    prefectApiP95Ms: 500,
    flowRunBurst: { count: 10, maxSeconds: 120 },
  },
  schedules: {
    validatePlatform: { expression: 'cron(0 0/6 * * ? *)', timeZone: 'UTC' },
    backup: { expression: 'cron(0 2 * * ? *)', timeZone: 'UTC' },
    // One verify-backup execution per backup.sourceBuckets entry, an hour after the 02:00 backup.
    verifyBackup: { expression: 'cron(0 3 * * ? *)', timeZone: 'UTC' },
  },
  // Development: every playbook acts at once, at any time (the window covers the whole week).
  remediation: {
    alertmanagerUrl: 'https://alertmanager.development.lakehouse.example.com',
    prometheusUrl: 'https://prometheus.development.lakehouse.example.com',
    routes: PLATFORM_ROUTES,
    playbooks: playbookPolicies('automatic'),
    changeWindows: [
      {
        days: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
        start: '00:00',
        end: '00:00',
        timeZone: 'UTC',
      },
    ],
  },
  // Off-hours (runbooks/off-hours.md): asleep 20:00-07:00 Berlin time and at weekends.
  offHours: {
    enabled: true,
    schedule: { timeZone: 'Europe/Berlin', sleepAt: '20:00', wakeAt: '07:00' },
  },
  // Right-sizing applies by itself here (the stateful tier still waits for approval).
  cost: { apply: { mode: 'on', requireApproval: false } },
  dr: {
    // The standby cluster's VPC in drRegion: a block of its own (the primary's is 10.40.0.0/16).
    network: {
      vpcCidr: '10.50.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    },
    prefectApiUrl: 'https://prefect.development.dr.lakehouse.example.com/api',
    // Placeholders like the URLs above: the platform's hosted zone and its records in each region.
    traffic: drTrafficRecords('Z00000000000000DEV', 'development.lakehouse.example.com'),
  },
  logRetentionDays: 14,
} satisfies EnvironmentConfigInput;
