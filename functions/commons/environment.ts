import * as z from 'zod/mini';
import { nonEmptyString } from './schemas.ts';

/**
 * Environment variable schemas, one per concern. A handler validates process.env against the
 * union it needs; the OpsFunction construct (infra/constructs) takes the same schema, so infra and
 * handler cannot disagree about which variables exist.
 */
export const powertoolsEnvironment = z.object({
  POWERTOOLS_SERVICE_NAME: nonEmptyString(),
  POWERTOOLS_METRICS_NAMESPACE: nonEmptyString(),
});

export const kubernetesEnvironment = z.object({
  /** The EKS cluster whose API the function talks to (endpoint and CA come from DescribeCluster). */
  CLUSTER_NAME: nonEmptyString(),
  /** Optional JSON override of functions/core/platform/layout.ts. */
  PLATFORM_LAYOUT: z.optional(z.string()),
});

export const minioEnvironment = z.object({
  MINIO_ENDPOINT: z.url(),
  /** Secrets Manager secret holding {"accessKeyId": ..., "secretAccessKey": ...}. */
  MINIO_CREDENTIALS_SECRET_ID: nonEmptyString(),
  PLATFORM_LAYOUT: z.optional(z.string()),
});

export const notificationEnvironment = z.object({
  NOTIFICATION_TOPIC_ARN: nonEmptyString(),
  ENVIRONMENT_NAME: nonEmptyString(),
});

export type PowertoolsEnvironment = z.infer<typeof powertoolsEnvironment>;

/** The environment of each kind of handler (infra's OpsFunction takes the same schemas). */
export const kubernetesHandlerEnvironment = z.extend(powertoolsEnvironment, kubernetesEnvironment.shape);
export const minioHandlerEnvironment = z.extend(powertoolsEnvironment, minioEnvironment.shape);
export const notificationHandlerEnvironment = z.extend(powertoolsEnvironment, notificationEnvironment.shape);
export const reportHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ENVIRONMENT_NAME: nonEmptyString(),
});

/** A whole number given as an environment variable (`"1000"`). */
function countVariable() {
  return z.coerce.number().check(z.int(), z.positive());
}

/** A TCP port given as an environment variable (`"5432"`). */
function portVariable() {
  return z.coerce.number().check(z.int(), z.positive(), z.lte(65_535));
}

/** The ops table, where locks, idempotency records and audit entries live. */
export const opsTableEnvironment = z.object({
  OPS_TABLE_NAME: nonEmptyString(),
});

/**
 * The backup bucket (DR region) and the work bucket (primary region) that holds the copy of each
 * run's batches.json the Distributed Map reads (an ItemReader cannot read another region's
 * bucket). Locally, AWS_ENDPOINT_URL_S3 points both at the DR S3 endpoint; the SDK reads it.
 */
export const backupBucketEnvironment = z.object({
  BACKUP_BUCKET_NAME: nonEmptyString(),
  BACKUP_BUCKET_REGION: nonEmptyString(),
});

export const backupWorkBucketEnvironment = z.object({
  BACKUP_WORK_BUCKET_NAME: nonEmptyString(),
});

/** The workflow input's default: the MinIO buckets to back up, comma-separated. */
export const backupSourcesEnvironment = z.object({
  BACKUP_SOURCE_BUCKETS: nonEmptyString(),
});

export const backupLockEnvironment = z.extend(opsTableEnvironment, {
  /** Longer than the backup workflow's timeout, so only a dead execution's lease ever expires. */
  BACKUP_LOCK_TTL_SECONDS: countVariable(),
});

/** The provision lock (functions/core/provision/lock.ts). */
export const provisionLockEnvironment = z.extend(opsTableEnvironment, {
  /** Longer than the provision workflow's timeout, so only a dead execution's lease ever expires. */
  PROVISION_LOCK_TTL_SECONDS: countVariable(),
});

export const backupPlanEnvironment = z.object({
  BACKUP_BATCH_SIZE: countVariable(),
  BACKUP_BATCH_BYTES: countVariable(),
});

export const backupCopyEnvironment = z.object({
  BACKUP_COPY_CONCURRENCY: countVariable(),
  BACKUP_MULTIPART_THRESHOLD_BYTES: countVariable(),
});

export const backupRetentionEnvironment = z.object({
  BACKUP_RETENTION_DAYS: countVariable(),
});

