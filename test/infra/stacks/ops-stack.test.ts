import { existsSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { REPO_ROOT, VPC_NETWORK_INTERFACE_ACTIONS } from '../../../infra/constructs/ops-function.ts';
import { PLATFORM_ENDPOINTS, type PlatformEndpoint } from '../../../infra/stacks/ops-network.ts';
import {
  OpsStack,
  SCHEDULED_BACKUP_INPUT,
  SCHEDULED_VALIDATE_PLATFORM_INPUT,
  scheduledVerifyBackupInput,
} from '../../../infra/stacks/ops-stack.ts';
import { REMEDIATION_HANDLERS } from '../../../infra/stacks/remediation-functions.ts';
import { BACKUP_HANDLERS } from '../../../workflows/backup.workflow.ts';
import { PROVISION_HANDLERS } from '../../../workflows/provision.workflow.ts';
import { RESTORE_HANDLERS } from '../../../workflows/restore.workflow.ts';
import { VALIDATE_PLATFORM_HANDLERS } from '../../../workflows/validate-platform.workflow.ts';
import { VERIFY_BACKUP_HANDLERS } from '../../../workflows/verify-backup.workflow.ts';
import { endpointsReachedBy } from '../handler-endpoints.ts';
import {
  acknowledgementAudit,
  acknowledgementsIn,
  asList,
  importOf,
  onlyLogicalIdOf,
  policyStatements,
  resourcesOfType,
  type SynthesizedEnvironment,
  synthesizeEnvironment,
  validationReport,
} from '../template-helpers.ts';
import { clusterNetworkFixture } from './cluster-network-fixture.ts';

const environments = {} as Record<EnvironmentName, SynthesizedEnvironment>;
const ALL_HANDLERS = [
  ...new Set([
    ...VALIDATE_PLATFORM_HANDLERS,
    ...BACKUP_HANDLERS,
    ...VERIFY_BACKUP_HANDLERS,
    ...RESTORE_HANDLERS,
    ...PROVISION_HANDLERS,
    ...REMEDIATION_HANDLERS,
  ]),
];
const WORKFLOW_NAMES = ['validate-platform', 'backup', 'verify-backup', 'restore', 'provision', 'remediate'];
const WORKFLOWS = WORKFLOW_NAMES.length;
const BACKUP_ALARMS = 2;
/** The schedules' and the alerts' dead-letter queues. */
const DEAD_LETTER_QUEUES = 2;
/** Handler module -> the platform endpoints its code reaches (its import graph). */
let endpointsOf: Map<string, PlatformEndpoint[]>;

beforeAll(async () => {
  for (const name of ENVIRONMENT_NAMES) {
    // One environment also runs CDK's CloudFormation schema validation (about 10 s).
    environments[name] = synthesizeEnvironment(name, { cloudFormationValidation: name === 'production' });
  }
  endpointsOf = await endpointsReachedBy(ALL_HANDLERS.map((handler) => `functions/${handler}.handler.ts`));
}, 180_000);

describe.each(ENVIRONMENT_NAMES)('OpsStack (%s)', (name) => {
  const template = () => environments[name].template;
  const config = loadEnvironmentConfig(name);

  it('keeps the ops table recoverable, encrypted, and replicated to the DR region', () => {
    const replica = (region: string, kmsMasterKeyId: unknown) =>
      Match.objectLike({
        Region: region,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { KMSMasterKeyId: kmsMasterKeyId },
      });
    template().hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: `lakehouse-ops-${name}-ops`,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'audit-by-time' })],
    });
    const replicas = [
      replica(config.region, { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] }),
      // The BackupStack's key in drRegion, by alias: no cross-region reference.
      replica(config.drRegion, {
        'Fn::Join': ['', Match.arrayWith([`:alias/lakehouse-ops-${name}-ops-replica`])],
      }),
    ];
    for (const expected of replicas) {
      template().hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: Match.arrayWith([expected]),
      });
    }
    template().resourceCountIs('AWS::DynamoDB::Table', 0);
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
    // A run with nothing to copy commits its manifest from the plan; the plan never writes data.
    expect(written('PlanBackupFunction').join()).toMatch(/manifests\/\*/);
    expect(written('PlanBackupFunction').join()).not.toMatch(/data\/\*/);
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
    const networkInterfaceActions: readonly string[] = VPC_NETWORK_INTERFACE_ACTIONS;
    for (const action of wildcardActions.filter((each) => !networkInterfaceActions.includes(each))) {
      expect(action).toMatch(resourceless);
    }
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
    // Lambda's network-interface rights: in the VPC functions' roles, all of them, nowhere else.
    expect(owners(/^ec2:/).sort()).toEqual(vpcFunctionPolicies().sort());
    for (const statement of policyStatements(template(), '')) {
      const ec2 = asList(statement.Action).filter((action) => action.startsWith('ec2:'));
      if (ec2.length > 0) expect(ec2.sort()).toEqual([...VPC_NETWORK_INTERFACE_ACTIONS].sort());
    }
  });

  /** The logical ids of the functions with a VpcConfig. */
  const vpcFunctions = () =>
    Object.entries(resourcesOfType(template(), 'AWS::Lambda::Function'))
      .filter(([, fn]) => fn.Properties.VpcConfig !== undefined)
      .map(([logicalId]) => logicalId);
  /** The default policies of the VPC functions' roles (a Role's policy: <function id>Role...DefaultPolicy...). */
  const vpcFunctionPolicies = () => {
    const functions = resourcesOfType(template(), 'AWS::Lambda::Function');
    return vpcFunctions().map((logicalId) => {
      const role = (functions[logicalId]!.Properties.Role as { 'Fn::GetAtt': [string, string] })[
        'Fn::GetAtt'
      ][0];
      const policies = Object.entries(resourcesOfType(template(), 'AWS::IAM::Policy'))
        .filter(([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: role }]))
        .map(([policyId]) => policyId);
      expect(policies, logicalId).toHaveLength(1);
      return policies[0]!;
    });
  };

  it('runs exactly the functions that reach the Kubernetes API, MinIO, Prefect or monitoring in the cluster VPC', () => {
    const clusterTemplate = environments[name].clusterTemplate;
    const privateSubnets = Object.entries(resourcesOfType(clusterTemplate, 'AWS::EC2::Subnet'))
      .filter(([, subnet]) => subnet.Properties.MapPublicIpOnLaunch === false)
      .map(([logicalId]) => importOf(clusterTemplate, { Ref: logicalId }));
    expect(privateSubnets).toHaveLength(config.cluster.availabilityZones.length);
    const securityGroup = onlyLogicalIdOf(template(), 'AWS::EC2::SecurityGroup');
    const placed = new Set<PlatformEndpoint>();
    for (const fn of Object.values(resourcesOfType(template(), 'AWS::Lambda::Function'))) {
      const module = String(fn.Metadata?.['lakehouse-ops:handler']);
      const reaches = endpointsOf.get(module);
      expect(reaches, module).toBeDefined();
      if (reaches!.length === 0) {
        expect(fn.Properties.VpcConfig, `${module} calls only AWS APIs`).toBeUndefined();
        continue;
      }
      for (const endpoint of reaches!) placed.add(endpoint);
      const vpcConfig = fn.Properties.VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
      expect(vpcConfig, `${module} reaches ${reaches!.join(', ')}`).toBeDefined();
      expect(vpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [securityGroup, 'GroupId'] }]);
      expect(vpcConfig.SubnetIds).toHaveLength(privateSubnets.length);
      expect(vpcConfig.SubnetIds).toEqual(expect.arrayContaining(privateSubnets));
    }
    // Each endpoint is reached by some function, so the rule above was exercised for all of them.
    expect([...placed].sort()).toEqual([...PLATFORM_ENDPOINTS].sort());
  });

  it('lets the functions security group out only to the cluster API, MinIO, Prefect and monitoring in the VPC, and AWS over 443', () => {
    const clusterTemplate = environments[name].clusterTemplate;
    const securityGroup = onlyLogicalIdOf(template(), 'AWS::EC2::SecurityGroup');
    const vpcCidr = importOf(clusterTemplate, {
      'Fn::GetAtt': [onlyLogicalIdOf(clusterTemplate, 'AWS::EC2::VPC'), 'CidrBlock'],
    });
    const clusterSecurityGroup = importOf(clusterTemplate, {
      'Fn::GetAtt': [onlyLogicalIdOf(clusterTemplate, 'AWS::EKS::Cluster'), 'ClusterSecurityGroupId'],
    });
    const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443 };
    const egress = resourcesOfType(template(), 'AWS::EC2::SecurityGroup')[securityGroup]!.Properties
      .SecurityGroupEgress as Record<string, unknown>[];
    // Every configured endpoint is https without a port: one VPC rule on 443 names them all.
    expect(egress).toEqual([
      expect.objectContaining({ ...https, CidrIp: '0.0.0.0/0' }),
      expect.objectContaining({
        ...https,
        CidrIp: vpcCidr,
        Description: expect.stringMatching(/MinIO S3 API.*Prefect API.*Alertmanager API.*Prometheus API/),
      }),
    ]);
    const sourceGroup = { 'Fn::GetAtt': [securityGroup, 'GroupId'] };
    expect(Object.values(resourcesOfType(template(), 'AWS::EC2::SecurityGroupEgress'))).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          ...https,
          GroupId: sourceGroup,
          DestinationSecurityGroupId: clusterSecurityGroup,
        }),
      }),
    ]);
    // The private endpoint answers: the cluster security group admits the functions on 443 only.
    expect(Object.values(resourcesOfType(template(), 'AWS::EC2::SecurityGroupIngress'))).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          ...https,
          GroupId: clusterSecurityGroup,
          SourceSecurityGroupId: sourceGroup,
        }),
      }),
    ]);
  });

  it('alarms on failed and timed-out executions, every function and dead letters, to the topic', () => {
    const alarms = Object.values(resourcesOfType(template(), 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(2 * WORKFLOWS + ALL_HANDLERS.length + DEAD_LETTER_QUEUES + BACKUP_ALARMS);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^NotificationTopic/) }]);
    }
    const metricNames = alarms.map((alarm) => alarm.Properties.MetricName);
    expect(metricNames.filter((metric) => metric === 'ExecutionsFailed')).toHaveLength(WORKFLOWS);
    expect(metricNames.filter((metric) => metric === 'ExecutionsTimedOut')).toHaveLength(WORKFLOWS);
    expect(metricNames.filter((metric) => metric === 'Errors')).toHaveLength(ALL_HANDLERS.length);
    expect(metricNames.filter((metric) => metric === 'ApproximateNumberOfMessagesVisible')).toHaveLength(
      DEAD_LETTER_QUEUES,
    );
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

  it('gives the "*" of the network-interface rights its reason where, and only where, they are granted', () => {
    const { app, opsStack } = environments[name];
    const wildcardReasons = acknowledgementsIn(app).filter(
      ({ constructPath, ruleId }) =>
        ruleId === 'AwsSolutions-IAM5[Resource::*]' &&
        constructPath.startsWith(`${opsStack.node.path}/`) &&
        // The nested stacks' functions are checked on their own templates (cost-stack.test.ts, replication-stack.test.ts, dr-stack.test.ts).
        !constructPath.startsWith(`${opsStack.node.path}/Cost/`) &&
        !constructPath.startsWith(`${opsStack.node.path}/Replication/`) &&
        !constructPath.startsWith(`${opsStack.node.path}/DrAgents/`) &&
        /FunctionRole\/DefaultPolicy$/.test(constructPath),
    );
    const placedPolicies = new Set(
      vpcFunctionPolicies().map((logicalId) => logicalId.replace(/DefaultPolicy[0-9A-F]{8}$/, '')),
    );
    // One role per function (check-volume-backup acknowledges "*" twice: X-Ray, then DescribeBackupJob).
    expect(new Set(wildcardReasons.map(({ constructPath }) => constructPath)).size).toBe(ALL_HANDLERS.length);
    for (const { constructPath, reason } of wildcardReasons) {
      const roleId = constructPath.split('/').at(-2)!;
      expect(reason, constructPath).toMatch(/xray:PutTraceSegments/);
      expect(reason.includes('ec2:CreateNetworkInterface'), constructPath).toBe(placedPolicies.has(roleId));
    }
  });
});

describe('OpsStack notifications', () => {
  it('subscribes each configured e-mail address to the topic', () => {
    const config = {
      ...loadEnvironmentConfig('development'),
      notifications: { emails: ['oncall@example.com', 'lead@example.com'] },
    };
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new OpsStack(app, 'EmailTest', {
      config,
      env: { region: config.region },
      cluster: clusterNetworkFixture(app, config.region),
    });
    const template = Template.fromStack(stack);
    const subscriptions = Object.values(resourcesOfType(template, 'AWS::SNS::Subscription'));
    expect(subscriptions.filter((subscription) => subscription.Properties.Protocol === 'email')).toHaveLength(
      2,
    );
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });
});
