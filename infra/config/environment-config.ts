import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { defaultPlatformLayout, platformLayoutSchema } from '../../functions/core/platform/layout.ts';
import { clusterConfigSchema } from './cluster-config.ts';
import { costConfigSchema, unpricedPools } from './cost-config.ts';
import { drConfigProblems, drConfigSchema, drNetworkProblems } from './dr-config.ts';
import { offHoursConfigProblems, offHoursConfigSchema } from './off-hours-config.ts';
import { performanceConfigSchema } from './performance-config.ts';
import { remediationConfigSchema } from './remediation-config.ts';
import { storageTieringConfigProblems, storageTieringConfigSchema } from './storage-tiering-config.ts';

/**
 * One schema for every environment's settings. The three environment files are typed against its
 * input and parsed by it at synth, so a typo fails `cdk synth` with the field's path instead of
 * deploying a half-configured stack.
 */
export const ENVIRONMENT_NAMES = ['development', 'staging', 'production'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: 'expected an AWS region code such as "eu-central-1"' });

// CloudWatch Logs accepts only these retention periods; anything else is rejected at deploy time.
const allowedRetentionDays = Object.values(RetentionDays).filter((value) => typeof value === 'number');
const logRetentionDays = z
  .number()
  .int()
  .refine((days) => allowedRetentionDays.includes(days), {
    message: `expected a CloudWatch Logs retention period: one of ${allowedRetentionDays.join(', ')}`,
  });

const scheduleExpression = z.string().regex(/^(rate|cron|at)\(.+\)$/, {
  message: 'expected an EventBridge Scheduler expression: rate(...), cron(...) or at(...)',
});

const ianaTimeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as "UTC" or "Europe/Berlin"' },
);

const workflowScheduleSchema = z.object({
  expression: scheduleExpression,
  timeZone: ianaTimeZone,
  /** Off switch for maintenance windows without deleting the schedule. */
  enabled: z.boolean().default(true),
});

const s3BucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
  message: 'expected an S3 bucket name (3-63 of a-z, 0-9, ".", "-")',
});
const kubernetesName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
  message: 'expected a Kubernetes name (a-z, 0-9, "-")',
});

/**
 * Backups (docs/backup.md). `cadence` is both the backup workflow's rhythm and the AWS Backup
 * plan's for the EBS volumes: AWS Backup's "continuous" backup exists for RDS, Aurora, S3 and SAP
 * HANA but not for EBS, so production takes hourly snapshots instead.
 */
const backupConfigSchema = z.object({
  cadence: z.enum(['daily', 'hourly']),
  /** How long manifests, their data and the volume recovery points are kept. */
  retentionDays: z.number().int().positive(),
  /** The MinIO buckets a scheduled run backs up (the workflow input may name others). */
  sourceBuckets: z.array(s3BucketName).min(1),
  /** Namespaces whose EBS-backed PersistentVolumeClaims AWS Backup snapshots (MinIO, PostgreSQL). */
  volumeNamespaces: z.array(kubernetesName).min(1).default(['minio', 'prefect']),
  copy: z
    .object({
      batchSize: z.number().int().positive().default(1000),
      batchBytes: z
        .number()
        .int()
        .positive()
        .default(2 * 1024 ** 3),
      /**
       * Objects copied at once inside one batch's Lambda: the copy core's default (bench/backup
       * measured that more in flight only queues in the servers).
       */
      objectConcurrency: z.number().int().positive().default(4),
      multipartThresholdBytes: z
        .number()
        .int()
        .min(5 * 1024 ** 2)
        .default(64 * 1024 ** 2),
      /** Batches (Lambdas) per bucket at once: bounds the load on MinIO and the Lambda concurrency. */
      maxConcurrentBatches: z.number().int().positive().max(10_000).default(50),
      toleratedFailurePercentage: z.number().min(0).max(100).default(5),
    })
    .prefault({}),
  postgres: z
    .object({
      namespace: kubernetesName.default('prefect'),
      host: z.string().min(1).default('prefect-postgresql.prefect.svc'),
      user: z.string().min(1).default('postgres'),
      database: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/)
        .default('prefect'),
      /** `<Kubernetes Secret>/<key>` holding the user's password. */
      passwordSecret: z
        .string()
        .regex(/^[^/]+\/[^/]+$/, { message: 'expected "<secret name>/<key>"' })
        .default('prefect-postgresql/postgres-password'),
      /** The dump Job's service account, bound to a role that may write postgres/ in the backup bucket. */
      serviceAccountName: kubernetesName.default('lakehouse-ops-pg-dump'),
    })
    .prefault({}),
});

