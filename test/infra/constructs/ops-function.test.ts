import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import * as classic from 'zod';
import * as z from 'zod/mini';
import { kubernetesEnvironment, powertoolsEnvironment } from '../../../functions/commons/environment.ts';
import {
  checkEnvironment,
  OpsFunction,
  type OpsFunctionNetwork,
  VPC_NETWORK_INTERFACE_ACTIONS,
} from '../../../infra/constructs/ops-function.ts';
import { acknowledgementsIn, asList, policyStatements } from '../template-helpers.ts';

const schema = z.extend(powertoolsEnvironment, kubernetesEnvironment.shape);
const powertools = { POWERTOOLS_SERVICE_NAME: 'lakehouse-ops', POWERTOOLS_METRICS_NAMESPACE: 'LakehouseOps' };

describe('checkEnvironment', () => {
  it('returns the variables when they are exactly the schema keys', () => {
    const variables = { ...powertools, CLUSTER_NAME: 'lakehouse-dev', PLATFORM_LAYOUT: '{}' };
    expect(checkEnvironment(schema, variables)).toEqual(variables);
  });

  it('drops an optional key that is left undefined', () => {
    expect(
      checkEnvironment(schema, { ...powertools, CLUSTER_NAME: 'c', PLATFORM_LAYOUT: undefined }),
    ).toEqual({
      ...powertools,
      CLUSTER_NAME: 'c',
    });
  });

  it('names a key that the schema does not have', () => {
    expect(() => checkEnvironment(schema, { ...powertools, CLUSTER_NAME: 'c', CLUSTER: 'c' })).toThrow(
      /Environment variable\(s\) CLUSTER not in the handler's environment schema \(expected keys: POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, CLUSTER_NAME, PLATFORM_LAYOUT\)/,
    );
  });

  it('names a required key that is missing', () => {
    expect(() => checkEnvironment(schema, powertools)).toThrow(
      "Environment variable CLUSTER_NAME is required by the handler's environment schema",
    );
  });

  it('names a key whose value the schema rejects', () => {
    const minio = z.extend(powertoolsEnvironment, { MINIO_ENDPOINT: z.url() });
    expect(() => checkEnvironment(minio, { ...powertools, MINIO_ENDPOINT: 'minio 9000' })).toThrow(
      /Environment variable MINIO_ENDPOINT="minio 9000" is invalid/,
    );
  });

  it('leaves values that are only known at deploy time to the handler', () => {
    const token = Lazy.string({ produce: () => 'resolved later' });
    const minio = z.extend(powertoolsEnvironment, { MINIO_ENDPOINT: z.url() });
    expect(checkEnvironment(minio, { ...powertools, MINIO_ENDPOINT: token }).MINIO_ENDPOINT).toBe(token);
  });

  it('checks a classic zod schema as it checks a zod/mini one', () => {
    const classicSchema = classic.object({ ENDPOINT: classic.url(), TOPIC: classic.string().optional() });
    expect(checkEnvironment(classicSchema, { ENDPOINT: 'http://minio:9000' })).toEqual({
      ENDPOINT: 'http://minio:9000',
    });
    expect(() => checkEnvironment(classicSchema, { ENDPOINT: 'minio 9000', TOPIC: 't' })).toThrow(
      'Environment variable ENDPOINT="minio 9000" is invalid: Invalid URL',
    );
  });
});