/** AWS Backup for the EBS volumes behind MinIO and PostgreSQL (found through their PVCs). */
export const volumeBackupEnvironment = z.object({
  BACKUP_VAULT_NAME: nonEmptyString(),
  BACKUP_ROLE_ARN: nonEmptyString(),
  /** Namespaces whose PersistentVolumeClaims are backed up, comma-separated. */
  BACKUP_VOLUME_NAMESPACES: nonEmptyString(),
  BACKUP_VOLUME_RETENTION_DAYS: countVariable(),
  /** A job still running after this many minutes counts as failed (the workflow must end). */
  BACKUP_VOLUME_DEADLINE_MINUTES: countVariable(),
});

const minioSourceShape = { ...minioEnvironment.shape, ...backupBucketEnvironment.shape };

export const validateBackupRequestHandlerEnvironment = z.extend(
  powertoolsEnvironment,
  backupSourcesEnvironment.shape,
);
export const backupLockHandlerEnvironment = z.extend(powertoolsEnvironment, backupLockEnvironment.shape);
export const planBackupHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...minioSourceShape,
  ...backupWorkBucketEnvironment.shape,
  ...backupPlanEnvironment.shape,
  // Deleted lines stop being carried once older than the retention (plan.ts deletedRetentionDays).
  ...backupRetentionEnvironment.shape,
});
export const copyBackupBatchHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...minioSourceShape,
  ...backupCopyEnvironment.shape,
});
/** The backup report lists manifests/<bucket>/ for the restore point of a skipped or unplanned bucket. */
export const backupReportHandlerEnvironment = z.extend(
  reportHandlerEnvironment,
  backupBucketEnvironment.shape,
);
export const finalizeBackupHandlerEnvironment = z.extend(
  powertoolsEnvironment,
  backupBucketEnvironment.shape,
);
export const pruneBackupsHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...backupBucketEnvironment.shape,
  ...backupRetentionEnvironment.shape,
});
export const volumeBackupHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...volumeBackupEnvironment.shape,
});
export const checkVolumeBackupHandlerEnvironment = z.extend(powertoolsEnvironment, {
  BACKUP_VOLUME_DEADLINE_MINUTES: countVariable(),
});
export const releaseLockHandlerEnvironment = z.extend(powertoolsEnvironment, opsTableEnvironment.shape);
export const provisionLockHandlerEnvironment = z.extend(
  powertoolsEnvironment,
  provisionLockEnvironment.shape,
);

/** The Prefect PostgreSQL that the backup dumps (a pg_dump Job on the cluster, functions/core/postgres). */
export const postgresDumpEnvironment = z.object({
  POSTGRES_NAMESPACE: nonEmptyString(),
  POSTGRES_HOST: nonEmptyString(),
  /** The Service port; 5432 (the pg-tools Job spec's default) when unset. */
  POSTGRES_PORT: z.optional(portVariable()),
  POSTGRES_USER: nonEmptyString(),
  POSTGRES_DATABASE: nonEmptyString(),
  /** `<secret name>/<key>` of the Kubernetes Secret holding the password. */
  POSTGRES_PASSWORD_SECRET: nonEmptyString().check(
    z.regex(/^[^/]+\/[^/]+$/, 'expected "<secret name>/<key>"'),
  ),
  /** Bound (IRSA / Pod Identity) to a role that may write postgres/ in the backup bucket. */
  POSTGRES_DUMP_SERVICE_ACCOUNT: nonEmptyString(),
  /**
   * The S3 endpoint the SDK itself honours; handed to the dump Job, whose AWS CLI must reach the
   * same S3 (an S3-compatible endpoint). Unset on AWS.
   */
  AWS_ENDPOINT_URL_S3: z.optional(z.url()),
});
/** Steps that run a pg-tools Job against Prefect's PostgreSQL and read the backup bucket's postgres/. */
const postgresJobHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...backupBucketEnvironment.shape,
  ...postgresDumpEnvironment.shape,
});
/** DumpPostgres also prunes the dumps past the retention once its own dump is complete. */
export const dumpPostgresHandlerEnvironment = z.extend(
  postgresJobHandlerEnvironment,
  backupRetentionEnvironment.shape,
);