export const environmentConfigSchema = z
  .object({
    name: z.enum(ENVIRONMENT_NAMES),
    /**
     * Target account. Leave it out to take CDK_DEFAULT_ACCOUNT, or, offline without credentials,
     * to synthesize an account-agnostic template (ARNs use the AWS::AccountId pseudo parameter).
     */
    account: z
      .string()
      .regex(/^\d{12}$/, { message: 'expected a 12-digit AWS account id' })
      .optional(),
    /** Primary region: the cluster (cluster.availabilityZones) and the ops backend are built in it. */
    region: awsRegion,
    /** The disaster-recovery region that dr-failover moves the platform to. */
    drRegion: awsRegion,
    /** The EKS cluster that runs the lakehouse (the seed platform's cluster). */
    clusterName: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, {
      message: 'expected an EKS cluster name: letters, digits, "-" and "_", at most 100 characters',
    }),
    /** The EKS cluster's network, version, endpoint access and node groups (ClusterStack). */
    cluster: clusterConfigSchema,
    storage: z.object({ objectStoreCapacityTiB: z.number().positive() }),
    backup: backupConfigSchema,
    monitoring: z.object({ level: z.enum(['basic', 'enhanced', 'comprehensive']) }),
    notifications: z.object({ emails: z.array(z.email()).default([]) }).prefault({}),
    minio: z.object({
      /** The S3 API endpoint of the platform's MinIO, reachable from the Lambda functions. */
      endpoint: z.url({ protocol: /^https?$/ }),
      /** Secrets Manager secret (name, not ARN) holding {"accessKeyId", "secretAccessKey"}. */
      credentialsSecretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, {
        message: 'expected a Secrets Manager secret name',
      }),
    }),
    schedules: z.object({
      validatePlatform: workflowScheduleSchema,
      backup: workflowScheduleSchema,
      /**
       * verify-backup proves one bucket's newest complete run per execution, so this expression
       * starts one execution per `backup.sourceBuckets` entry (one schedule each). Set it after the
       * backup's: a verification that starts while a backup runs proves the previous run.
       */
      verifyBackup: workflowScheduleSchema,
      /** cost-optimise (right-sizing): weekly, Monday 05:00 UTC unless told otherwise. */
      costOptimise: workflowScheduleSchema.prefault({ expression: 'cron(0 5 ? * MON *)', timeZone: 'UTC' }),
    }),
    /** Where the lakehouse's components live, when they differ from the defaults in layout.ts. */
    platformLayout: z.optional(platformLayoutSchema),
    /** validate-platform's performance mode: workloads and thresholds (performance-config.ts). */
    performance: performanceConfigSchema,
    /** Alert-driven remediation: routes, tiers, windows, limits (remediation-config.ts). */
    remediation: remediationConfigSchema,
    /** Lifecycle tiers of the MinIO data buckets and the DR backup bucket (storage-tiering-config.ts). */
    storageTiering: storageTieringConfigSchema,
    /**
     * Off-hours scale-down (functions/core/cost/off-hours): the schedule and what sleeps. Absent:
     * no schedules (the workflow still runs by hand with the defaults). Never enabled in production.
     */
    offHours: z.optional(offHoursConfigSchema),
    /** Right-sizing: prices, formula settings, apply mode, approval and watch (cost-config.ts). */
    cost: costConfigSchema,
    /** Disaster recovery: RPO and RTO, replication, the drill (dr-config.ts). */
    dr: drConfigSchema,
    logRetentionDays,
  })
  .refine((config) => config.region !== config.drRegion, {
    message: 'drRegion must differ from region',
    path: ['drRegion'],
  })
  .superRefine((config, context) => {
    for (const message of unpricedPools(config.cost, config.cluster.nodeGroups)) {
      context.addIssue({ code: 'custom', path: ['cost', 'instancePrices'], message });
    }
    for (const message of drConfigProblems(config.name, config.dr)) {
      context.addIssue({ code: 'custom', path: ['dr'], message });
    }
    for (const { path, message } of drNetworkProblems(config)) {
      context.addIssue({ code: 'custom', path: ['dr', 'network', path], message });
    }
    for (const message of offHoursConfigProblems(config.name, config.offHours)) {
      context.addIssue({ code: 'custom', path: ['offHours'], message });
    }
    for (const message of storageTieringConfigProblems(config.storageTiering, config.backup.sourceBuckets)) {
      context.addIssue({ code: 'custom', path: ['storageTiering', 'minio'], message });
    }
    const zonesElsewhere = config.cluster.availabilityZones.filter(
      (zone) => zone.slice(0, -1) !== config.region,
    );
    if (zonesElsewhere.length > 0) {
      context.addIssue({
        code: 'custom',
        path: ['cluster', 'availabilityZones'],
        message: `expected zones of region ${config.region}; not in it: ${zonesElsewhere.join(', ')}`,
      });
    }
    // One replica per node (cluster-manifests/src/scheduling.ts): fewer nodes leave replicas Pending.
    const layout = config.platformLayout ?? defaultPlatformLayout;
    const perNodeReplicas = [
      ['system', layout.prefect.serverReplicas, 'the Prefect server (platformLayout.prefect.serverReplicas)'],
      ['storage', layout.minio.replicas, 'MinIO (platformLayout.minio.replicas)'],
    ] as const;
    for (const [pool, replicas, workload] of perNodeReplicas) {
      if (config.cluster.nodeGroups[pool].minSize < replicas) {
        context.addIssue({
          code: 'custom',
          path: ['cluster', 'nodeGroups', pool, 'minSize'],
          message: `expected at least ${replicas}: ${workload} runs ${replicas} replicas, one per node`,
        });
      }
    }
  });

export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;
