import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import {
  REPLICATION_HANDLERS,
  replicationWebhookSecretName,
} from '../../../infra/stacks/replication-functions.ts';
import {
  asList,
  handlerModulesByLogicalId,
  policyStatements,
  resourcesOfType,
  synthesizeEveryEnvironmentBeforeAll,
} from '../template-helpers.ts';

const synthesized = synthesizeEveryEnvironmentBeforeAll();

type Properties = Record<string, unknown>;

describe.each(ENVIRONMENT_NAMES)('ReplicationStack (%s)', (name) => {
  const template = () => synthesized(name).replicationTemplate;
  const config = loadEnvironmentConfig(name);
  const functionIdOf = (handler: string) => {
    const entry = Object.entries(handlerModulesByLogicalId(template())).find(
      ([, module]) => module === `functions/${handler}.handler.ts`,
    );
    if (!entry) throw new Error(`no function for ${handler}`);
    return entry[0];
  };
  /** Every statement of the role of one function. */
  const statementsOf = (handler: string) => {
    const fn = resourcesOfType(template(), 'AWS::Lambda::Function')[functionIdOf(handler)]!;
    const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    return Object.values(resourcesOfType(template(), 'AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: role }]))
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Properties[] }).Statement);
  };
  const actionsOf = (handler: string) =>
    statementsOf(handler).flatMap((statement) => asList(statement.Action as string | string[]));

  it('deploys one function per replication handler', () => {
    expect(Object.values(handlerModulesByLogicalId(template())).sort()).toEqual(
      REPLICATION_HANDLERS.map((handler) => `functions/${handler}.handler.ts`).sort(),
    );
  });

  it('queues events with a dead-letter queue after the configured deliveries, visible longer than a replicate run', () => {
    template().hasResourceProperties('AWS::SQS::Queue', {
      QueueName: `lakehouse-ops-${name}-replication`,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 1800,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReplicationDeadLetterQueue'), 'Arn'] },
        maxReceiveCount: config.dr.replication.maxReceiveCount,
      },
    });
    const replicate = resourcesOfType(template(), 'AWS::Lambda::Function')[
      functionIdOf('replicate-objects')
    ]!;
    expect(replicate.Properties.Timeout).toBe(300);
  });

  it('feeds replicate-objects from the queue in batches, reporting failures per message', () => {
    template().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionIdOf('replicate-objects') },
      BatchSize: config.dr.replication.batchSize,
      MaximumBatchingWindowInSeconds: 2,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it("takes MinIO's webhook on a Function URL that authenticates in code, with the token in a generated secret", () => {
    template().hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [functionIdOf('replication-ingress'), 'Arn'] },
    });
    template().hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: replicationWebhookSecretName(config),
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'token', ExcludePunctuation: true }),
    });
  });

  it('reconciles on the configured schedule and measures the lag every minute, each with a dead-letter queue', () => {
    for (const [schedule, expression] of [
      ['reconcile-replication', config.dr.replication.reconcileSchedule],
      ['measure-replication-lag', 'rate(1 minute)'],
    ] as const) {
      template().hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: `lakehouse-ops-${name}-${schedule}`,
        ScheduleExpression: expression,
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionIdOf(schedule), 'Arn'] },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      });
    }
  });

  it('alarms when the lag reaches the configured threshold, and when it is not measured at all', () => {
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `lakehouse-ops-${name}-replication-lag`,
      MetricName: 'ReplicationLag',
      Namespace: 'LakehouseOps',
      Dimensions: Match.arrayWith([{ Name: 'environment', Value: name }]),
      Threshold: config.dr.replication.lagAlarmSeconds,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'breaching',
    });
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `lakehouse-ops-${name}-replication-dead-letters`,
    });
  });

  it('lets only the copying functions into the VPC (they reach MinIO)', () => {
    const functions = resourcesOfType(template(), 'AWS::Lambda::Function');
    const inVpc = REPLICATION_HANDLERS.filter(
      (handler) => functions[functionIdOf(handler)]!.Properties.VpcConfig !== undefined,
    );
    expect(inVpc.sort()).toEqual(['reconcile-replication', 'replicate-objects']);
  });

  it('grants each function only its part: the queue, the pending journal, the replica prefixes', () => {
    expect(actionsOf('replication-ingress')).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 'dynamodb:BatchWriteItem', 'secretsmanager:GetSecretValue']),
    );
    expect(actionsOf('replication-ingress').some((action) => action.startsWith('s3:'))).toBe(false);
    expect(actionsOf('measure-replication-lag').filter((action) => action.startsWith('dynamodb:'))).toEqual([
      'dynamodb:Query',
    ]);
    const pendingOnly = statementsOf('reconcile-replication').filter((statement) =>
      asList(statement.Action as string | string[]).some((action) => action.startsWith('dynamodb:')),
    );
    for (const statement of pendingOnly) {
      expect(JSON.stringify(statement.Condition)).toContain('REPLICATION#PENDING#*');
    }
    const objects = statementsOf('replicate-objects').find((statement) =>
      asList(statement.Action as string | string[]).includes('s3:PutObject'),
    );
    const resources = JSON.stringify(objects?.Resource);
    for (const bucket of config.backup.sourceBuckets) expect(resources).toContain(`/${bucket}/*`);
    expect(actionsOf('replicate-objects')).not.toContain('s3:PutBucketPolicy');
  });

  it('has no statement with "*" as a resource outside the network-interface and X-Ray rights', () => {
    for (const statement of policyStatements(template(), '')) {
      if (!asList(statement.Resource as string | string[]).includes('*')) continue;
      for (const action of asList(statement.Action as string | string[])) {
        expect(action).toMatch(/^(ec2:|xray:)/);
      }
    }
  });
});
