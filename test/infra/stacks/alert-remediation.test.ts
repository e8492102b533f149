import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MIN_SIGNING_KEY_BYTES } from '../../../functions/core/remediation/approval/approval-link.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import {
  ALERT_ARCHIVE_RETENTION,
  ALERT_START_MAX_AGE,
  SIGNING_KEY_CHARACTERS,
} from '../../../infra/stacks/alert-remediation.ts';
import { alertRules } from '../../../infra/stacks/alert-rules.ts';
import {
  handlerModulesByLogicalId,
  onlyLogicalIdOf,
  resourcesOfType,
  synthesizeBeforeAll,
} from '../template-helpers.ts';

const ENVIRONMENT = 'production';
const config = loadEnvironmentConfig(ENVIRONMENT);
const synthesized = synthesizeBeforeAll(ENVIRONMENT);
const template = () => synthesized().template;
const logicalIdOf = (handler: string) =>
  Object.entries(handlerModulesByLogicalId(template())).find(
    ([, module]) => module === `functions/${handler}.handler.ts`,
  )![0];
const remediateStateMachine = () =>
  Object.entries(resourcesOfType(template(), 'AWS::StepFunctions::StateMachine')).find(
    ([, machine]) => machine.Metadata?.['lakehouse-ops:workflow'] === 'remediate',
  )![0];
const deadLetterQueue = () =>
  Object.entries(resourcesOfType(template(), 'AWS::SQS::Queue')).find(
    ([, queue]) => queue.Properties.QueueName === `lakehouse-ops-${ENVIRONMENT}-alert-dlq`,
  )![0];

describe('AlertRemediation', () => {
  it('publishes to a custom alert bus whose events are archived for replay', () => {
    const bus = Object.entries(resourcesOfType(template(), 'AWS::Events::EventBus')).find(
      ([, resource]) => resource.Properties.Name === `lakehouse-ops-${ENVIRONMENT}-alerts`,
    );
    expect(bus).toBeDefined();
    template().hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [bus![0], 'Arn'] },
      EventPattern: { source: ['lakehouse-ops.alerts'] },
      RetentionDays: ALERT_ARCHIVE_RETENTION.toDays(),
    });
  });

  it('creates each configured rule on the alert bus, starting remediate with the whole event', () => {
    const rules = Object.values(resourcesOfType(template(), 'AWS::Events::Rule'));
    const expected = alertRules(config.remediation);
    expect(rules).toHaveLength(expected.length);
    expect(expected.length).toBe(config.remediation.routes.length + 3);
    for (const rule of expected) {
      const { source, detailType, detail } = rule.pattern;
      const deployed = rules.find(
        (candidate) =>
          JSON.stringify(candidate.Properties.EventPattern) ===
          JSON.stringify({ source, 'detail-type': detailType, detail }),
      );
      expect(deployed, rule.id).toBeDefined();
      expect(deployed!.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/AlertEventBus/) });
      const targets = deployed!.Properties.Targets as Record<string, unknown>[];
      expect(targets).toEqual([
        {
          Id: expect.any(String),
          Arn: { Ref: remediateStateMachine() },
          RoleArn: expect.anything(),
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetterQueue(), 'Arn'] } },
          RetryPolicy: {
            MaximumEventAgeInSeconds: ALERT_START_MAX_AGE.toSeconds(),
            MaximumRetryAttempts: 20,
          },
        },
      ]);
      // No Input, InputPath or InputTransformer: resolve-remediation receives the event itself.
    }
  });

  it('exposes the webhook and the approval links as Function URLs with auth type NONE, and says why', () => {
    const urls = Object.values(resourcesOfType(template(), 'AWS::Lambda::Url'));
    expect(urls.map((url) => url.Properties.TargetFunctionArn)).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [logicalIdOf('alert-ingress'), 'Arn'] },
        { 'Fn::GetAtt': [logicalIdOf('approve-remediation'), 'Arn'] },
      ]),
    );
    expect(urls).toHaveLength(2);
    for (const url of urls) expect(url.Properties.AuthType).toBe('NONE');
    const outputs = template().toJSON().Outputs as Record<string, { Description?: string; Value: unknown }>;
    expect(outputs.AlertWebhookUrl?.Description).toMatch(/Auth type NONE: .*bearer token/);
    expect(outputs.ApprovalUrl?.Description).toMatch(/Auth type NONE: .*HMAC-signed/);
    for (const name of ['RemediateStateMachineArn', 'AmpAlertTopicArn', 'AlertEventBusName']) {
      expect(outputs[name], name).toBeDefined();
    }
  });

  it('lets Amazon Managed Prometheus workspaces of this account publish to an encrypted topic', () => {
    const topic = Object.entries(resourcesOfType(template(), 'AWS::SNS::Topic')).find(
      ([, resource]) => resource.Properties.TopicName === `lakehouse-ops-${ENVIRONMENT}-amp-alerts`,
    )!;
    expect(topic[1].Properties.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [onlyLogicalIdOf(template(), 'AWS::KMS::Key'), 'Arn'],
    });
    template().hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic[0] }],
      PolicyDocument: {
        // In the order CDK writes them: TLS only, then the AMP grant.
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'aps.amazonaws.com' },
            Action: ['sns:Publish', 'sns:GetTopicAttributes'],
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', Match.arrayWith([`:aps:${config.region}:`, ':workspace/*'])],
                },
              },
            },
          }),
        ]),
      },
    });
    template().hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'aps.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    template().hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topic[0] },
      Endpoint: { 'Fn::GetAtt': [logicalIdOf('alert-ingress-sns'), 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterQueue(), 'Arn'] } },
    });
  });

  it('dead-letters failed alert-ingress-sns invocations after Lambda retries, into an encrypted queue with an alarm', () => {
    template().hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf('alert-ingress-sns') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [deadLetterQueue(), 'Arn'] } } },
    });
    const queue = resourcesOfType(template(), 'AWS::SQS::Queue')[deadLetterQueue()]!;
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    template().hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: deadLetterQueue() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `lakehouse-ops-${ENVIRONMENT}-alert-dead-letters`,
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueue(), 'QueueName'] } }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationTopic') }],
    });
  });

  it('generates the webhook token next to the URL Alertmanager posts to, and a long enough signing key', () => {
    template().hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: `lakehouse/${ENVIRONMENT}/alertmanager-webhook`,
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'token',
        ExcludePunctuation: true,
        SecretStringTemplate: {
          'Fn::Join': [
            '',
            Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('FunctionUrl'), 'FunctionUrl'] }]),
          ],
        },
      }),
    });
    template().hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: `lakehouse/${ENVIRONMENT}/approval-signing-key`,
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'key',
        ExcludePunctuation: true,
        PasswordLength: SIGNING_KEY_CHARACTERS,
      }),
    });
    // Letters and digits read as base64: 6 bits each.
    expect(Math.floor((SIGNING_KEY_CHARACTERS * 6) / 8)).toBeGreaterThanOrEqual(MIN_SIGNING_KEY_BYTES);
  });

  it('keeps the remediate execution history like the other workflows of the environment', () => {
    template().hasResource('AWS::Logs::LogGroup', {
      Properties: Match.objectLike({
        LogGroupName: `/aws/vendedlogs/states/lakehouse-ops-${ENVIRONMENT}-remediate`,
      }),
      DeletionPolicy: 'Retain',
    });
  });
});
