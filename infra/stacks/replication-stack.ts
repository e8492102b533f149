import { Duration, NestedStack, type NestedStackProps, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  type IScheduleGroup,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { acknowledgeWildcardResources } from '../constructs/nag-acknowledgements.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import { OpsObservability } from '../constructs/ops-observability.ts';
import {
  createOpsFunctions,
  METRICS_NAMESPACE,
  type OpsFunctionDependencies,
  SERVICE_NAME,
} from './ops-functions.ts';
import { REPLICATION_HANDLERS, replicationWebhookSecretName } from './replication-functions.ts';

/** replicate-objects' timeout: the queue's visibility timeout is six times it (Lambda's advice for SQS sources). */
const REPLICATE_TIMEOUT = Duration.minutes(5);
/** A few seconds of batching lets MinIO's burst of events on one object share one sync. */
const REPLICATE_BATCHING_WINDOW = Duration.seconds(2);
/** How often the lag is measured: the alarm's resolution. */
const LAG_SCHEDULE = 'rate(1 minute)';

export interface ReplicationStackProps extends NestedStackProps {
  readonly config: EnvironmentConfig;
  /** The parent's function dependencies (network, table, key, topic): the DR functions need the same. */
  readonly functionDependencies: OpsFunctionDependencies;
  readonly logRetention: RetentionDays;
  readonly scheduleGroup: IScheduleGroup;
  readonly scheduleDeadLetterQueue: IQueue;
  readonly alarmTopic: ITopic;
}

/**
 * Continuous replication of MinIO into the DR region (issue 5, docs/dr.md), a nested stack of the
 * OpsStack: it runs in the primary region, next to MinIO and the events it sends.
 *
 *     MinIO --webhook--> replication-ingress (Function URL) --> replication queue --> replicate-objects --> replica bucket (drRegion)
 *                               \--> pending journal (ops table) <-- measure-replication-lag (every minute) --> ReplicationLag alarm
 *     reconcile-replication (schedule): listings compared, what events missed repaired
 *
 * Messages that fail maxReceiveCount deliveries go to the dead-letter queue, which alarms; the
 * reconciler repairs their objects on its next run.
 */
export class ReplicationStack extends NestedStack {
  readonly replicationQueue: Queue;
  readonly replicationDeadLetterQueue: Queue;
  readonly replicationWebhookSecret: Secret;
  /** Where MinIO's webhook target posts (also the secret's `url`). */
  readonly replicationWebhookUrl: string;
  readonly functions: Readonly<Record<(typeof REPLICATION_HANDLERS)[number], OpsFunction>>;

  constructor(scope: Construct, id: string, props: ReplicationStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prefix = `${SERVICE_NAME}-${config.name}`;
    const { replication } = config.dr;

    this.replicationDeadLetterQueue = new Queue(this, 'ReplicationDeadLetterQueue', {
      queueName: `${prefix}-replication-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.replicationQueue = new Queue(this, 'ReplicationQueue', {
      queueName: `${prefix}-replication`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(REPLICATE_TIMEOUT.toSeconds() * 6),
      // An event older than this is better left to the reconciler, which runs far more often.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: {
        queue: this.replicationDeadLetterQueue,
        maxReceiveCount: replication.maxReceiveCount,
      },
    });

    this.functions = createOpsFunctions(this, REPLICATION_HANDLERS, {
      ...props.functionDependencies,
      replicationQueue: this.replicationQueue,
    });
    const ingress = this.functions['replication-ingress'];
    this.replicationWebhookUrl = ingress.addFunctionUrl({ authType: FunctionUrlAuthType.NONE }).url;
    this.replicationWebhookSecret = new Secret(this, 'ReplicationWebhookSecret', {
      secretName: replicationWebhookSecretName(config),
      description: `lakehouse-ops ${config.name}: the URL MinIO's replication webhook posts to and its auth_token`,
      generateSecretString: {
        secretStringTemplate: Stack.of(this).toJsonString({ url: this.replicationWebhookUrl }),
        generateStringKey: 'token',
        passwordLength: 48,
        excludePunctuation: true,
      },
    });
    Validations.of(this.replicationWebhookSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "Rotated by hand (runbooks/dr-failover.md): the token is MinIO's webhook auth_token, set with mc admin config; a rotation Lambda cannot change MinIO's setting, so an automatic rotation would reject every event until someone did",
    });

    this.functions['replicate-objects'].addEventSource(
      new SqsEventSource(this.replicationQueue, {
        batchSize: replication.batchSize,
        maxBatchingWindow: REPLICATE_BATCHING_WINDOW,
        reportBatchItemFailures: true,
      }),
    );

    // One role for both schedules, allowed to invoke these two functions. The Scheduler target
    // adds `<arn>:*` (versions and aliases) to it as well: acknowledged below.
    const scheduleRole = new Role(this, 'ReplicationScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler invoking the replication reconciler and lag measurement',
    });
    scheduleRole.addToPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [
          this.functions['reconcile-replication'].functionArn,
          this.functions['measure-replication-lag'].functionArn,
        ],
      }),
    );
    props.scheduleDeadLetterQueue.grantSendMessages(scheduleRole);
    this.scheduleFunction('ReconcileReplicationSchedule', {
      name: `${prefix}-reconcile-replication`,
      expression: replication.reconcileSchedule,
      fn: this.functions['reconcile-replication'],
      description: `Compares every replicated MinIO bucket with the replica and repairs the difference, ${replication.reconcileSchedule}`,
      role: scheduleRole,
      props,
    });
    const scheduled = [this.functions['reconcile-replication'], this.functions['measure-replication-lag']];
    this.scheduleFunction('MeasureReplicationLagSchedule', {
      name: `${prefix}-measure-replication-lag`,
      expression: LAG_SCHEDULE,
      fn: this.functions['measure-replication-lag'],
      description: `Publishes ReplicationLag, ${LAG_SCHEDULE}`,
      role: scheduleRole,
      props,
    });

    acknowledgeWildcardResources(
      scheduleRole.node.findChild('DefaultPolicy'),
      scheduled.map((fn) => `${fn.functionArn}:*`),
      "The Scheduler target's own grant: versions and aliases of the two scheduled functions only; the schedules invoke them unqualified",
    );

    const observability = new OpsObservability(this, 'Observability', {
      environmentName: config.name,
      dashboardName: `${prefix}-replication`,
      workflows: [],
      functions: REPLICATION_HANDLERS.map((name) => ({ name, fn: this.functions[name] })),
      alarmTopic: props.alarmTopic,
      deadLetterQueues: [
        {
          id: 'ReplicationDeadLetters',
          name: 'replication-dead-letters',
          queue: this.replicationDeadLetterQueue,
          description:
            'replicate-objects failed an object event maxReceiveCount times: the message names the bucket and key; the reconciler repairs the object on its next run (runbooks/dr-failover.md).',
        },
      ],
    });
    const lag = new Alarm(this, 'ReplicationLagAlarm', {
      alarmName: `${prefix}-replication-lag`,
      alarmDescription: `The oldest MinIO event not yet replicated is older than ${replication.lagAlarmSeconds} s (RPO ${config.dr.rpoSeconds} s). Missing data counts: no measurement means the lag is unknown (docs/dr.md).`,
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'ReplicationLag',
        dimensionsMap: { environment: config.name, service: SERVICE_NAME },
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: replication.lagAlarmSeconds,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.BREACHING,
    });
    lag.addAlarmAction(new SnsAction(props.alarmTopic));
    observability.alarms.push(lag);
  }

  private scheduleFunction(
    id: string,
    options: {
      name: string;
      expression: string;
      fn: OpsFunction;
      description: string;
      role: IRole;
      props: ReplicationStackProps;
    },
  ): void {
    new Schedule(this, id, {
      scheduleName: options.name,
      scheduleGroup: options.props.scheduleGroup,
      description: options.description,
      schedule: ScheduleExpression.expression(options.expression, TimeZone.ETC_UTC),
      target: new LambdaInvoke(options.fn, {
        role: options.role,
        input: ScheduleTargetInput.fromObject({}),
        deadLetterQueue: options.props.scheduleDeadLetterQueue,
        retryAttempts: 2,
        // A late measurement or repair is replaced by the next one.
        maxEventAge: Duration.minutes(10),
      }),
    });
  }
}
