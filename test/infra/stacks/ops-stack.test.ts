import { existsSync } from 'node:fs';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { REPO_ROOT } from '../../../infra/constructs/ops-function.ts';
import { OpsStack, SCHEDULED_VALIDATE_PLATFORM_INPUT } from '../../../infra/stacks/ops-stack.ts';
import { VALIDATE_PLATFORM_HANDLERS } from '../../../workflows/validate-platform.workflow.ts';
import {
  resourcesOfType,
  type SynthesizedEnvironment,
  synthesizeEnvironment,
  validationReport,
} from '../template-helpers.ts';

const environments = {} as Record<EnvironmentName, SynthesizedEnvironment>;

beforeAll(() => {
  for (const name of ENVIRONMENT_NAMES) {
    // One environment also runs CDK's CloudFormation schema validation (about 10 s).
    environments[name] = synthesizeEnvironment(name, { cloudFormationValidation: name === 'production' });
  }
}, 180_000);

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function policyStatements(template: Template, logicalIdPrefix: string): Statement[] {
  return Object.entries(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter(([logicalId]) => logicalId.startsWith(logicalIdPrefix))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

describe.each(ENVIRONMENT_NAMES)('OpsStack (%s)', (name) => {
  const template = () => environments[name].template;
  const config = loadEnvironmentConfig(name);

  it('keeps the ops table recoverable and encrypted with the stack key', () => {
    template().hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'audit-by-time' })],
    });
    template().hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts the notification topic and refuses publishing without TLS', () => {
    template().hasResourceProperties('AWS::SNS::Topic', {
      TopicName: `lakehouse-ops-${name}-notifications`,
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
    template().hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('starts validate-platform on the environment schedule with a dead-letter queue', () => {
    const { expression, timeZone } = config.schedules.validatePlatform;
    template().resourceCountIs('AWS::Scheduler::Schedule', 1);
    template().hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `lakehouse-ops-${name}-validate-platform`,
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: timeZone,
      State: 'ENABLED',
      Target: {
        Arn: { Ref: Match.stringLikeRegexp('^ValidatePlatformStateMachine') },
        Input: JSON.stringify(SCHEDULED_VALIDATE_PLATFORM_INPUT),
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScheduleDeadLetterQueue'), 'Arn'] },
        },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
      },
    });
  });

  it('names the state machine for the operators and logs and traces it', () => {
    template().hasResource('AWS::StepFunctions::StateMachine', {
      Metadata: { 'lakehouse-ops:workflow': 'validate-platform' },
      Properties: Match.objectLike({
        StateMachineName: `lakehouse-ops-${name}-validate-platform`,
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
        TracingConfiguration: { Enabled: true },
      }),
    });
    template().hasResource('AWS::Logs::LogGroup', {
      Properties: Match.objectLike({
        LogGroupName: `/aws/vendedlogs/states/lakehouse-ops-${name}-validate-platform`,
        RetentionInDays: config.logRetentionDays,
      }),
      DeletionPolicy: name === 'production' ? 'Retain' : 'Delete',
    });
  });

  it('deploys one traced Node 24 ARM function per handler, marked with its existing module', () => {
    const functions = Object.values(resourcesOfType(template(), 'AWS::Lambda::Function'));
    const modules = functions.map((fn) => fn.Metadata?.['lakehouse-ops:handler'] as string);
    expect(modules.sort()).toEqual(
      VALIDATE_PLATFORM_HANDLERS.map((handler) => `functions/${handler}.handler.ts`).sort(),
    );
    for (const module of modules) expect(existsSync(path.join(REPO_ROOT, module))).toBe(true);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/LogGroup/) } },
        Environment: {
          Variables: expect.objectContaining({
            POWERTOOLS_SERVICE_NAME: 'lakehouse-ops',
            POWERTOOLS_METRICS_NAMESPACE: 'LakehouseOps',
          }),
        },
      });
      expect(fn.Properties.Timeout).toBeGreaterThan(3);
    }
  });

  it('points the Kubernetes checks at the environment cluster and gives EKS reads on it only', () => {
    template().hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: `lakehouse-ops-${name}-check-nodes`,
      Environment: { Variables: Match.objectLike({ CLUSTER_NAME: config.clusterName }) },
    });
    const eksStatements = policyStatements(template(), 'Check').filter((statement) =>
      asList(statement.Action).some((action) => action.startsWith('eks:')),
    );
    expect(eksStatements.length).toBeGreaterThanOrEqual(6);
    for (const statement of eksStatements) {
      expect(JSON.stringify(statement.Resource)).toMatch(
        new RegExp(`:(cluster/${config.clusterName}|nodegroup/${config.clusterName}/\\*/\\*)"`),
      );
    }
  });

  it('grants "*" only to actions that have no resource-level permissions', () => {
    const resourceless =
      /^(xray:|logs:(Create|Get|Update|Delete|List)LogDelivery|logs:ListLogDeliveries|logs:(PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$)/;
    const wildcardActions = policyStatements(template(), '')
      .filter((statement) => statement.Resource === '*')
      .flatMap((statement) => asList(statement.Action));
    expect(wildcardActions.length).toBeGreaterThan(0);
    for (const action of wildcardActions) expect(action).toMatch(resourceless);
  });

  it('alarms on failed and timed-out executions, every function and dead letters, to the topic', () => {
    const alarms = Object.values(resourcesOfType(template(), 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(2 + VALIDATE_PLATFORM_HANDLERS.length + 1);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^NotificationTopic/) }]);
    }
    const metricNames = alarms.map((alarm) => alarm.Properties.MetricName);
    expect(metricNames.filter((metric) => metric === 'ExecutionsFailed')).toHaveLength(1);
    expect(metricNames.filter((metric) => metric === 'ExecutionsTimedOut')).toHaveLength(1);
    expect(metricNames.filter((metric) => metric === 'Errors')).toHaveLength(
      VALIDATE_PLATFORM_HANDLERS.length,
    );
    expect(metricNames).toContain('ApproximateNumberOfMessagesVisible');
  });

  it('lets CloudWatch alarms use the key that encrypts the topic', () => {
    template().hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
  });

  it('has a dashboard of executions, errors and durations', () => {
    const [dashboard] = Object.values(resourcesOfType(template(), 'AWS::CloudWatch::Dashboard'));
    expect(dashboard?.Properties.DashboardName).toBe(`lakehouse-ops-${name}`);
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of [
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'Errors',
      'Duration',
    ]) {
      expect(body).toContain(metric);
    }
    expect(body).toContain('p99');
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    const reports = validationReport(environments[name].assemblyDirectory);
    expect(
      reports.flatMap((report) =>
        report.violations.map((violation) => `${report.pluginName}: ${violation.ruleName}`),
      ),
    ).toEqual([]);
  });

  it('acknowledges only findings that exist, each on the construct that has it', () => {
    const findings = unacknowledgedFindings(environments[name].app);
    const acknowledgements = acknowledgementsIn(environments[name].app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { constructPath, ruleId, reason } of acknowledgements) {
      expect(reason.length).toBeGreaterThan(20);
      const matching = findings.filter(
        (finding) =>
          finding.ruleId === ruleId &&
          (finding.constructPath === constructPath || finding.constructPath.startsWith(`${constructPath}/`)),
      );
      expect(matching, `${ruleId} on ${constructPath}`).not.toEqual([]);
    }
  });
});

describe('OpsStack notifications', () => {
  it('subscribes each configured e-mail address to the topic', () => {
    const config = {
      ...loadEnvironmentConfig('development'),
      notifications: { emails: ['oncall@example.com', 'lead@example.com'] },
    };
    const stack = new OpsStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'EmailTest', {
      config,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });
});

interface Finding {
  ruleId: string;
  constructPath: string;
}

/** Every AwsSolutions finding, acknowledged or not: cdk-nag with its acknowledgement check off. */
function unacknowledgedFindings(app: App): Finding[] {
  const checks = new AwsSolutionsChecks();
  Object.defineProperty(checks, 'isAcknowledged', { value: () => false });
  return checks.validateScope(app).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      ruleId: violation.ruleName,
      constructPath: resource.constructPath ?? '',
    })),
  );
}

function acknowledgementsIn(app: App): { constructPath: string; ruleId: string; reason: string }[] {
  return app.node.findAll().flatMap((construct: IConstruct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          constructPath: construct.node.path,
          ruleId: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}
