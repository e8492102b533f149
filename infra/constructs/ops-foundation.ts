import { Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  type IScheduleGroup,
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * What every stack that runs lakehouse-ops workflows has of its own: the OpsStack in the primary
 * region and the DR control plane (DrStack) in drRegion. A workflow's notifications, alarms and
 * schedules must work in its own region when the other one does not.
 */

/** The stack's KMS key (topic, and the ops table in the OpsStack), rotating, that CloudWatch alarms may use. */
export function opsKey(scope: Construct, alias: string, description: string): Key {
  const key = new Key(scope, 'Key', {
    alias,
    description,
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
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  );
  return key;
}

export interface NotificationTopicProps {
  readonly topicName: string;
  readonly displayName: string;
  readonly key: Key;
  readonly emails: readonly string[];
}

/** The operators' topic: encrypted with the stack's key, TLS only, the configured emails subscribed. */
export function notificationTopic(scope: Construct, props: NotificationTopicProps): Topic {
  const topic = new Topic(scope, 'NotificationTopic', {
    topicName: props.topicName,
    displayName: props.displayName,
    masterKey: props.key,
    enforceSSL: true,
  });
  for (const email of props.emails) topic.addSubscription(new EmailSubscription(email));
  return topic;
}

/** Where a stack's schedules go: its group, and the dead-letter queue of the starts that failed. */
export interface ScheduleSupport {
  readonly group: IScheduleGroup;
  readonly deadLetterQueue: IQueue;
}

/** The schedule group and the dead-letter queue of the stack's EventBridge Scheduler schedules. */
export function scheduleSupport(
  scope: Construct,
  prefix: string,
): { group: ScheduleGroup; deadLetterQueue: Queue } {
  const deadLetterQueue = new Queue(scope, 'ScheduleDeadLetterQueue', {
    queueName: `${prefix}-schedule-dlq`,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is the dead-letter queue of the EventBridge Scheduler schedules; it has no consumer to fail',
  });
  const group = new ScheduleGroup(scope, 'ScheduleGroup', { scheduleGroupName: prefix });
  return { group, deadLetterQueue };
}

export interface ScheduledWorkflowStart {
  readonly scheduleName: string;
  /** What the schedule starts; its description adds the expression and time zone. */
  readonly what: string;
  readonly expression: string;
  readonly timeZone: string;
  /** Default: enabled. */
  readonly enabled?: boolean;
  readonly stateMachine: IStateMachine;
  readonly input: object;
  /** A start request older than this is dropped: the next scheduled run supersedes it. */
  readonly maxEventAge: Duration;
}

/**
 * An EventBridge Scheduler schedule that starts a workflow: Scheduler retries a failed start 3
 * times, then puts it on the stack's dead-letter queue (whose alarm tells operators).
 */
export function scheduleWorkflowStart(
  scope: Construct,
  id: string,
  support: ScheduleSupport,
  start: ScheduledWorkflowStart,
): Schedule {
  return new Schedule(scope, id, {
    scheduleName: start.scheduleName,
    scheduleGroup: support.group,
    description: `${start.what}, ${start.expression} ${start.timeZone}`,
    schedule: ScheduleExpression.expression(start.expression, TimeZone.of(start.timeZone)),
    ...(start.enabled === undefined ? {} : { enabled: start.enabled }),
    target: new StepFunctionsStartExecution(start.stateMachine, {
      input: ScheduleTargetInput.fromObject(start.input),
      deadLetterQueue: support.deadLetterQueue,
      retryAttempts: 3,
      maxEventAge: start.maxEventAge,
    }),
  });
}
