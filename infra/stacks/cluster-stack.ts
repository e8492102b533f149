import { ArnFormat, CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { type ISecurityGroup, type IVpc, Port, SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import {
  Cluster,
  ClusterLoggingTypes,
  DefaultCapacityType,
  EndpointAccess,
  KubernetesVersion,
} from 'aws-cdk-lib/aws-eks-v2';
import { ManagedPolicy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { grantClusterAdmin } from '../constructs/cluster-access.ts';
import { acknowledgeManagedPolicies } from '../constructs/managed-policy-acknowledgements.ts';
import { acknowledgeWildcardResources } from '../constructs/nag-acknowledgements.ts';
import { ClusterAddons } from './cluster-addons.ts';
import { ClusterNetwork, NODE_SUBNETS } from './cluster-network.ts';
import { ClusterNodeGroups } from './cluster-node-groups.ts';
import { WorkloadIdentities } from './cluster-pod-identity.ts';
import { type ClusterSite, primaryClusterSite } from './cluster-site.ts';
import { EcrPullThroughCache } from './ecr-pull-through-cache.ts';

export interface ClusterStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** Which cluster: the primary when unset, or the standby in drRegion (drClusterSite). */
  readonly site?: ClusterSite;
}

/** Every control-plane log type: audit and authenticator logs are the evidence after an incident. */
export const CONTROL_PLANE_LOG_TYPES = [
  ClusterLoggingTypes.API,
  ClusterLoggingTypes.AUDIT,
  ClusterLoggingTypes.AUTHENTICATOR,
  ClusterLoggingTypes.CONTROLLER_MANAGER,
  ClusterLoggingTypes.SCHEDULER,
];

/** The log group EKS writes control-plane logs to; created here so it is encrypted and expires. */
export function controlPlaneLogGroupName(clusterName: string): string {
  return `/aws/eks/${clusterName}/cluster`;
}

/**
 * An EKS cluster of one environment (issue 7), the primary or, with drClusterSite, the standby in
 * drRegion (issue 5): VPC over three zones, the cluster named `config.clusterName` (the name every
 * lakehouse-ops function's CLUSTER_NAME carries; the standby's drClusterName), Kubernetes
 * secrets envelope-encrypted with a KMS key, every control-plane log type, access entries for
 * operators, the managed add-ons, the system/storage/compute node groups, and Pod Identity roles
 * for the lakehouse pods that call AWS. The lakehouse-ops functions' own access entries live in the
 * OpsStack, next to their roles (docs/architecture.md, "ClusterStack").
 *
 * Built from aws-cdk-lib's aws-eks-v2 Cluster and Nodegroup (native AWS::EKS resources: no kubectl
 * Lambda, nothing to bundle), with L1 resources where the L2 has no property for what is needed
 * (access entries with Kubernetes groups, add-on configuration, Pod Identity associations).
 */
export class ClusterStack extends Stack {
  readonly cluster: Cluster;
  readonly network: ClusterNetwork;
  readonly nodeGroups: ClusterNodeGroups;
  readonly workloadIdentities: WorkloadIdentities;
  /**
   * A security group that may open HTTPS connections to the cluster's private API endpoint, for
   * other VPC-attached clients (a bastion, a CI runner). The lakehouse-ops functions have their own,
   * narrower group in the OpsStack (ops-network.ts).
   */
  readonly apiClientSecurityGroup: SecurityGroup;
  /** The cluster's VPC: the lakehouse-ops functions that reach the cluster run in its private subnets. */
  readonly vpc: IVpc;
  /**
   * The security group EKS creates for the cluster and puts on the control plane's network
   * interfaces (the private endpoint) and the managed nodes; clients are admitted by rules on it.
   */
  readonly clusterSecurityGroup: ISecurityGroup;
  /** The ECR pull-through cache rules the nodes pull through (the standby cluster's only). */
  readonly pullThroughCache?: EcrPullThroughCache;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, props);
    const { config } = props;
    const site = props.site ?? primaryClusterSite(config);
    const { clusterName } = site;
    const isProduction = config.name === 'production';
    const logRetention = config.logRetentionDays as RetentionDays;
    const logRemovalPolicy = isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const prefix = site.resourcePrefix;

    const secretsKey = new Key(this, 'SecretsKey', {
      alias: `alias/${prefix}-secrets`,
      description: `Envelope encryption of the Kubernetes Secrets of ${clusterName}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logKey = this.logEncryptionKey(`alias/${prefix}-logs`, clusterName);

    this.network = new ClusterNetwork(this, 'Network', {
      cluster: site.cluster,
      logKey,
      logRetention,
      logRemovalPolicy,
    });
    const controlPlaneLogs = new LogGroup(this, 'ControlPlaneLogGroup', {
      logGroupName: controlPlaneLogGroupName(clusterName),
      encryptionKey: logKey,
      retention: logRetention,
      removalPolicy: logRemovalPolicy,
    });

    this.cluster = new Cluster(this, 'Cluster', {
      clusterName,
      version: KubernetesVersion.of(site.cluster.kubernetesVersion),
      vpc: this.network.vpc,
      vpcSubnets: [NODE_SUBNETS],
      endpointAccess: endpointAccess(site.cluster.publicEndpointCidrs),
      secretsEncryptionKey: secretsKey,
      clusterLogging: CONTROL_PLANE_LOG_TYPES,
      // Managed node groups below, not Auto Mode: the pools need their own labels, taints and spot.
      defaultCapacityType: DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      // Cluster-admin only through the configured roles' access entries, never implicitly for
      // whoever ran the deployment (the CloudFormation execution role).
      bootstrapClusterCreatorAdminPermissions: false,
      // Every add-on is an EKS managed add-on with its configuration in ClusterAddons.
      bootstrapSelfManagedAddons: false,
      removalPolicy: isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.cluster.node.addDependency(controlPlaneLogs);
    this.vpc = this.network.vpc;
    this.clusterSecurityGroup = this.cluster.clusterSecurityGroup;
    // The control plane envelope-encrypts Secrets as its role; aws-eks-v2 leaves this grant to us.
    this.cluster.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant'],
        resources: [secretsKey.keyArn],
      }),
    );
    this.acknowledgeClusterFindings();

    site.cluster.adminRoleArns.forEach((principalArn, index) => {
      grantClusterAdmin(this, `AdminAccess${index + 1}`, {
        clusterName: this.cluster.clusterName,
        principalArn,
      });
    });

    this.apiClientSecurityGroup = new SecurityGroup(this, 'ApiClientSecurityGroup', {
      vpc: this.network.vpc,
      description: `Clients of the ${clusterName} Kubernetes API (HTTPS to the private endpoint)`,
      allowAllOutbound: true,
    });
    this.cluster.connections.allowFrom(this.apiClientSecurityGroup, Port.tcp(443), 'Kubernetes API clients');

    const addons = new ClusterAddons(this, 'Addons', { cluster: this.cluster });
    this.nodeGroups = new ClusterNodeGroups(this, 'NodeGroups', {
      cluster: this.cluster,
      clusterName,
      nodeGroups: site.cluster.nodeGroups,
      subnets: NODE_SUBNETS,
      stackOwnedPools: site.stackOwnedPools,
    });
    for (const group of Object.values(this.nodeGroups.groups)) {
      group.node.addDependency(...addons.nodePrerequisites);
    }
    addons.addWorkloadAddons(this.nodeGroups.groups.system);

    this.workloadIdentities = new WorkloadIdentities(this, 'WorkloadIdentities', {
      cluster: this.cluster,
      identities: site.identities(this),
    });

    if (site.pullThroughPrefixes) {
      this.pullThroughCache = new EcrPullThroughCache(this, 'PullThroughCache', {
        environment: config.name,
        prefixes: site.pullThroughPrefixes,
        // The operator's registry credentials: kept with a production stack, as its logs are.
        removalPolicy: logRemovalPolicy,
      });
      const firstPulls = this.pullThroughCache.pullStatement();
      this.nodeGroups.nodeRole.addToPrincipalPolicy(firstPulls);
      acknowledgeWildcardResources(
        this.nodeGroups.nodeRole.node.findChild('DefaultPolicy'),
        firstPulls.resources,
        "Repositories a pull-through rule creates on first pull are named after the upstream image, unknown in advance; only below the rules' prefixes, and only creating and importing them",
      );
    }

    new CfnOutput(this, 'ClusterName', { value: this.cluster.clusterName });
    new CfnOutput(this, 'ClusterArn', { value: this.cluster.clusterArn });
    new CfnOutput(this, 'VpcId', { value: this.network.vpc.vpcId });
    new CfnOutput(this, 'ApiClientSecurityGroupId', { value: this.apiClientSecurityGroup.securityGroupId });
    new CfnOutput(this, 'KubeconfigCommand', {
      value: `aws eks update-kubeconfig --name ${clusterName} --region ${this.region}`,
    });
  }

  /** CloudWatch Logs encrypts with the key itself, so the key policy must let the service use it. */
  private logEncryptionKey(alias: string, clusterName: string): Key {
    const key = new Key(this, 'LogKey', {
      alias,
      description: `Encrypts the flow logs and control-plane logs of ${clusterName}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    return key;
  }

  private acknowledgeClusterFindings(): void {
    acknowledgeManagedPolicies(
      this.cluster.role,
      [ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSClusterPolicy')],
      'AmazonEKSClusterPolicy is the service role policy EKS requires for the control plane; AWS extends it as EKS gains features',
    );
    Validations.of(this.cluster).acknowledge({
      id: 'CloudFormation-Validate::W9009',
      reason:
        "EncryptionConfig.Resources ['secrets'] is how aws-eks-v2 turns on secrets encryption, and the value EKS requires; the schema only marks the property deprecated",
    });
  }
}

/**
 * Private endpoint always (nodes and VPC-attached clients reach the API inside the VPC). The public
 * endpoint exists only when the environment lists operator CIDR blocks, and only for them.
 */
function endpointAccess(publicCidrs: readonly string[]): EndpointAccess {
  return publicCidrs.length === 0
    ? EndpointAccess.PRIVATE
    : EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...publicCidrs);
}
