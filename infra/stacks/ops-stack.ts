import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { VerifyBackupInput } from '../../functions/core/backup/verify-request.ts';
import type { BackupWorkflowInput } from '../../functions/core/backup-workflow/request.ts';
import type { ValidatePlatformRequest } from '../../functions/core/validation/request.ts';
import { BACKUP_HANDLERS, backupWorkflow } from '../../workflows/backup.workflow.ts';
import { PROVISION_HANDLERS, provisionWorkflow } from '../../workflows/provision.workflow.ts';
import { remediateWorkflow } from '../../workflows/remediate.workflow.ts';
import { RESTORE_HANDLERS, restoreWorkflow } from '../../workflows/restore.workflow.ts';
import {
  VALIDATE_PLATFORM_HANDLERS,
  validatePlatformWorkflow,
} from '../../workflows/validate-platform.workflow.ts';
import { VERIFY_BACKUP_HANDLERS, verifyBackupWorkflow } from '../../workflows/verify-backup.workflow.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import {
  notificationTopic,
  opsKey,
  scheduleSupport,
  scheduleWorkflowStart,
} from '../constructs/ops-foundation.ts';
import { OpsObservability } from '../constructs/ops-observability.ts';
import type { Workflow } from '../constructs/workflow.ts';
import { boundedName, pascalCase } from '../naming.ts';
import { AlertRemediation } from './alert-remediation.ts';
import { backupBucketName, opsReplicaKeyArn } from './backup-naming.ts';
import { NODE_SUBNETS } from './cluster-network.ts';
import { CostStack } from './cost-stack.ts';
import { DrAgentsStack } from './dr-agents-stack.ts';
import { grantFunctionsKubernetesGroups, usesCluster } from './function-access-entries.ts';
import {
  createOpsFunctions,
  METRICS_NAMESPACE,
  type OpsFunctionDependencies,
  type OpsHandlerName,
  opsTableName,
  SERVICE_NAME,
} from './ops-functions.ts';
import { type ClusterNetworkReference, OpsNetwork } from './ops-network.ts';
import { REMEDIATION_HANDLERS } from './remediation-functions.ts';
import { ReplicationStack } from './replication-stack.ts';
import { VolumeBackupPlan } from './volume-backup-plan.ts';

type WorkflowSchedule = EnvironmentConfig['schedules'][keyof EnvironmentConfig['schedules']];
interface ScheduledStart {
  description: string;
  input: object;
  maxEventAge: Duration;
  /** Told apart from the workflow's other schedules by this (e.g. the bucket it verifies). */
  target?: string;
}

/** EventBridge Scheduler's limit on a schedule name. */
const SCHEDULE_NAME_LENGTH = 64;

export interface OpsStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /**
   * The cluster's VPC and security group (the ClusterStack, same region): the functions that reach
   * the Kubernetes API, MinIO or Prefect run in it, since the API endpoint is private by default.
   */
  readonly cluster: ClusterNetworkReference;
}

/**
 * The input every scheduled validate-platform run starts with. Health only: the performance mode
 * loads the platform, so an operator asks for it (console, CLI) rather than every few minutes.
 */
export const SCHEDULED_VALIDATE_PLATFORM_INPUT = {
  suite: 'full',
  notify: true,
  requestedBy: 'schedule',
  performance: false,
} as const satisfies ValidatePlatformRequest;

/** The input every scheduled backup run starts with: the environment's default buckets. */
export const SCHEDULED_BACKUP_INPUT = { requestedBy: 'schedule' } as const satisfies BackupWorkflowInput;

/** The input of the scheduled verify-backup of one bucket: its newest complete run. */
export function scheduledVerifyBackupInput(sourceBucket: string) {
  return { sourceBucket, requestedBy: 'schedule' } as const satisfies VerifyBackupInput;
}

/** A copy of each run's batches.json for the ItemReader (docs/backup.md); nothing else, and briefly. */
const WORK_FILES_EXPIRY = Duration.days(7);

/**
 * The operations backend of one environment: the ops table (locks, idempotency, audit), the
 * notification topic, the platform event bus, the workflows with their functions, their schedules,
 * and the dashboard and alarms that watch them.
 *
 * Ops table keys: items are addressed by `pk`/`sk` (strings) and expire through `expiresAt`
 * (epoch seconds). Audit items also carry `auditDay` (YYYY-MM-DD) and `auditAt` (ISO timestamp),
 * which the sparse `audit-by-time` index sorts by, so "what happened on day X" is one Query.
 */
