import {
  CfnOutput,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  TimeZone,
  Validations,
} from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleGroup, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ValidatePlatformRequest } from '../../functions/core/validation/request.ts';
import {
  VALIDATE_PLATFORM_HANDLERS,
  validatePlatformWorkflow,
} from '../../workflows/validate-platform.workflow.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { OpsObservability } from '../constructs/ops-observability.ts';
import type { Workflow } from '../constructs/workflow.ts';
import { createOpsFunctions, type OpsHandlerName, SERVICE_NAME } from './ops-functions.ts';

export interface OpsStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/** The input every scheduled validate-platform run starts with. */
export const SCHEDULED_VALIDATE_PLATFORM_INPUT = {
  suite: 'full',
  notify: true,
  requestedBy: 'schedule',
} as const satisfies ValidatePlatformRequest;

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
  readonly opsTable: Table;
  readonly notificationTopic: Topic;
  readonly platformEventBus: EventBus;
  readonly workflows: Record<string, Workflow>;

  constructor(scope: Construct, id: string, props: OpsStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    const prefix = `${SERVICE_NAME}-${config.name}`;
    const logRetention = config.logRetentionDays as RetentionDays;
    const isProduction = config.name === 'production';

    const key = new Key(this, 'Key', {
      alias: `alias/${prefix}`,
      description: `Encrypts the ${prefix} ops table and notification topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted topic as the CloudWatch service, not as a role:
    // without this statement their notifications are silently dropped.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.opsTable = new Table(this, 'OpsTable', {
      tableName: `${prefix}-ops`,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: isProduction,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.opsTable.addGlobalSecondaryIndex({
      indexName: 'audit-by-time',
      partitionKey: { name: 'auditDay', type: AttributeType.STRING },
      sortKey: { name: 'auditAt', type: AttributeType.STRING },
    });

    this.notificationTopic = new Topic(this, 'NotificationTopic', {
      topicName: `${prefix}-notifications`,
      displayName: `lakehouse-ops ${config.name}`,
      masterKey: key,
      enforceSSL: true,
    });
    for (const email of config.notifications.emails) {
      this.notificationTopic.addSubscription(new EmailSubscription(email));
    }

    this.platformEventBus = new EventBus(this, 'PlatformEventBus', { eventBusName: `${prefix}-platform` });

    const minioCredentials = Secret.fromSecretNameV2(
      this,
      'MinioCredentials',
      config.minio.credentialsSecretName,
    );

    const handlerNames: OpsHandlerName[] = [...VALIDATE_PLATFORM_HANDLERS];
    const functions = createOpsFunctions(this, handlerNames, {
      config,
      minioCredentials,
      notificationTopic: this.notificationTopic,
      key,
      logRetention,
    });

    const validatePlatform = validatePlatformWorkflow(this, 'ValidatePlatform', {
      environmentName: config.name,
      functions,
      logRetention,
      // Execution history is evidence in production; elsewhere a retained, named log group would
      // only block the next deployment of a deleted stack.
      logRemovalPolicy: isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.workflows = { [validatePlatform.workflowName]: validatePlatform };

    const scheduleDeadLetterQueue = new Queue(this, 'ScheduleDeadLetterQueue', {
      queueName: `${prefix}-schedule-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(scheduleDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the EventBridge Scheduler schedules; it has no consumer to fail',
    });

    const scheduleGroup = new ScheduleGroup(this, 'ScheduleGroup', { scheduleGroupName: prefix });
    const validateSchedule = config.schedules.validatePlatform;
    new Schedule(this, 'ValidatePlatformSchedule', {
      scheduleName: `${prefix}-validate-platform`,
      scheduleGroup,
      description: `Full validate-platform suite, ${validateSchedule.expression} ${validateSchedule.timeZone}`,
      schedule: ScheduleExpression.expression(
        validateSchedule.expression,
        TimeZone.of(validateSchedule.timeZone),
      ),
      enabled: validateSchedule.enabled,
      target: new StepFunctionsStartExecution(validatePlatform.stateMachine, {
        input: ScheduleTargetInput.fromObject(SCHEDULED_VALIDATE_PLATFORM_INPUT),
        deadLetterQueue: scheduleDeadLetterQueue,
        retryAttempts: 3,
        // A start request older than this is superseded by the next scheduled run anyway.
        maxEventAge: Duration.minutes(10),
      }),
    });

    new OpsObservability(this, 'Observability', {
      environmentName: config.name,
      workflows: Object.values(this.workflows),
      functions: handlerNames.map((name) => ({ name, fn: functions[name] })),
      alarmTopic: this.notificationTopic,
      scheduleDeadLetterQueue,
    });

    new CfnOutput(this, 'OpsTableName', { value: this.opsTable.tableName });
    new CfnOutput(this, 'NotificationTopicArn', { value: this.notificationTopic.topicArn });
    new CfnOutput(this, 'ValidatePlatformStateMachineArn', {
      value: validatePlatform.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'KubernetesClientRoleArns', {
      description: 'Roles that need an EKS access entry with read-only RBAC on the cluster',
      value: Fn.join(
        ',',
        Object.values(functions)
          .filter((fn) => 'CLUSTER_NAME' in fn.environmentSchema._zod.def.shape)
          .map((fn) => fn.role!.roleArn),
      ),
    });
  }
}
