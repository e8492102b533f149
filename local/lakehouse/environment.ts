import type { PlatformLayout } from '../../functions/core/platform/layout.ts';

/**
 * The environment variables the handlers run with against the local lakehouse: the AWS SDK reaches
 * the simulators through AWS_ENDPOINT_URL_<SERVICE> (S3 is the DR-region S3 endpoint: the AWS S3 the
 * backups go to; MinIO is reached through MINIO_ENDPOINT), and the platform variables name the
 * local cluster, secret, topic, table, backup bucket and vault. Credentials are fixed fakes: nothing here talks to AWS, and
 * the EKS token the handlers presign only has to be well-formed.
 */
export interface LocalEndpoints {
  readonly kubernetes: string;
  readonly awsSim: string;
  readonly dynamodb: string;
  readonly minio: string;
  readonly drS3: string;
}

export interface LocalPlatformNames {
  readonly region: string;
  /** The DR region, where the backup bucket lives (the "DR S3" endpoint). */
  readonly drRegion: string;
  readonly clusterName: string;
  readonly environmentName: string;
  readonly minioCredentialsSecretId: string;
  readonly notificationTopicArn: string;
  readonly opsTableName: string;
  readonly layout: PlatformLayout;
  readonly backup: LocalBackupNames;
  readonly replication: LocalReplicationNames;
}

/** Continuous replication's local names (docs/dr.md): the replica bucket and the webhook secret. */
export interface LocalReplicationNames {
  /** The replica bucket on the DR S3 endpoint, apart from the backup bucket. */
  readonly replicaBucketName: string;
  /** `{ url, token }`: where MinIO's webhook posts and its auth_token, seeded in aws-sim. */
  readonly webhookSecretId: string;
}

export function localReplicationNames(environmentName: string): LocalReplicationNames {
  return {
    replicaBucketName: `lakehouse-ops-${environmentName}-replica`,
    webhookSecretId: `lakehouse-ops/${environmentName}/replication-webhook`,
  };
}

/** What the backup workflow's handlers back up and where to (docs/backup.md). */
export interface LocalBackupNames {
  /** The backup bucket on the DR S3 endpoint. */
  readonly bucketName: string;
  /** The seeded MinIO buckets the workflow backs up by default. */
  readonly sourceBuckets: readonly string[];
  /** AWS Backup vault (seeded in aws-sim) and the role the jobs run as. */
  readonly vaultName: string;
  readonly roleArn: string;
}

export interface HandlerLogging {
  /** Powertools log level; SILENT keeps the drill's output to its own report. */
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** When false, Powertools Metrics writes its EMF documents to stdout as in Lambda. */
  readonly metricsDisabled: boolean;
}

/** A MinIO webhook target ARN, as `mc admin config set <alias> notify_webhook:lakehouse` names it. */
export const LOCAL_NOTIFICATION_TARGET = 'arn:minio:sqs::lakehouse:webhook';

export const LOCAL_CREDENTIALS = {
  accessKeyId: 'AKIALOCALLAKEHOUSE00',
  secretAccessKey: 'local-lakehouse-not-a-secret',
};

/** Where alerts come in locally: the bus the ingress publishes to and the webhook's secret. */
export interface LocalAlertNames {
  readonly eventBusName: string;
  /** `{ url, token }`, seeded in aws-sim, named as the deployed one (docs/remediation.md). */
  readonly webhookSecretId: string;
}

export function localAlertNames(environmentName: string): LocalAlertNames {
  return {
    eventBusName: `lakehouse-ops-${environmentName}-alerts`,
    webhookSecretId: `lakehouse/${environmentName}/alertmanager-webhook`,
  };
}

/** The alert ingress's variables (its endpoints are in localHandlerEnvironment). */
export function localAlertEnvironment(names: LocalAlertNames): Record<string, string> {
  return { ALERT_EVENT_BUS_NAME: names.eventBusName, ALERT_WEBHOOK_SECRET_ID: names.webhookSecretId };
}

/** The secret with the HMAC key of the approval links (`{ "key": "<base64>" }`), seeded in aws-sim. */
export function localApprovalSigningSecretId(environmentName: string): string {
  return `lakehouse/${environmentName}/approval-signing-key`;
}