export class OpsStack extends Stack {
  readonly config: EnvironmentConfig;
  /**
   * A global table with a replica in drRegion: the failover journal, the fence's saved originals,
   * the verify-backup verdicts and the replication journal stay readable there when the primary
   * region is not (docs/dr.md, "The ops table in the DR region").
   */
  readonly opsTable: TableV2;
  readonly notificationTopic: Topic;
  readonly platformEventBus: EventBus;
  readonly workflows: Record<string, Workflow>;
  /** The alert bus, its rules, the ingress and approval endpoints around the remediate workflow. */
  readonly alertRemediation: AlertRemediation;
  /** The cost workflows' nested stack (cost-stack.ts). */
  readonly cost: CostStack;
  readonly replication: ReplicationStack;
  /** fence-primary, lift-fence and resync-from-replica, which the DR control plane invokes (dr-agents-stack.ts). */
  readonly drAgents: DrAgentsStack;

  constructor(scope: Construct, id: string, props: OpsStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    const prefix = `${SERVICE_NAME}-${config.name}`;
    const logRetention = config.logRetentionDays as RetentionDays;
    const isProduction = config.name === 'production';

    const key = opsKey(this, `alias/${prefix}`, `Encrypts the ${prefix} ops table and notification topic`);

    this.opsTable = new TableV2(this, 'OpsTable', {
      tableName: opsTableName(config),
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.customerManagedKey(key, {
        [config.drRegion]: opsReplicaKeyArn(config),
      }),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: isProduction,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [
        {
          indexName: 'audit-by-time',
          partitionKey: { name: 'auditDay', type: AttributeType.STRING },
          sortKey: { name: 'auditAt', type: AttributeType.STRING },
        },
      ],
      replicas: [{ region: config.drRegion }],
    });

    this.notificationTopic = notificationTopic(this, {
      topicName: `${prefix}-notifications`,
      displayName: `lakehouse-ops ${config.name}`,
      key,
      emails: config.notifications.emails,
    });

    this.platformEventBus = new EventBus(this, 'PlatformEventBus', { eventBusName: `${prefix}-platform` });

    const minioCredentials = Secret.fromSecretNameV2(
      this,
      'MinioCredentials',
      config.minio.credentialsSecretName,
    );

    // The Distributed Map's ItemReader reads only buckets of the state machine's region, so each
    // run's batches.json is copied here from the DR-region backup bucket (BackupStack).
    const backupWorkBucket = new Bucket(this, 'BackupWorkBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [
        { expiration: WORK_FILES_EXPIRY, abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    Validations.of(backupWorkBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Holds only the batch descriptors (counts, no object keys or data) of runs in progress, expired after 7 days; the backup bucket itself is access-logged',
    });
    const volumeBackup = new VolumeBackupPlan(this, 'VolumeBackup', { config, key });

    const handlerNames: OpsHandlerName[] = [
      ...new Set([
        ...VALIDATE_PLATFORM_HANDLERS,
        ...BACKUP_HANDLERS,
        ...VERIFY_BACKUP_HANDLERS,
        ...RESTORE_HANDLERS,
        ...PROVISION_HANDLERS,
        ...REMEDIATION_HANDLERS,
      ]),
    ];
    const network = new OpsNetwork(this, 'FunctionNetwork', {
      vpc: props.cluster.vpc,
      clusterSecurityGroup: props.cluster.clusterSecurityGroup,
      subnets: NODE_SUBNETS,
      urls: {
        'minio-s3': config.minio.endpoint,
        'prefect-api': config.performance.prefectApiUrl,
        'alertmanager-api': config.remediation.alertmanagerUrl,
        'prometheus-api': config.remediation.prometheusUrl,
      },
    });
    const functionDependencies: OpsFunctionDependencies = {
      config,
      network,
      minioCredentials,
      notificationTopic: this.notificationTopic,
      key,
      logRetention,
      backup: {
        opsTable: this.opsTable,
        opsKey: key,
        bucketName: backupBucketName(config),
        workBucket: backupWorkBucket,
        vault: volumeBackup.vault,
        serviceRole: volumeBackup.serviceRole,
      },
    };
    const functions = createOpsFunctions(this, handlerNames, functionDependencies);

    // Each cluster-using function acts on the cluster as its workflow's Kubernetes group.
    grantFunctionsKubernetesGroups(this, config.clusterName, functions);

    // Execution history is evidence in production; elsewhere a retained, named log group would
    // only block the next deployment of a deleted stack.
    const logRemovalPolicy = isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const validatePlatform = validatePlatformWorkflow(this, 'ValidatePlatform', {
      environmentName: config.name,
      functions,
      logRetention,
      logRemovalPolicy,
    });
    const backup = backupWorkflow(this, 'Backup', {
      environmentName: config.name,
      functions,
      workBucket: backupWorkBucket,
      copy: {
        maxConcurrency: config.backup.copy.maxConcurrentBatches,
        toleratedFailurePercentage: config.backup.copy.toleratedFailurePercentage,
      },
      logRetention,
      logRemovalPolicy,
    });
    const verifyBackup = verifyBackupWorkflow(this, 'VerifyBackup', {
      environmentName: config.name,
      functions,
      logRetention,
      logRemovalPolicy,
    });
    const restore = restoreWorkflow(this, 'Restore', {
      environmentName: config.name,
      functions,
      logRetention,
      logRemovalPolicy,
    });
    const provision = provisionWorkflow(this, 'Provision', {
      environmentName: config.name,
      functions,
      validatePlatform: validatePlatform.stateMachine,
      logRetention,
      logRemovalPolicy,
    });
    const remediate = remediateWorkflow(this, 'Remediate', {
      environmentName: config.name,
      functions,
      approvalTimeout: Duration.minutes(config.remediation.approvalTimeoutMinutes),
      verifyInterval: Duration.seconds(config.remediation.verify.intervalSeconds),
      logRetention,
    });
    // remediateWorkflow takes no logRemovalPolicy (yet): the same policy as the other workflows'.
    (remediate.node.findChild('Logs') as LogGroup).applyRemovalPolicy(logRemovalPolicy);
    this.alertRemediation = new AlertRemediation(this, 'AlertRemediation', {
      config,
      key,
      remediate: remediate.stateMachine,
      alertIngress: functions['alert-ingress'],
      alertIngressSns: functions['alert-ingress-sns'],
      approveRemediation: functions['approve-remediation'],
    });
    this.workflows = Object.fromEntries(
      [validatePlatform, backup, verifyBackup, restore, provision, remediate].map((workflow) => [
        workflow.workflowName,
        workflow,
      ]),
    );

    const schedules = scheduleSupport(this, prefix);
    const { group: scheduleGroup, deadLetterQueue: scheduleDeadLetterQueue } = schedules;
    const scheduleWorkflow = (workflow: Workflow, schedule: WorkflowSchedule, start: ScheduledStart) => {
      const suffix = start.target === undefined ? '' : `-${start.target}`;
      return scheduleWorkflowStart(this, `${pascalCase(workflow.workflowName)}Schedule${suffix}`, schedules, {
        scheduleName: boundedName(`${prefix}-${workflow.workflowName}${suffix}`, SCHEDULE_NAME_LENGTH),
        what: start.description,
        expression: schedule.expression,
        timeZone: schedule.timeZone,
        enabled: schedule.enabled,
        stateMachine: workflow.stateMachine,
        input: start.input,
        maxEventAge: start.maxEventAge,
      });
    };
    scheduleWorkflow(validatePlatform, config.schedules.validatePlatform, {
      description: 'Full validate-platform suite',
      input: SCHEDULED_VALIDATE_PLATFORM_INPUT,
      maxEventAge: Duration.minutes(10),
    });
    scheduleWorkflow(backup, config.schedules.backup, {
      description: 'Backup of the default MinIO buckets, the PostgreSQL dump and the volumes',
      input: SCHEDULED_BACKUP_INPUT,
      maxEventAge: Duration.minutes(30),
    });
    for (const sourceBucket of config.backup.sourceBuckets) {
      scheduleWorkflow(verifyBackup, config.schedules.verifyBackup, {
        description: `Verification of the newest backup of ${sourceBucket}`,
        input: scheduledVerifyBackupInput(sourceBucket),
        maxEventAge: Duration.minutes(30),
        target: sourceBucket,
      });
    }

    // The cost workflows, with their own functions, schedules, dashboard and alarms.
    this.cost = new CostStack(this, 'Cost', {
      config,
      functionDependencies,
      shared: { notify: functions.notify, 'request-approval': functions['request-approval'] },
      logRetention,
      logRemovalPolicy,
      scheduleGroup,
      scheduleDeadLetterQueue,
      alarmTopic: this.notificationTopic,
    });
    this.replication = new ReplicationStack(this, 'Replication', {
      config,
      functionDependencies,
      logRetention,
      scheduleGroup,
      scheduleDeadLetterQueue,
      alarmTopic: this.notificationTopic,
    });

    // The primary's side of a failover; the DR control plane (DrStack) is in drRegion.
    this.drAgents = new DrAgentsStack(this, 'DrAgents', {
      config,
      functionDependencies,
      alarmTopic: this.notificationTopic,
    });

    new OpsObservability(this, 'Observability', {
      environmentName: config.name,
      workflows: Object.values(this.workflows),
      functions: handlerNames.map((name) => ({ name, fn: functions[name] })),
      alarmTopic: this.notificationTopic,
      deadLetterQueues: [
        {
          id: 'ScheduleDeadLetters',
          name: 'schedule-dead-letters',
          queue: scheduleDeadLetterQueue,
          description:
            'EventBridge Scheduler (or the EC2 spot notice rules) could not start a workflow: the message in the dead-letter queue says which and why.',
        },
        {
          id: 'AlertDeadLetters',
          name: 'alert-dead-letters',
          queue: this.alertRemediation.deadLetterQueue,
          description:
            'An alert did not reach the remediate workflow (SNS delivery, alert-ingress-sns after retries, or the alert rule target): the message says which alert; nobody acts on it until it is replayed. See runbooks/remediate.md.',
        },
      ],
      backup: {
        metricsNamespace: METRICS_NAMESPACE,
        vaultName: volumeBackup.vault.backupVaultName,
        // Two missed cadences: one late run is tolerated, a second pages.
        rpoAlarmSeconds: config.backup.cadence === 'hourly' ? 2 * 3600 : 2 * 86_400,
        verifiedBuckets: config.backup.sourceBuckets,
      },
    });

    for (const workflow of this.cost.workflows) this.workflows[workflow.workflowName] = workflow;

    new CfnOutput(this, 'OpsTableName', { value: this.opsTable.tableName });
    new CfnOutput(this, 'NotificationTopicArn', { value: this.notificationTopic.topicArn });
    new CfnOutput(this, 'ValidatePlatformStateMachineArn', {
      value: validatePlatform.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'BackupStateMachineArn', { value: backup.stateMachine.stateMachineArn });
    new CfnOutput(this, 'VerifyBackupStateMachineArn', { value: verifyBackup.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RestoreStateMachineArn', { value: restore.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ProvisionStateMachineArn', { value: provision.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RemediateStateMachineArn', { value: remediate.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlertWebhookUrl', {
      description:
        "Alertmanager's webhook receiver (also the webhook secret's url). Auth type NONE: Alertmanager cannot sign requests with AWS credentials, so the function checks the secret's bearer token itself",
      value: this.alertRemediation.webhookUrl,
    });
    new CfnOutput(this, 'ApprovalUrl', {
      description:
        'Where the approve/reject links of approve-first playbooks point. Auth type NONE: an approver opens a link in a browser; each link is HMAC-signed for one approval, decision and expiry',
      value: this.alertRemediation.approvalUrl,
    });
    new CfnOutput(this, 'AmpAlertTopicArn', {
      description: "The SNS topic to name in Amazon Managed Prometheus's alert manager configuration",
      value: this.alertRemediation.ampTopic.topicArn,
    });
    new CfnOutput(this, 'AlertEventBusName', { value: this.alertRemediation.eventBus.eventBusName });
    new CfnOutput(this, 'BackupWorkBucketName', { value: backupWorkBucket.bucketName });
    new CfnOutput(this, 'KubernetesClientRoleArns', {
      description:
        'Roles with an EKS access entry on the cluster (their Kubernetes groups: cluster-manifests RBAC)',
      value: Fn.join(
        ',',
        Object.values(functions)
          .filter(usesCluster)
          .map((fn) => fn.role!.roleArn),
      ),
    });
  }
}
