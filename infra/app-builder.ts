import { App, Tags, Validations } from 'aws-cdk-lib';
import { DEFAULT_CROSS_STACK_REFERENCES } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { EnvironmentConfig } from './config/environment-config.ts';
import { loadEnvironmentConfig } from './config/load-config.ts';
import { backupStackName } from './stacks/backup-naming.ts';
import { BackupStack } from './stacks/backup-stack.ts';
import { ClusterStack } from './stacks/cluster-stack.ts';
import { drClusterSite } from './stacks/dr-cluster-site.ts';
import { DrStack, drStackName } from './stacks/dr-stack.ts';
import { OpsStack } from './stacks/ops-stack.ts';

export interface BuildAppOptions {
  /** development | staging | production; anything else fails with the list of known names. */
  readonly environment: string;
  /** false skips esbuild (tests and the local runner read templates, not bundles). Default true. */
  readonly bundling?: boolean;
  /** Cloud assembly directory; by default the CDK CLI's (CDK_OUTDIR) or a temporary one. */
  readonly outdir?: string;
  /**
   * CDK's built-in check of the templates against the CloudFormation resource schemas. It costs
   * about 10 s per synth, so in-process readers of the template may turn it off. Default true.
   */
  readonly cloudFormationValidation?: boolean;
}

export interface BuiltApp {
  readonly app: App;
  readonly opsStack: OpsStack;
  /** The backup bucket and DR vault, in the environment's drRegion. */
  readonly backupStack: BackupStack;
  /** The EKS cluster, its VPC and node groups, in the environment's region. */
  readonly clusterStack: ClusterStack;
  /** The standby EKS cluster, its VPC and node groups at minimum, in the environment's drRegion. */
  readonly drClusterStack: ClusterStack;
  /** The DR control plane (dr-failover, dr-failback and their functions), in drRegion. */
  readonly drStack: DrStack;
  readonly config: EnvironmentConfig;
}

/** The stack name of an environment's ops backend, e.g. "lakehouse-ops-production". */
export function opsStackName(environment: string): string {
  return `lakehouse-ops-${environment}`;
}

/** The stack name of an environment's EKS cluster, e.g. "lakehouse-ops-production-cluster". */
export function clusterStackName(environment: string): string {
  return `${opsStackName(environment)}-cluster`;
}

/** The stack name of an environment's standby EKS cluster in drRegion, e.g. "lakehouse-ops-production-dr-cluster". */
export function drClusterStackName(environment: string): string {
  return `${opsStackName(environment)}-dr-cluster`;
}

/**
 * Builds the CDK app of one environment, with cdk-nag's AWS Solutions pack as a validation
 * plugin: every synth runs it, and an unacknowledged finding fails the synth (CDK throws
 * "Validation failed" and the CLI exits non-zero).
 */
export function buildApp(options: BuildAppOptions): BuiltApp {
  const config = loadEnvironmentConfig(options.environment);
  const app = new App({
    outdir: options.outdir,
    builtinCloudFormationValidation: options.cloudFormationValidation ?? true,
    context: {
      // The OpsStack reads the cluster's VPC, subnets and security group: as CloudFormation
      // exports (Fn::ImportValue), so the ClusterStack cannot drop one while functions use it.
      [DEFAULT_CROSS_STACK_REFERENCES]: 'strong',
      ...(options.bundling === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
    },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const account = config.account ?? process.env.CDK_DEFAULT_ACCOUNT;
  const backupStack = new BackupStack(app, backupStackName(config.name), {
    config,
    description: `lakehouse-ops ${config.name}: backup bucket and DR backup vault (${config.drRegion})`,
    env: { account, region: config.drRegion },
    terminationProtection: config.name === 'production',
  });
  const clusterStack = new ClusterStack(app, clusterStackName(config.name), {
    config,
    description: `lakehouse-ops ${config.name}: EKS cluster ${config.clusterName}, its VPC, node groups and workload identities`,
    // The region is required: the cluster's availability zones are named in config.
    env: { account, region: config.region },
    terminationProtection: config.name === 'production',
  });
  const drSite = drClusterSite(config);
  const drClusterStack = new ClusterStack(app, drClusterStackName(config.name), {
    config,
    site: drSite,
    description: `lakehouse-ops ${config.name}: standby EKS cluster ${drSite.clusterName} in ${config.drRegion}, its VPC, node groups at minimum, workload identities and ECR pull-through cache`,
    env: { account, region: config.drRegion },
    terminationProtection: config.name === 'production',
  });
  const opsStack = new OpsStack(app, opsStackName(config.name), {
    config,
    // Same region: the VPC, subnets and cluster security group are cross-stack references.
    cluster: clusterStack,
    description: `lakehouse-ops ${config.name}: operations workflows for the crypto data lakehouse on EKS`,
    // Without credentials (offline synth) the account stays undefined: an account-agnostic template.
    env: { account, region: config.region },
    terminationProtection: config.name === 'production',
  });
  // The backup bucket and the DR vault must exist before the backup workflow and plan point at them.
  opsStack.addStackDependency(backupStack);
  // The functions' access entries and VPC placement (in the OpsStack) need the cluster to exist.
  // The cross-stack references imply this dependency too; stated, it outlives them.
  opsStack.addStackDependency(clusterStack);
  const drStack = new DrStack(app, drStackName(config.name), {
    config,
    // Same region: the standby cluster's VPC and security group, the ops table replica's key.
    drCluster: drClusterStack,
    opsReplicaKey: backupStack.opsReplicaKey,
    description: `lakehouse-ops ${config.name}: DR control plane (dr-failover, dr-failback) in ${config.drRegion}`,
    env: { account, region: config.drRegion },
    terminationProtection: config.name === 'production',
  });
  // The ops table's replica (the OpsStack's global table) and the primary's agents, which the DR
  // workflows invoke by name, must exist first.
  drStack.addStackDependency(opsStack);
  Tags.of(app).add('project', 'lakehouse-ops');
  Tags.of(app).add('environment', config.name);
  return { app, opsStack, backupStack, clusterStack, drClusterStack, drStack, config };
}
