import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CfnResource, type Duration, Token } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type * as z from 'zod/v4/core';
import { safeParseWithMessages } from '../../functions/commons/schema-problems.ts';
import { acknowledgeXRayWildcard } from './nag-acknowledgements.ts';

/** The repository root: handler entries and the lock file are resolved from here, not from cwd. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** CloudFormation Metadata key the local runner uses to map a Lambda resource back to its module. */
export const HANDLER_METADATA_KEY = 'lakehouse-ops:handler';

const HANDLER_ENTRY_PATTERN = /^functions\/[a-z0-9-]+\.handler\.ts$/;

/** Set by the construct, so every function reports under the same service and metrics namespace. */
const POWERTOOLS_KEYS = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'] as const;
type PowertoolsKey = (typeof POWERTOOLS_KEYS)[number];

// esbuild's ESM output cannot `require` the CommonJS dependencies it bundles (the SDK's and
// client-node's transitive ones) without a real `require` in module scope.
const ESM_REQUIRE_BANNER =
  "import { createRequire as lakehouseOpsCreateRequire } from 'node:module'; const require = lakehouseOpsCreateRequire(import.meta.url);";

/**
 * The handlers' schemas are zod/mini and infra's are classic zod; both build on zod's core types,
 * so the construct takes any core object schema.
 */
export type EnvironmentSchema = z.$ZodObject;

/** Where a function's network interfaces go when it must reach something inside a VPC. */
export interface OpsFunctionNetwork {
  readonly vpc: IVpc;
  /** Private subnets with a route out (NAT), so the AWS APIs stay reachable. */
  readonly subnets: SubnetSelection;
  readonly securityGroups: readonly ISecurityGroup[];
}

/**
 * What Lambda does with the execution role to attach a function to its VPC (the EC2 part of the
 * AWS managed AWSLambdaVPCAccessExecutionRole). DescribeNetworkInterfaces and DescribeSubnets have
 * no resource-level permissions, and Lambda creates, re-addresses and deletes the interfaces under
 * ids it assigns, so AWS grants all six on "*"; so does this construct.
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

export interface OpsFunctionProps<Schema extends EnvironmentSchema> {
  /** The handler module, relative to the repository root: `functions/<name>.handler.ts`. */
  readonly entry: string;
  /** The handler's own environment schema (functions/commons/environment.ts), Powertools keys included. */
  readonly environmentSchema: Schema;
  /** Every schema key except the Powertools ones; values may be CDK tokens (checked at deploy). */
  readonly environment: Omit<z.input<Schema>, PowertoolsKey>;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  /** Explicit, so a hung Kubernetes call fails the step instead of running for the default 3 s or 15 min. */
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  readonly functionName?: string;
  readonly description?: string;
  readonly memorySize?: number;
  /** Attach the function to a VPC; left out, it runs in Lambda's own network (AWS APIs only). */
  readonly network?: OpsFunctionNetwork;
}

/**
 * A Lambda function with this project's defaults: Node 24 on ARM, one ESM bundle per handler
 * (AWS SDK included, so the client versions that were tested are the ones that run), active
 * tracing, its own log group and role. The environment is checked against the handler's zod
 * schema at synth, so infra and handler cannot disagree about which variables exist.
 */
export class OpsFunction<Schema extends EnvironmentSchema = EnvironmentSchema> extends NodejsFunction {
  /** The handler module relative to the repository root (also written as resource Metadata). */
  readonly entryPath: string;
  readonly environmentSchema: Schema;

  constructor(scope: Construct, id: string, props: OpsFunctionProps<Schema>) {
    const environment = checkEnvironment(props.environmentSchema, {
      ...(props.environment as Record<string, string | undefined>),
      POWERTOOLS_SERVICE_NAME: props.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
    });
    const entry = resolveHandlerEntry(props.entry);
    // Role and log group are created here rather than by the function: the default role carries
    // the AWS managed AWSLambdaBasicExecutionRole (logs:* on every log group).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.entry}`,
    });
    const logGroup = new LogGroup(scope, `${id}LogGroup`, { retention: props.logRetention });
    logGroup.grantWrite(role);
    // Inline, for the same reason: AWSLambdaVPCAccessExecutionRole (which Lambda's L2 attaches only
    // to a role it creates itself) also grants logs:* on every log group. In the role's default
    // policy, which the function resource depends on: Lambda checks these rights when it creates
    // a VPC function.
    const { network } = props;
    if (network) {
      role.addToPrincipalPolicy(
        new PolicyStatement({ actions: [...VPC_NETWORK_INTERFACE_ACTIONS], resources: ['*'] }),
      );
    }

    super(scope, id, {
      entry,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 256,
      functionName: props.functionName,
      description: props.description,
      role,
      logGroup,
      vpc: network?.vpc,
      vpcSubnets: network?.subnets,
      securityGroups: network && [...network.securityGroups],
      loggingFormat: LoggingFormat.JSON,
      tracing: Tracing.ACTIVE,
      environment: { ...environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        banner: ESM_REQUIRE_BANNER,
        bundleAwsSDK: true,
        externalModules: [],
      },
    });

    this.entryPath = props.entry;
    this.environmentSchema = props.environmentSchema;
    (this.node.defaultChild as CfnResource).addMetadata(HANDLER_METADATA_KEY, props.entry);
    acknowledgeXRayWildcard(
      role,
      network &&
        `${VPC_NETWORK_INTERFACE_ACTIONS.join(', ')} are what Lambda needs to place the function in its VPC: the Describe actions have no resource-level permissions and Lambda assigns the interface ids, so they require "*" (as in AWSLambdaVPCAccessExecutionRole, without its logs:*)`,
    );
  }
}

function resolveHandlerEntry(entry: string): string {
  if (!HANDLER_ENTRY_PATTERN.test(entry)) {
    throw new Error(`OpsFunction entry "${entry}": expected "functions/<name>.handler.ts"`);
  }
  const absolute = path.join(REPO_ROOT, entry);
  if (!existsSync(absolute)) {
    throw new Error(`OpsFunction entry "${entry}" does not exist (looked for ${absolute})`);
  }
  return absolute;
}

/**
 * Checks that the variables are exactly the schema's keys (optional keys may be left out) and
 * validates every value that is known at synth; unresolved tokens are checked by the handler.
 * Returns the variables without the undefined ones.
 */
export function checkEnvironment(
  schema: EnvironmentSchema,
  variables: Record<string, string | undefined>,
): Record<string, string> {
  const shape: Readonly<z.$ZodShape> = schema._zod.def.shape;
  const expected = Object.keys(shape);
  const unknown = Object.keys(variables).filter((key) => !(key in shape));
  if (unknown.length > 0) {
    throw new Error(
      `Environment variable(s) ${unknown.join(', ')} not in the handler's environment schema (expected keys: ${expected.join(', ')})`,
    );
  }
  const defined: Record<string, string> = {};
  for (const [key, fieldSchema] of Object.entries(shape)) {
    const value = variables[key];
    if (value === undefined) {
      if (!safeParseWithMessages(fieldSchema, undefined).success) {
        throw new Error(`Environment variable ${key} is required by the handler's environment schema`);
      }
      continue;
    }
    if (!Token.isUnresolved(value)) {
      const result = safeParseWithMessages(fieldSchema, value);
      if (!result.success) {
        const reason = result.error.issues.map((issue) => issue.message).join('; ');
        throw new Error(`Environment variable ${key}=${JSON.stringify(value)} is invalid: ${reason}`);
      }
    }
    defined[key] = value;
  }
  return defined;
}