describe('OpsFunction', () => {
  function createFunction(
    entry: string,
    environment: Record<string, string>,
    placement?: (stack: Stack) => OpsFunctionNetwork,
  ) {
    const app = new App({
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    const stack = new Stack(app, 'FunctionUnderTest');
    const fn = new OpsFunction(stack, 'Fn', {
      network: placement?.(stack),
      environmentSchema: schema,
      serviceName: 'lakehouse-ops',
      metricsNamespace: 'LakehouseOps',
      timeout: Duration.seconds(30),
      logRetention: RetentionDays.ONE_WEEK,
      entry,
      environment: environment as never,
    });
    return { app, stack, fn };
  }

  function privateNetwork(stack: Stack): OpsFunctionNetwork {
    const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    return {
      vpc,
      subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [new SecurityGroup(stack, 'FunctionSecurityGroup', { vpc, allowAllOutbound: false })],
    };
  }

  const ec2Actions = (stack: Stack) =>
    policyStatements(Template.fromStack(stack), '').flatMap((statement) =>
      asList(statement.Action).filter((action) => action.startsWith('ec2:')),
    );

  it('deploys the handler with its environment, Powertools settings and Metadata', () => {
    const { stack, fn } = createFunction('functions/check-nodes.handler.ts', {
      CLUSTER_NAME: 'lakehouse-dev',
    });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::Lambda::Function', {
      Metadata: { 'lakehouse-ops:handler': 'functions/check-nodes.handler.ts' },
      Properties: Match.objectLike({
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: 30,
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: {
            CLUSTER_NAME: 'lakehouse-dev',
            POWERTOOLS_SERVICE_NAME: 'lakehouse-ops',
            POWERTOOLS_METRICS_NAMESPACE: 'LakehouseOps',
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    // Its own role, without the AWS managed basic execution policy.
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    expect(fn.entryPath).toBe('functions/check-nodes.handler.ts');
  });

  it("runs in Lambda's own network, without network-interface rights, when given no placement", () => {
    const { stack } = createFunction('functions/check-nodes.handler.ts', { CLUSTER_NAME: 'c' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
    expect(ec2Actions(stack)).toEqual([]);
  });

  it('attaches to the private subnets and security groups it is placed in, with inline network-interface rights', () => {
    const { app, stack } = createFunction(
      'functions/check-nodes.handler.ts',
      { CLUSTER_NAME: 'c' },
      privateNetwork,
    );
    const template = Template.fromStack(stack);
    const privateSubnets = Object.entries(template.findResources('AWS::EC2::Subnet'))
      .filter(([, subnet]) => subnet.Properties.MapPublicIpOnLaunch === false)
      .map(([logicalId]) => ({ Ref: logicalId }));
    expect(privateSubnets).toHaveLength(2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: privateSubnets,
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionSecurityGroup'), 'GroupId'] }],
      },
    });
    // Inline instead of AWSLambdaVPCAccessExecutionRole (whose logs:* reaches every log group)...
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: [...VPC_NETWORK_INTERFACE_ACTIONS], Resource: '*' },
        ]),
      },
    });
    // ...in the default policy, which the function waits for: Lambda checks it on CreateFunction.
    const [functionResource] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functionResource?.DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^FnRoleDefaultPolicy/)]),
    );
    // The one "*" acknowledgement of the role names these actions as well as X-Ray's.
    const [wildcard] = acknowledgementsIn(app).filter(
      ({ ruleId }) => ruleId === 'AwsSolutions-IAM5[Resource::*]',
    );
    expect(wildcard?.reason).toMatch(/xray:PutTraceSegments.*ec2:CreateNetworkInterface.*require "\*"/);
  });

  it('refuses an environment with a key the handler schema does not declare', () => {
    expect(() =>
      createFunction('functions/check-nodes.handler.ts', { CLUSTER_NAME: 'c', NAMESPACE: 'x' }),
    ).toThrow(/NAMESPACE not in the handler's environment schema/);
  });

  it('refuses an environment that misses a required key', () => {
    expect(() => createFunction('functions/check-nodes.handler.ts', {})).toThrow(/CLUSTER_NAME is required/);
  });

  it('refuses an entry outside functions/<name>.handler.ts', () => {
    expect(() => createFunction('functions/core/validation/check-result.ts', { CLUSTER_NAME: 'c' })).toThrow(
      'OpsFunction entry "functions/core/validation/check-result.ts": expected "functions/<name>.handler.ts"',
    );
  });

  it('refuses an entry that does not exist', () => {
    expect(() => createFunction('functions/no-such-action.handler.ts', { CLUSTER_NAME: 'c' })).toThrow(
      /OpsFunction entry "functions\/no-such-action.handler.ts" does not exist/,
    );
  });
});