/** verify-backup steps that only read the backup bucket (plan, sample check). */
export const backupReaderHandlerEnvironment = z.extend(powertoolsEnvironment, backupBucketEnvironment.shape);
/** restore steps that read the backup bucket and write MinIO. */
export const restoreHandlerEnvironment = z.extend(powertoolsEnvironment, minioSourceShape);
/** Steps that restore the PostgreSQL dump into a scratch or named database (a Job on the cluster). */
export const postgresRestoreHandlerEnvironment = postgresJobHandlerEnvironment;
/** Steps that record a verdict or a decision in the ops table's audit trail. */
export const auditHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ENVIRONMENT_NAME: nonEmptyString(),
});

/** A positive number given as an environment variable (`"12.5"`). */
function positiveNumberVariable() {
  return z.coerce.number().check(z.positive());
}

/**
 * validate-platform's performance mode (infra config `performance`): the Prefect API as the
 * Lambdas reach it, and each check's workload and threshold.
 */
export const prefectApiEnvironment = z.object({
  /** The Prefect server's API root, ending in `/api` (Prefect's own PREFECT_API_URL). */
  PREFECT_API_URL: z.url(),
});
export const s5cmdThroughputEnvironment = z.object({
  PERFORMANCE_S5CMD_TRANSFER_MIB: countVariable(),
  PERFORMANCE_S5CMD_MIN_MIB_PER_SECOND: positiveNumberVariable(),
});
export const prefectApiLatencyEnvironment = z.object({
  PERFORMANCE_PREFECT_API_REQUESTS: countVariable(),
  PERFORMANCE_PREFECT_API_P95_MS: positiveNumberVariable(),
});
export const flowRunBurstEnvironment = z.object({
  /** `<flow name>/<deployment name>` of a deployment whose flow does nothing. */
  PERFORMANCE_FLOW_RUN_BURST_DEPLOYMENT: nonEmptyString().check(
    z.regex(/^[^/]+\/[^/]+$/, 'expected "<flow name>/<deployment name>"'),
  ),
  PERFORMANCE_FLOW_RUN_BURST_COUNT: countVariable(),
  PERFORMANCE_FLOW_RUN_BURST_MAX_SECONDS: countVariable(),
});

export const s5cmdThroughputHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...minioEnvironment.shape,
  ...s5cmdThroughputEnvironment.shape,
});
export const prefectApiLatencyHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...prefectApiEnvironment.shape,
  ...prefectApiLatencyEnvironment.shape,
});
export const flowRunBurstHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...prefectApiEnvironment.shape,
  ...flowRunBurstEnvironment.shape,
});

/**
 * The provision workflow (functions/core/provision/settings.ts): the manifests' environment and
 * the node groups as JSON written by infra, and how long to wait for rollouts and node groups.
 */
export const provisionManifestsEnvironment = z.object({
  PROVISION_ENVIRONMENT: nonEmptyString(),
});
export const provisionTimeoutsEnvironment = z.object({
  /** Per stage, from its apply to the last workload rolled out; 600 when unset. */
  PROVISION_ROLLOUT_TIMEOUT_SECONDS: z.optional(countVariable()),
  /** From the node group changes to every group ACTIVE at its size; 1200 when unset. */
  PROVISION_NODE_GROUP_TIMEOUT_SECONDS: z.optional(countVariable()),
});

export const planProvisionHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...provisionManifestsEnvironment.shape,
});
export const applyManifestsHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...provisionManifestsEnvironment.shape,
  ...provisionTimeoutsEnvironment.shape,
});
export const nodeGroupsHandlerEnvironment = z.extend(powertoolsEnvironment, {
  CLUSTER_NAME: nonEmptyString(),
  PROVISION_NODE_GROUPS: nonEmptyString(),
  ...provisionTimeoutsEnvironment.shape,
});
export const minioBucketsHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...minioEnvironment.shape,
  ...provisionManifestsEnvironment.shape,
  /** MinIO notification target for the data buckets' events (`arn:minio:sqs::<id>:webhook`); none when unset. */
  MINIO_NOTIFICATION_TARGET_ARN: z.optional(nonEmptyString()),
  /** JSON of functions/core/cost/storage-tiering.ts `minioStorageTieringSchema`; none when unset. */
  MINIO_STORAGE_TIERING: z.optional(nonEmptyString()),
});

