import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { platformLayoutSchema } from '../../functions/core/platform/layout.ts';

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

const ec2InstanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: 'expected an EC2 instance type such as "m5.xlarge"' });

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

const nodeAutoscalingSchema = z
  .object({
    minSize: z.number().int().positive(),
    maxSize: z.number().int().positive(),
    instanceTypes: z.array(ec2InstanceType).min(1),
  })
  .refine((nodes) => nodes.minSize <= nodes.maxSize, {
    message: 'minSize must not exceed maxSize',
    path: ['minSize'],
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
    /** Primary region. Leave it out to take CDK_DEFAULT_REGION (or stay region-agnostic). */
    region: awsRegion.optional(),
    /** The disaster-recovery region that dr-failover moves the platform to. */
    drRegion: awsRegion,
    /** The EKS cluster that runs the lakehouse (the seed platform's cluster). */
    clusterName: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, {
      message: 'expected an EKS cluster name: letters, digits, "-" and "_", at most 100 characters',
    }),
    nodes: nodeAutoscalingSchema,
    storage: z.object({ objectStoreCapacityTiB: z.number().positive() }),
    backup: z.object({
      cadence: z.enum(['daily', 'continuous']),
      retentionDays: z.number().int().positive(),
    }),
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
    schedules: z.object({ validatePlatform: workflowScheduleSchema }),
    /** Where the lakehouse's components live, when they differ from the defaults in layout.ts. */
    platformLayout: z.optional(platformLayoutSchema),
    logRetentionDays,
  })
  .refine((config) => config.region === undefined || config.region !== config.drRegion, {
    message: 'drRegion must differ from region',
    path: ['drRegion'],
  });

export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;
