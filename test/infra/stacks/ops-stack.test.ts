import { existsSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { REPO_ROOT } from '../../../infra/constructs/ops-function.ts';
import {
  OpsStack,
  SCHEDULED_BACKUP_INPUT,
  SCHEDULED_VALIDATE_PLATFORM_INPUT,
  scheduledVerifyBackupInput,
} from '../../../infra/stacks/ops-stack.ts';
import { BACKUP_HANDLERS } from '../../../workflows/backup.workflow.ts';
import { PROVISION_HANDLERS } from '../../../workflows/provision.workflow.ts';
import { RESTORE_HANDLERS } from '../../../workflows/restore.workflow.ts';
import { VALIDATE_PLATFORM_HANDLERS } from '../../../workflows/validate-platform.workflow.ts';
import { VERIFY_BACKUP_HANDLERS } from '../../../workflows/verify-backup.workflow.ts';
import {
  acknowledgementAudit,
  asList,
  policyStatements,
  resourcesOfType,
  type SynthesizedEnvironment,
  synthesizeEnvironment,
  validationReport,
} from '../template-helpers.ts';

const environments = {} as Record<EnvironmentName, SynthesizedEnvironment>;
const ALL_HANDLERS = [
  ...new Set([
    ...VALIDATE_PLATFORM_HANDLERS,
    ...BACKUP_HANDLERS,
    ...VERIFY_BACKUP_HANDLERS,
    ...RESTORE_HANDLERS,
    ...PROVISION_HANDLERS,
  ]),
];
const WORKFLOW_NAMES = ['validate-platform', 'backup', 'verify-backup', 'restore', 'provision'];
const WORKFLOWS = WORKFLOW_NAMES.length;
const BACKUP_ALARMS = 2;

beforeAll(() => {
  for (const name of ENVIRONMENT_NAMES) {
    // One environment also runs CDK's CloudFormation schema validation (about 10 s).
    environments[name] = synthesizeEnvironment(name, { cloudFormationValidation: name === 'production' });
  }
}, 180_000);

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
    // validate-platform, backup, and one verify-backup per configured bucket.
    template().resourceCountIs('AWS::Scheduler::Schedule', 2 + config.backup.sourceBuckets.length);
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

  it('starts the backup on its own schedule (daily, hourly in production) with the default buckets', () => {
    const { expression, timeZone } = config.schedules.backup;
    expect(expression).toMatch(
      name === 'production' ? /^cron\(\d+ \* \* \* \? \*\)$/ : /^cron\(\d+ \d+ \* \* \? \*\)$/,
    );
    template().hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: `lakehouse-ops-${name}-backup`,
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: timeZone,
      Target: Match.objectLike({
        Arn: { Ref: Match.stringLikeRegexp('^BackupStateMachine') },
        Input: JSON.stringify(SCHEDULED_BACKUP_INPUT),
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScheduleDeadLetterQueue'), 'Arn'] },
        },
      }),
    });
  });

  it('verifies the newest backup of each configured bucket on a schedule after the backup', () => {
    const { expression, timeZone } = config.schedules.verifyBackup;
    expect(expression).not.toBe(config.schedules.backup.expression);
    expect(config.backup.sourceBuckets.length).toBeGreaterThan(0);
    for (const sourceBucket of config.backup.sourceBuckets) {
      template().hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: `lakehouse-ops-${name}-verify-backup-${sourceBucket}`,
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: timeZone,
        State: 'ENABLED',
        Target: Match.objectLike({
          Arn: { Ref: Match.stringLikeRegexp('^VerifyBackupStateMachine') },
          Input: JSON.stringify({ sourceBucket, requestedBy: 'schedule' }),
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScheduleDeadLetterQueue'), 'Arn'] },
          },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 1800 },
        }),
      });
    }
    expect(scheduledVerifyBackupInput('lake')).toEqual({ sourceBucket: 'lake', requestedBy: 'schedule' });
  });

  it('keeps a primary-region work bucket for the ItemReader, private and short-lived', () => {
    template().hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            ExpirationInDays: 7,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
        ],
      },
    });
  });

  it('backs up the tagged EBS volumes on the environment cadence and copies them to the DR vault', () => {
    const retention = config.backup.retentionDays;
    template().hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanName: `lakehouse-ops-${name}-volumes`,
        BackupPlanRule: [
          Match.objectLike({
            ScheduleExpression:
              config.backup.cadence === 'hourly' ? 'cron(0 * * * ? *)' : 'cron(0 3 * * ? *)',
            Lifecycle: { DeleteAfterDays: retention },
            CopyActions: [
              {
                DestinationBackupVaultArn: Match.objectLike({
                  'Fn::Join': [
                    '',
                    Match.arrayWith([
                      `:backup:${config.drRegion}:`,
                      `:backup-vault:lakehouse-ops-${name}-dr`,
                    ]),
                  ],
                }),
                Lifecycle: { DeleteAfterDays: retention },
              },
            ],
          }),
        ],
      },
    });
    template().hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        ListOfTags: [
          { ConditionKey: 'lakehouse-ops/backup', ConditionType: 'STRINGEQUALS', ConditionValue: 'true' },
        ],
      }),
    });
    template().hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: `lakehouse-ops-${name}`,
    });
  });

  it('grants the backup functions only their prefixes of the backup bucket', () => {
    const written = (prefix: string) =>
      policyStatements(template(), prefix)
        .filter((statement) => asList(statement.Action).includes('s3:PutObject'))
        .map((statement) => JSON.stringify(statement.Resource));
    expect(written('PlanBackupFunction').join()).toMatch(/runs\/\*/);
    expect(written('PlanBackupFunction').join()).not.toMatch(/(data|manifests)\/\*/);
    expect(written('CopyBackupBatchFunction').join()).toMatch(/data\/\*/);
    expect(written('CopyBackupBatchFunction').join()).not.toMatch(/manifests\/\*/);
    expect(written('PruneBackupsFunction')).toEqual([]);
    const pruneDeletes = policyStatements(template(), 'PruneBackupsFunction').filter((statement) =>
      asList(statement.Action).includes('s3:DeleteObject'),
    );
    expect(JSON.stringify(pruneDeletes)).not.toMatch(/runs\/\*/);
    const lockStatements = policyStatements(template(), 'AcquireBackupLockFunction').filter((statement) =>
      asList(statement.Action).includes('dynamodb:PutItem'),
    );
    expect(lockStatements).toEqual([
      expect.objectContaining({
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOCK#backup#*'] } },
      }),
    ]);
  });

  it.each(WORKFLOW_NAMES)(
    'names the %s state machine for the operators and logs and traces it',
    (workflow) => {
      template().resourceCountIs('AWS::StepFunctions::StateMachine', WORKFLOWS);
      template().hasResource('AWS::StepFunctions::StateMachine', {
        Metadata: { 'lakehouse-ops:workflow': workflow },
        Properties: Match.objectLike({
          StateMachineName: `lakehouse-ops-${name}-${workflow}`,
          LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
          TracingConfiguration: { Enabled: true },
        }),
      });
      template().hasResource('AWS::Logs::LogGroup', {
        Properties: Match.objectLike({
          LogGroupName: `/aws/vendedlogs/states/lakehouse-ops-${name}-${workflow}`,
          RetentionInDays: config.logRetentionDays,
        }),
        DeletionPolicy: name === 'production' ? 'Retain' : 'Delete',
      });
    },
  );

  it('deploys one traced Node 24 ARM function per handler, marked with its existing module', () => {
    const functions = Object.values(resourcesOfType(template(), 'AWS::Lambda::Function'));
    const modules = functions.map((fn) => fn.Metadata?.['lakehouse-ops:handler'] as string);
    expect(modules.sort()).toEqual(ALL_HANDLERS.map((handler) => `functions/${handler}.handler.ts`).sort());
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
      /^(xray:|logs:(Create|Get|Update|Delete|List)LogDelivery|logs:ListLogDeliveries|logs:(PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$|backup:DescribeBackupJob$)/;
    const wildcardActions = policyStatements(template(), '')
      .filter((statement) => statement.Resource === '*')
      .flatMap((statement) => asList(statement.Action));
    expect(wildcardActions.length).toBeGreaterThan(0);
    for (const action of wildcardActions) expect(action).toMatch(resourceless);
    // Each documented exception only where it is needed: X-Ray in every traced role, log delivery
    // in the state machine roles, DescribeBackupJob in the one function that polls the jobs.
    const owners = (action: RegExp) =>
      Object.entries(resourcesOfType(template(), 'AWS::IAM::Policy'))
        .filter(([, policy]) =>
          (
            policy.Properties.PolicyDocument as {
              Statement: { Action: string | string[]; Resource: unknown }[];
            }
          ).Statement.some(
            (statement) =>
              statement.Resource === '*' && asList(statement.Action).some((each) => action.test(each)),
          ),
        )
        .map(([logicalId]) => logicalId);
    for (const owner of owners(/^logs:/)) expect(owner).toMatch(/StateMachineRole/);
    expect(owners(/^logs:/)).toHaveLength(WORKFLOWS);
    for (const owner of owners(/^backup:/)) expect(owner).toMatch(/^CheckVolumeBackupFunction/);
    expect(owners(/^xray:/).length).toBeGreaterThanOrEqual(ALL_HANDLERS.length + WORKFLOWS);
  });

  it('alarms on failed and timed-out executions, every function and dead letters, to the topic', () => {
    const alarms = Object.values(resourcesOfType(template(), 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(2 * WORKFLOWS + ALL_HANDLERS.length + 1 + BACKUP_ALARMS);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^NotificationTopic/) }]);
    }
    const metricNames = alarms.map((alarm) => alarm.Properties.MetricName);
    expect(metricNames.filter((metric) => metric === 'ExecutionsFailed')).toHaveLength(WORKFLOWS);
    expect(metricNames.filter((metric) => metric === 'ExecutionsTimedOut')).toHaveLength(WORKFLOWS);
    expect(metricNames.filter((metric) => metric === 'Errors')).toHaveLength(ALL_HANDLERS.length);
    expect(metricNames).toContain('ApproximateNumberOfMessagesVisible');
    expect(metricNames).toEqual(expect.arrayContaining(['NumberOfBackupJobsFailed', 'BackupAchievedRpo']));
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
    for (const metric of [
      'BackupObjectsCopied',
      'BackupThroughput',
      'BackupAchievedRpo',
      'NumberOfBackupJobsFailed',
      'VerifyBackupSucceeded',
    ]) {
      expect(body).toContain(metric);
    }
    for (const sourceBucket of config.backup.sourceBuckets) expect(body).toContain(sourceBucket);
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
    const { acknowledgements, withoutFinding } = acknowledgementAudit(environments[name].app);
    expect(acknowledgements).toBeGreaterThan(0);
    expect(withoutFinding).toEqual([]);
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