/**
 * Alert ingress (docs/remediation.md): the dedup items live in the ops table, the alert events go
 * to the platform bus, and the webhook's bearer / basic credentials are in Secrets Manager
 * (`lakehouse/<env>/alertmanager-webhook`, `{ "token", "username", "password" }`).
 */
export const alertBusEnvironment = z.object({
  ALERT_EVENT_BUS_NAME: nonEmptyString(),
});
export const alertWebhookEnvironment = z.object({
  ALERT_WEBHOOK_SECRET_ID: nonEmptyString(),
});
/** alert-ingress-sns: SNS invokes it through IAM, so it needs no webhook secret. */
export const alertIngressSnsHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ...alertBusEnvironment.shape,
});
/** alert-ingress: the Function URL Alertmanager's webhook posts to. */
export const alertIngressHandlerEnvironment = z.extend(
  alertIngressSnsHandlerEnvironment,
  alertWebhookEnvironment.shape,
);

/**
 * Remediation preflight (functions/core/remediation/preflight.ts): the configuration's change
 * windows as JSON (`[]` when none: disruptive playbooks then never act on their own).
 */
export const changeWindowsEnvironment = z.object({
  REMEDIATION_CHANGE_WINDOWS: nonEmptyString(),
});
export const preflightRemediationHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...changeWindowsEnvironment.shape,
});

/**
 * The remediate workflow's own steps (workflows/remediate.workflow.ts). REMEDIATION_ROUTING and
 * REMEDIATION_LIMITS are the environment's validated remediation settings as JSON, written by
 * infra (infra/config/remediation-config.ts); the monitoring APIs are reached inside the VPC.
 */
export const remediationRoutingEnvironment = z.object({ REMEDIATION_ROUTING: nonEmptyString() });
export const remediationLimitsEnvironment = z.object({ REMEDIATION_LIMITS: nonEmptyString() });
export const resolveRemediationHandlerEnvironment = z.extend(powertoolsEnvironment, {
  CLUSTER_NAME: nonEmptyString(),
  ...remediationRoutingEnvironment.shape,
});
export const remediationLeaseHandlerEnvironment = z.extend(powertoolsEnvironment, opsTableEnvironment.shape);
export const remediationLimitsHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ...remediationLimitsEnvironment.shape,
});
export const alertmanagerHandlerEnvironment = z.extend(powertoolsEnvironment, {
  /** Alertmanager's API root inside the VPC (`http://alertmanager.monitoring:9093`). */
  ALERTMANAGER_URL: z.url({ protocol: /^https?$/ }),
});
export const prometheusHandlerEnvironment = z.extend(powertoolsEnvironment, {
  /** Prometheus's API root inside the VPC (`http://prometheus.monitoring:9090`). */
  PROMETHEUS_URL: z.url({ protocol: /^https?$/ }),
});
export const escalateRemediationHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...notificationEnvironment.shape,
  ...opsTableEnvironment.shape,
});

/**
 * The approve-first tier (functions/core/remediation/approval): the secret holding the HMAC key
 * that signs the approve / reject links, `{ "key": "<base64>" }`.
 */
export const approvalSigningEnvironment = z.object({
  APPROVAL_SIGNING_SECRET_ID: nonEmptyString(),
});
/** request-approval: stores the pending approval and publishes the notification with the links. */
export const requestApprovalHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...notificationEnvironment.shape,
  ...opsTableEnvironment.shape,
  ...approvalSigningEnvironment.shape,
  /** approve-remediation's Function URL, where the links point. */
  APPROVAL_URL: z.url(),
});
/** approve-remediation: the Function URL the links open (Step Functions through AWS_ENDPOINT_URL_SFN locally). */
export const approveRemediationHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ...approvalSigningEnvironment.shape,
  ENVIRONMENT_NAME: nonEmptyString(),
});

/**
 * Off-hours scale-down (functions/core/cost/off-hours): OFF_HOURS_SETTINGS is the environment's
 * validated settings as JSON (`offHoursSettingsVariable`; all defaults when unset), the lease TTL
 * outlives the workflow's timeout so only a dead execution's lease ever expires.
 */
