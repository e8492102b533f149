import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ALERT_EVENT_SOURCE } from '../../functions/core/remediation/alert-event.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import { boundedName } from '../naming.ts';
import { alertRules } from './alert-rules.ts';
import { functionUrlOf } from './remediation-functions.ts';
import {
  alertEventBusName,
  alertWebhookSecretName,
  ampAlertTopicName,
  approvalSigningSecretName,
} from './remediation-naming.ts';

export interface AlertRemediationProps {
  readonly config: EnvironmentConfig;
  /** The ops key: it encrypts the Amazon Managed Prometheus topic too. */
  readonly key: Key;
  readonly remediate: IStateMachine;
  readonly alertIngress: OpsFunction;
  readonly alertIngressSns: OpsFunction;
  readonly approveRemediation: OpsFunction;
}

/** Events stay replayable this long (a remediate outage, a wrong route fixed afterwards). */
export const ALERT_ARCHIVE_RETENTION = Duration.days(30);
/**
 * An alert start EventBridge could not deliver within this is dead-lettered: the ingress publishes
 * each (fingerprint, startsAt, status) once, so a lost start is never sent again and must page.
 */
export const ALERT_START_MAX_AGE = Duration.hours(1);
/** EventBridge Rule names: at most 64 characters. */
const RULE_NAME_LENGTH = 64;
/**
 * The signing key's length in generated letters and digits, which are base64 characters: read as
 * base64 they give 48 bytes, above approval-link.ts's MIN_SIGNING_KEY_BYTES (about 380 random bits).
 */
export const SIGNING_KEY_CHARACTERS = 64;

/**
 * Everything around the remediate workflow that brings alerts to it and answers its approvals:
 *
 *     Alertmanager --webhook--> alert-ingress (Function URL) --\
 *     Amazon Managed Prometheus --SNS topic--> alert-ingress-sns --> alert bus --rules--> remediate
 *     approver --signed link--> approve-remediation (Function URL) --SendTask*--> remediate
 *
 * One dead-letter queue takes every alert that did not make it: SNS deliveries to
 * alert-ingress-sns, its invocations that failed after Lambda's retries, and rule targets
 * EventBridge could not start. The secrets are created here with generated values: the webhook's
 * (with the URL Alertmanager posts to, read by the cluster's External Secrets) and the approval
 * links' signing key.
 */
export class AlertRemediation extends Construct {
  readonly eventBus: EventBus;
  readonly rules: Rule[];
  readonly ampTopic: Topic;
  readonly deadLetterQueue: Queue;
  readonly webhookSecret: Secret;
  readonly approvalSigningSecret: Secret;
  /** Where Alertmanager's webhook posts (also the webhook secret's `url`). */
  readonly webhookUrl: string;
  /** Where the approve and reject links point. */
  readonly approvalUrl: string;

  constructor(scope: Construct, id: string, props: AlertRemediationProps) {
    super(scope, id);
    const { config } = props;
    const prefix = `lakehouse-ops-${config.name}`;
    const account = Stack.of(this).account;

    this.deadLetterQueue = new Queue(this, 'AlertDeadLetterQueue', {
      queueName: `${prefix}-alert-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the alert path (SNS delivery, alert-ingress-sns on failure, the alert rules); it has no consumer to fail',
    });

    // The bus and its rules.
    this.eventBus = new EventBus(this, 'AlertEventBus', { eventBusName: alertEventBusName(config) });
    this.eventBus.archive('AlertArchive', {
      archiveName: `${prefix}-alerts`,
      description: 'Every alert event, for replay into the remediate workflow',
      eventPattern: { source: [ALERT_EVENT_SOURCE] },
      retention: ALERT_ARCHIVE_RETENTION,
    });
    const target = new SfnStateMachine(props.remediate, {
      deadLetterQueue: this.deadLetterQueue,
      maxEventAge: ALERT_START_MAX_AGE,
      retryAttempts: 20,
    });
    this.rules = alertRules(config.remediation).map(
      (rule) =>
        new Rule(this, rule.id, {
          ruleName: boundedName(`${prefix}-${rule.id}`, RULE_NAME_LENGTH),
          description: rule.description,
          eventBus: this.eventBus,
          eventPattern: rule.pattern,
          // Input left out: the target receives the whole event, as resolve-remediation expects.
          targets: [target],
        }),
    );

    // Amazon Managed Prometheus's alert manager publishes to this topic.
    this.ampTopic = new Topic(this, 'AmpAlertTopic', {
      topicName: ampAlertTopicName(config),
      displayName: `lakehouse-ops ${config.name} Amazon Managed Prometheus alerts`,
      masterKey: props.key,
      enforceSSL: true,
    });
    const fromAmpWorkspaces = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: {
        'aws:SourceArn': Stack.of(this).formatArn({
          service: 'aps',
          resource: 'workspace',
          resourceName: '*',
        }),
      },
    };
    this.ampTopic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('aps.amazonaws.com')],
        actions: ['sns:Publish', 'sns:GetTopicAttributes'],
        resources: [this.ampTopic.topicArn],
        conditions: fromAmpWorkspaces,
      }),
    );
    // The topic is encrypted: AMP publishes through SNS with this key.
    props.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('aps.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    this.ampTopic.addSubscription(
      new LambdaSubscription(props.alertIngressSns, { deadLetterQueue: this.deadLetterQueue }),
    );
    // A failed publish fails the invocation (sns-alerts.ts): Lambda retries it, then dead-letters it.
    props.alertIngressSns.configureAsyncInvoke({
      onFailure: new SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: ALERT_START_MAX_AGE,
    });

    // The Function URLs (created with their functions, remediation-functions.ts).
    this.webhookUrl = functionUrlOf(props.alertIngress).url;
    this.approvalUrl = functionUrlOf(props.approveRemediation).url;

    this.webhookSecret = new Secret(this, 'AlertWebhookSecret', {
      secretName: alertWebhookSecretName(config),
      description: `lakehouse-ops ${config.name}: the URL Alertmanager posts alerts to and its bearer token`,
      generateSecretString: {
        secretStringTemplate: Stack.of(this).toJsonString({ url: this.webhookUrl }),
        generateStringKey: 'token',
        passwordLength: 48,
        excludePunctuation: true,
      },
    });
    Validations.of(this.webhookSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotated by hand (runbooks/remediate.md): the token is mounted into Alertmanager by External Secrets, which refreshes on its own interval, and the ingress caches it 5 minutes; a rotation Lambda cannot order those, so an automatic rotation would drop alerts in between',
    });
    this.approvalSigningSecret = approvalSigningSecret(this, config);
  }
}

/**
 * The HMAC key of the approve and reject links: request-approval signs with it, approve-remediation
 * checks. Each region that runs approving workflows has its own (the DR control plane too), so an
 * approval never depends on the other region.
 */
export function approvalSigningSecret(scope: Construct, config: EnvironmentConfig): Secret {
  const secret = new Secret(scope, 'ApprovalSigningSecret', {
    secretName: approvalSigningSecretName(config),
    description: `lakehouse-ops ${config.name}: the HMAC key of the approve and reject links`,
    generateSecretString: {
      secretStringTemplate: '{}',
      generateStringKey: 'key',
      passwordLength: SIGNING_KEY_CHARACTERS,
      excludePunctuation: true,
    },
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'Rotated by hand (runbooks/remediate.md): a new key invalidates the links of every pending approval, which an operator must then re-send, so rotation is a decision and not a schedule',
  });
  return secret;
}