/** Where the DR side answers locally (local/lakehouse/dr-side.ts). */
export interface LocalDrNames {
  readonly drRegion: string;
  readonly drClusterName: string;
  /** DR_TRAFFIC: the local hosted zone's records (dr-side.ts drTrafficSettings). */
  readonly traffic: unknown;
  /** The DR Prefect's API root, the address the prefect-api record's DR target serves. */
  readonly prefectApiUrl: string;
  /** The DR region's S3, which DR workloads use as their object store after a failover. */
  readonly objectStoreEndpoint: string;
}

/**
 * The DR functions' variables, overriding the synthesized environment's (its standby cluster, zone
 * and DR Prefect are the deployed ones, not the local lakehouse's).
 */
export function localDrEnvironment(names: LocalDrNames): Record<string, string> {
  return {
    DR_REGION: names.drRegion,
    DR_CLUSTER_NAME: names.drClusterName,
    DR_TRAFFIC: JSON.stringify(names.traffic),
    DR_PREFECT_API_URL: names.prefectApiUrl,
    DR_OBJECT_STORE_ENDPOINT: names.objectStoreEndpoint,
  };
}

export function localHandlerEnvironment(
  endpoints: LocalEndpoints,
  names: LocalPlatformNames,
  logging: HandlerLogging,
): Record<string, string> {
  return {
    AWS_REGION: names.region,
    AWS_DEFAULT_REGION: names.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_EKS: endpoints.awsSim,
    AWS_ENDPOINT_URL_SNS: endpoints.awsSim,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.awsSim,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_BACKUP: endpoints.awsSim,
    // SendTaskSuccess/Failure of the approvals; executions themselves run in the local runner.
    AWS_ENDPOINT_URL_SFN: endpoints.awsSim,
    // PutEvents of the alert ingress; the remediation loop dispatches what lands on the bus.
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.awsSim,
    // The traffic switch of dr-failover / dr-failback (functions/core/dr/traffic).
    AWS_ENDPOINT_URL_ROUTE_53: endpoints.awsSim,
    // The images gate of dr-failover (DescribeImages in the DR region's registry).
    AWS_ENDPOINT_URL_ECR: endpoints.awsSim,
    // The replication queue (the runner creates the stack's queues in aws-sim's SQS).
    AWS_ENDPOINT_URL_SQS: endpoints.awsSim,
    // The DR control plane's invocations of the primary's agents (the runner registers its functions there).
    AWS_ENDPOINT_URL_LAMBDA: endpoints.awsSim,
    AWS_ENDPOINT_URL_S3: endpoints.drS3,
    MINIO_ENDPOINT: endpoints.minio,
    MINIO_CREDENTIALS_SECRET_ID: names.minioCredentialsSecretId,
    // provision configures bucket notifications to this MinIO target (s3rver reports them unsupported).
    MINIO_NOTIFICATION_TARGET_ARN: LOCAL_NOTIFICATION_TARGET,
    CLUSTER_NAME: names.clusterName,
    NOTIFICATION_TOPIC_ARN: names.notificationTopicArn,
    ENVIRONMENT_NAME: names.environmentName,
    OPS_TABLE_NAME: names.opsTableName,
    APPROVAL_SIGNING_SECRET_ID: localApprovalSigningSecretId(names.environmentName),
    BACKUP_BUCKET_NAME: names.backup.bucketName,
    BACKUP_BUCKET_REGION: names.drRegion,
    BACKUP_SOURCE_BUCKETS: names.backup.sourceBuckets.join(','),
    BACKUP_VAULT_NAME: names.backup.vaultName,
    BACKUP_ROLE_ARN: names.backup.roleArn,
    REPLICA_BUCKET_NAME: names.replication.replicaBucketName,
    REPLICA_BUCKET_REGION: names.drRegion,
    REPLICATION_WEBHOOK_SECRET_ID: names.replication.webhookSecretId,
    // The layout the lakehouse was seeded with, whatever the synthesized environment configures.
    PLATFORM_LAYOUT: JSON.stringify(names.layout),
    POWERTOOLS_LOG_LEVEL: logging.logLevel,
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: String(logging.metricsDisabled),
  };
}