export const offHoursSettingsEnvironment = z.object({
  OFF_HOURS_SETTINGS: z.optional(z.string()),
});
/** preflight-off-hours: the environment (production is refused) and its cluster (EKS API only). */
export const offHoursPreflightHandlerEnvironment = z.extend(powertoolsEnvironment, {
  CLUSTER_NAME: nonEmptyString(),
  ENVIRONMENT_NAME: nonEmptyString(),
});
export const offHoursLeaseHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  OFF_HOURS_LEASE_TTL_SECONDS: countVariable(),
});
/** plan-off-hours: the cluster, the EKS node groups and the snapshot in the ops table. */
export const offHoursPlanHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...opsTableEnvironment.shape,
  ...offHoursSettingsEnvironment.shape,
});
/** scale-off-hours-workloads, resize-off-hours-node-groups, check-off-hours-progress. */
export const offHoursClusterHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...offHoursSettingsEnvironment.shape,
});

/**
 * Spot (issue 6, functions/core/cost/spot): the spot-migration lease, how long the migration waits
 * for node groups and drains, and how long an interruption drain may take for a rebalance
 * recommendation (an interruption warning's two minutes are fixed by EC2).
 */
export const spotMigrationLeaseHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  /** Longer than the spot-migration workflow's timeout, so only a dead execution's lease ever expires. */
  SPOT_MIGRATION_LEASE_TTL_SECONDS: countVariable(),
});
export const spotMigrationClusterHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  /** From the new group's creation to its Nodes Ready; 1200 when unset. */
  SPOT_NODE_GROUP_TIMEOUT_SECONDS: z.optional(countVariable()),
  /** Per batch of Nodes, how long refused evictions are retried; 300 when unset. */
  SPOT_DRAIN_BATCH_TIMEOUT_SECONDS: z.optional(countVariable()),
  /** From the old group's scale-in to its deletion; 1800 when unset. */
  SPOT_RETIRE_TIMEOUT_SECONDS: z.optional(countVariable()),
});
export const spotInterruptionHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  /** How long a rebalance recommendation's drain may take; 300 when unset. */
  SPOT_REBALANCE_DRAIN_SECONDS: z.optional(countVariable()),
});

/**
 * Applying right-sizing (functions/core/cost/apply, the cost-optimise workflow): RIGHTSIZING_APPLY
 * is the environment's apply settings as JSON (mode, approval, weekly cap, watch; all defaults,
 * mode off, when `{}`), the lease TTL outlives the workflow's timeout.
 */
export const rightsizingApplyEnvironment = z.object({
  RIGHTSIZING_APPLY: nonEmptyString(),
});
export const rightsizingLeaseHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ENVIRONMENT_NAME: nonEmptyString(),
  RIGHTSIZING_LEASE_TTL_SECONDS: countVariable(),
});
/** plan-rightsizing: reads the workloads and the right-sizing history. */
export const planRightsizingHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...opsTableEnvironment.shape,
  ...rightsizingApplyEnvironment.shape,
  ENVIRONMENT_NAME: nonEmptyString(),
});
/** apply-rightsizing, rollback-rightsizing: patch workloads, write the history and the audit trail. */
export const changeRightsizingHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...opsTableEnvironment.shape,
});
/** build-cost-report: the recommender's pricing (COST_PRICING, JSON) and the report bucket. */
export const costReportHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ENVIRONMENT_NAME: nonEmptyString(),
  COST_PRICING: nonEmptyString(),
  COST_REPORT_BUCKET_NAME: nonEmptyString(),
});

/**
 * recommend-rightsizing (functions/core/cost/rightsizing): the workloads through the Kubernetes API,
 * the Prefect work pools through the Prefect API, usage from Prometheus; COST_PRICING (JSON of
 * functions/core/cost/pricing.ts) prices the savings, COST_RIGHTSIZING (JSON of
 * functions/core/cost/rightsizing/settings.ts, `{}` for the defaults) holds the thresholds; the
 * recommendations go to the cost report bucket under `rightsizing/` (too large for a state's 256 KB).
 */
export const recommendRightsizingHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...kubernetesEnvironment.shape,
  ...prefectApiEnvironment.shape,
  PROMETHEUS_URL: z.url({ protocol: /^https?$/ }),
  COST_PRICING: nonEmptyString(),
  COST_RIGHTSIZING: z._default(z.string(), '{}'),
  COST_REPORT_BUCKET_NAME: nonEmptyString(),
});

