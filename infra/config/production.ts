import { drTrafficRecords } from './dr-config.ts';
import type { EnvironmentConfigInput } from './environment-config.ts';
import { DISRUPTIVE_PLAYBOOKS, PLATFORM_ROUTES, playbookPolicies } from './remediation-config.ts';

/**
 * Production: general-purpose system nodes, storage-optimised i4i/i3en for MinIO and PostgreSQL,
 * eight network-heavy spot types for the compute pool. The object store starts at 100 TiB and grows. Placeholders as in development.ts; add the
 * on-call address under notifications.emails (each one must confirm the SNS subscription).
 */
export const production = {
  name: 'production',
  region: 'eu-central-1',
  drRegion: 'eu-west-1',
  clusterName: 'lakehouse-production',
  cluster: {
    kubernetesVersion: '1.35',
    vpcCidr: '10.42.0.0/16',
    availabilityZones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
    // One NAT gateway per zone: losing a zone must not cut the other zones' egress.
    natGateways: 3,
    nodeGroups: {
      system: { instanceTypes: ['m6i.2xlarge', 'm5.2xlarge'], minSize: 3, maxSize: 6 },
      storage: { instanceTypes: ['i4i.2xlarge', 'i3en.2xlarge'], minSize: 4, maxSize: 8 },
      // Network-optimised n variants first: s5cmd transfers are bound by network throughput.
      compute: {
        instanceTypes: [
          'm6in.2xlarge',
          'm5n.2xlarge',
          'm6i.2xlarge',
          'm6a.2xlarge',
          'm5.2xlarge',
          'm5a.2xlarge',
          'm7i.2xlarge',
          'm7a.2xlarge',
        ],
        minSize: 3,
        maxSize: 20,
        diskSizeGiB: 100,
      },
    },
  },
  storage: { objectStoreCapacityTiB: 100 },
  backup: { cadence: 'hourly', retentionDays: 30, sourceBuckets: ['lakehouse-raw', 'lakehouse-curated'] },
  monitoring: { level: 'comprehensive' },
  notifications: { emails: [] },
  minio: {
    endpoint: 'https://minio.production.lakehouse.example.com',
    credentialsSecretName: 'lakehouse/production/minio-credentials',
  },
  // The bar production must keep: a backup window of several TiB needs s5cmd at these rates.
  performance: {
    prefectApiUrl: 'https://prefect.production.lakehouse.example.com/api',
    s5cmdTransferMiB: 1024,
    s5cmdMinMiBPerSecond: 200,
    prefectApiRequests: 50,
    prefectApiP95Ms: 200,
    flowRunBurst: { count: 50, maxSeconds: 300 },
  },
  schedules: {
    validatePlatform: { expression: 'cron(0/15 * * * ? *)', timeZone: 'UTC' },
    backup: { expression: 'cron(30 * * * ? *)', timeZone: 'UTC' },
    // One verify-backup execution per backup.sourceBuckets entry, half an hour after each hourly backup (started at :30).
    verifyBackup: { expression: 'cron(0 * * * ? *)', timeZone: 'UTC' },
  },
  // Production: disruptive playbooks wait for an operator and act only in the weekday window;
  // restarting a MinIO pod runs in shadow mode first (it records what it would do).
  remediation: {
    alertmanagerUrl: 'https://alertmanager.production.lakehouse.example.com',
    prometheusUrl: 'https://prometheus.production.lakehouse.example.com',
    routes: PLATFORM_ROUTES,
    playbooks: playbookPolicies('automatic', {
      ...Object.fromEntries(DISRUPTIVE_PLAYBOOKS.map((name) => [name, { tier: 'approve-first' as const }])),
      'restart-minio-pod': { tier: 'approve-first', mode: 'dry-run' },
    }),
    changeWindows: [
      { days: ['Mon', 'Tue', 'Wed', 'Thu'], start: '09:00', end: '16:00', timeZone: 'Europe/Berlin' },
    ],
    rateLimits: { globalPerHour: 20, perPlaybookPerHour: 6, perTargetPerHour: 2 },
  },
  // Right-sizing shows its patches and waits for approval until the team trusts it.
  cost: { apply: { mode: 'dry-run', requireApproval: true } },
  // Backups run hourly and are verified after each: a verdict older than 6 hours means trouble.
  dr: {
    // The standby cluster's VPC in drRegion: a block of its own (the primary's is 10.42.0.0/16).
    network: {
      vpcCidr: '10.52.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      // The DR side is production after a failover: a zone outage there must not cut its egress.
      natGateways: 3,
    },
    prefectApiUrl: 'https://prefect.production.dr.lakehouse.example.com/api',
    // Placeholders like the URLs above: the platform's hosted zone and its records in each region.
    traffic: drTrafficRecords('Z00000000000000PROD', 'production.lakehouse.example.com'),
    verifyBackupMaxAgeHours: 6,
  },
  logRetentionDays: 365,
} satisfies EnvironmentConfigInput;