/**
 * Continuous MinIO -> DR S3 replication (docs/dr.md). The replica bucket is versioned, in the DR
 * region; every MinIO bucket the backup covers (BACKUP_SOURCE_BUCKETS) is replicated under the
 * prefix `<minio-bucket>/`, and events for other buckets are ignored. MinIO's webhook auth_token is
 * the `token` of the secret REPLICATION_WEBHOOK_SECRET_ID (`{ "token": ... }`).
 */
export const replicaBucketEnvironment = z.object({
  REPLICA_BUCKET_NAME: nonEmptyString(),
  REPLICA_BUCKET_REGION: nonEmptyString(),
});
export const replicationCopyEnvironment = z.object({
  /** Objects copied at the same time by one invocation; 4 when unset. */
  REPLICATION_COPY_CONCURRENCY: z.optional(countVariable()),
  /** Objects above this size are streamed as multipart uploads; 64 MiB when unset. */
  REPLICATION_MULTIPART_THRESHOLD_BYTES: z.optional(countVariable()),
});
/** replication-ingress: the Function URL MinIO's webhook target posts to. */
export const replicationIngressHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ...backupSourcesEnvironment.shape,
  REPLICATION_WEBHOOK_SECRET_ID: nonEmptyString(),
  REPLICATION_QUEUE_URL: z.url(),
});
/** replicate-objects: the SQS consumer that brings each object's replica to its MinIO state. */
export const replicateObjectsHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...minioEnvironment.shape,
  ...opsTableEnvironment.shape,
  ...replicaBucketEnvironment.shape,
  ...replicationCopyEnvironment.shape,
});
/** reconcile-replication: the scheduled listing comparison that repairs what events missed. */
export const reconcileReplicationHandlerEnvironment = z.extend(
  replicateObjectsHandlerEnvironment,
  backupSourcesEnvironment.shape,
);
/**
 * measure-replication-lag: the age of the oldest pending event, per bucket and overall.
 * ENVIRONMENT_NAME becomes the metric's `environment` dimension, which the lag alarm selects.
 */
export const measureReplicationLagHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ...backupSourcesEnvironment.shape,
  ENVIRONMENT_NAME: nonEmptyString(),
});

/**
 * dr-failover's gates and step journal (functions/core/dr/failover, docs/dr.md "Failover gates
 * and the step journal"): the DR region and its standby cluster; the gates' limits (the RPO, 300 s
 * when unset; the age of the newest verify-backup verdict, 48 h when unset); the node group sizes
 * the DR cluster must be able to reach (the primary's PROVISION_NODE_GROUPS desired sizes, with
 * DR_NODE_GROUP_SIZES `{"<pool>": <nodes>}` overriding some pools); the DR ECR's pull-through cache
 * prefixes per upstream registry (`{"<registry host>": "<prefix>"}` over the defaults) and account.
 */
export const drClusterEnvironment = z.object({
  DR_REGION: nonEmptyString(),
  DR_CLUSTER_NAME: nonEmptyString(),
});
/**
 * invoke-primary-agent (DR control plane): the primary region, and the agents' function names less
 * the agent (`lakehouse-ops-<env>-`), as the OpsStack deploys them.
 */
export const invokePrimaryAgentHandlerEnvironment = z.extend(powertoolsEnvironment, {
  PRIMARY_REGION: nonEmptyString(),
  PRIMARY_AGENT_FUNCTION_PREFIX: nonEmptyString(),
});
export const failoverGatesEnvironment = z.object({
  DR_RPO_SECONDS: z.optional(countVariable()),
  DR_VERIFY_BACKUP_MAX_AGE_HOURS: z.optional(positiveNumberVariable()),
  DR_NODE_GROUP_SIZES: z.optional(nonEmptyString()),
  DR_IMAGE_REPOSITORY_PREFIXES: z.optional(nonEmptyString()),
  DR_ECR_REGISTRY_ID: z.optional(z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit AWS account id'))),
});
/** check-failover-gates: the ops table (lag, verdicts), EKS and ECR of the DR region, the DR cluster's API. */
export const checkFailoverGatesHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ...backupSourcesEnvironment.shape,
  ...drClusterEnvironment.shape,
  ...failoverGatesEnvironment.shape,
  PROVISION_NODE_GROUPS: nonEmptyString(),
});
/** record-failover-step: the journal in the ops table, keyed by the environment. */
export const recordFailoverStepHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ENVIRONMENT_NAME: nonEmptyString(),
});

/** build-failover-report: the journal and the audit trail; the targets (300 s RPO, 30 min RTO when unset). */
export const buildFailoverReportHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ENVIRONMENT_NAME: nonEmptyString(),
  DR_RPO_SECONDS: z.optional(countVariable()),
  DR_RTO_MINUTES: z.optional(countVariable()),
});

/**
 * dr-failover's bring-up of the DR side (functions/core/dr/bring-up, docs/dr.md "Bringing up the
 * DR side"): the DR cluster, the primary's manifests environment and node groups (the DR side is
 * the same lakehouse at the same sizes), the replica bucket the DR workloads use as object store,
 * and the backup bucket the Prefect dump is restored from.
 */
export const drObjectStoreEnvironment = z.object({
  REPLICA_BUCKET_NAME: nonEmptyString(),
  /** The replica bucket's S3 endpoint for the DR workloads; the DR region's S3 when unset. */
  DR_OBJECT_STORE_ENDPOINT: z.optional(z.url()),
});
/**
 * The DR side's deadlines (dr-failover's DR_FAILOVER_DEADLINES, which its RTO budget counts on):
 * their own variables, not provision's, since all handlers share one process locally.
 */
export const drBringUpTimeoutsEnvironment = z.object({
  /** From the node group changes to every DR group ACTIVE at its size; 1200 when unset. */
  DR_NODE_GROUP_TIMEOUT_SECONDS: z.optional(countVariable()),
  /** Per phase, from its apply to the last workload rolled out; 600 when unset. */
  DR_ROLLOUT_TIMEOUT_SECONDS: z.optional(countVariable()),
});
export const scaleDrNodeGroupsHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...drClusterEnvironment.shape,
  PROVISION_NODE_GROUPS: nonEmptyString(),
  DR_NODE_GROUP_SIZES: z.optional(nonEmptyString()),
  ...drBringUpTimeoutsEnvironment.shape,
});
export const applyDrManifestsHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...drClusterEnvironment.shape,
  PLATFORM_LAYOUT: z.optional(z.string()),
  ...provisionManifestsEnvironment.shape,
  ...drBringUpTimeoutsEnvironment.shape,
  ...drObjectStoreEnvironment.shape,
  /** With the DR registry's account, every image is pulled through the DR region's ECR (as the images gate checks). */
  DR_ECR_REGISTRY_ID: failoverGatesEnvironment.shape.DR_ECR_REGISTRY_ID,
  DR_IMAGE_REPOSITORY_PREFIXES: failoverGatesEnvironment.shape.DR_IMAGE_REPOSITORY_PREFIXES,
});
export const restoreDrDatabaseHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...drClusterEnvironment.shape,
  PLATFORM_LAYOUT: z.optional(z.string()),
  ...provisionManifestsEnvironment.shape,
  ...backupBucketEnvironment.shape,
  /** Handed to the restore Job, whose AWS CLI must reach the same S3 (an S3-compatible endpoint). Unset on AWS. */
  AWS_ENDPOINT_URL_S3: z.optional(z.url()),
  /**
   * How long one call waits for the restore Job (600 when unset); past it PostgresJobTimeoutError,
   * and the workflow's next call re-attaches to the same Job. Below the function's timeout.
   */
  DR_RESTORE_JOB_WAIT_SECONDS: z.optional(countVariable()),
  /** With the DR registry's account, the restore Job's pg-tools image is pulled through the DR region's ECR, as the manifests' are. */
  DR_ECR_REGISTRY_ID: failoverGatesEnvironment.shape.DR_ECR_REGISTRY_ID,
  DR_IMAGE_REPOSITORY_PREFIXES: failoverGatesEnvironment.shape.DR_IMAGE_REPOSITORY_PREFIXES,
});
export const checkDrRolloutHandlerEnvironment = z.extend(powertoolsEnvironment, drClusterEnvironment.shape);

/**
 * dr-failover's fence of the primary and its lift (functions/core/dr/fence, docs/dr.md "Fencing"):
 * the primary's Kubernetes API, Prefect API and MinIO (the source buckets get the read-only
 * policy), the saved originals in the ops table under ENVIRONMENT_NAME. FENCE_PROBE_TIMEOUT_MS is
 * how long "does the primary answer?" waits (5000 when unset); FENCE_WRITER_NAMESPACES
 * (comma-separated) where the writing workloads run (the layout's Prefect and s5cmd namespaces
 * when unset).
 */
export const fenceSettingsEnvironment = z.object({
  FENCE_PROBE_TIMEOUT_MS: z.optional(countVariable()),
  FENCE_WRITER_NAMESPACES: z.optional(nonEmptyString()),
});
/** fence-primary, lift-fence. */
export const fenceHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ...kubernetesEnvironment.shape,
  ...minioEnvironment.shape,
  ...prefectApiEnvironment.shape,
  ...backupSourcesEnvironment.shape,
  ...fenceSettingsEnvironment.shape,
  ENVIRONMENT_NAME: nonEmptyString(),
});
/** await-replication-drain: the pending journal and the fence's record; DR_DRAIN_TIMEOUT_SECONDS 600 when unset. */
export const awaitReplicationDrainHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ...backupSourcesEnvironment.shape,
  ENVIRONMENT_NAME: nonEmptyString(),
  DR_DRAIN_TIMEOUT_SECONDS: z.optional(countVariable()),
});

/**
 * dr-failover's traffic switch and the DR side's validation (functions/core/dr/traffic and
 * functions/core/dr/validation, docs/dr.md "Switching traffic and validating the DR side"):
 * DR_TRAFFIC is JSON `{hostedZoneId, records: [{name, drillName, type?, primary, dr,
 * primaryHealthCheckId?, drHealthCheckId?}]}` (each target `{ttl, values}` or `{alias}`); what
 * was switched is recorded in the ops table under ENVIRONMENT_NAME.
 */
export const drTrafficEnvironment = z.object({
  DR_TRAFFIC: nonEmptyString(),
});
/** switch-traffic. */
export const switchTrafficHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ...drTrafficEnvironment.shape,
  ENVIRONMENT_NAME: nonEmptyString(),
});
/**
 * validate-dr-platform: the DR cluster, the database's names (PROVISION_ENVIRONMENT), the replica
 * bucket the DR workloads use as object store, and the Prefect API as the DR target serves it
 * (DR_PREFECT_API_URL, ending in `/api`).
 */
export const validateDrPlatformHandlerEnvironment = z.extend(switchTrafficHandlerEnvironment, {
  ...drClusterEnvironment.shape,
  PLATFORM_LAYOUT: z.optional(z.string()),
  ...provisionManifestsEnvironment.shape,
  ...replicaBucketEnvironment.shape,
  DR_PREFECT_API_URL: z.url(),
});

/**
 * dr-failback (functions/core/dr/failback, docs/dr.md "Failback"). resync-from-replica copies the
 * replica back into MinIO: MinIO, the replica, the ops table (the cutoff comes from the fence and
 * the journal). record-failback-step keeps the failback's steps in the failover's journal.
 */
export const resyncFromReplicaHandlerEnvironment = z.extend(reconcileReplicationHandlerEnvironment, {
  ENVIRONMENT_NAME: nonEmptyString(),
});
export const recordFailbackStepHandlerEnvironment = recordFailoverStepHandlerEnvironment;
/**
 * fence-dr: the DR side's fence (steps prefect, writers) with the fence core, side `dr`: the DR
 * cluster's Kubernetes API and its Prefect API (DR_PREFECT_API_URL). scale-dr-to-standby: the DR
 * node groups to their minimum and the DR database reset.
 */
export const fenceDrHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...opsTableEnvironment.shape,
  ...drClusterEnvironment.shape,
  PLATFORM_LAYOUT: z.optional(z.string()),
  DR_PREFECT_API_URL: z.url(),
  ...fenceSettingsEnvironment.shape,
  ENVIRONMENT_NAME: nonEmptyString(),
});
export const scaleDrToStandbyHandlerEnvironment = z.extend(powertoolsEnvironment, {
  ...drClusterEnvironment.shape,
  PLATFORM_LAYOUT: z.optional(z.string()),
  ...provisionManifestsEnvironment.shape,
  /** `{"<pool>": <nodes>}`: each pool's size at standby (the DR ClusterStack's minimum). */
  DR_STANDBY_NODE_GROUP_SIZES: z.optional(nonEmptyString()),
});
