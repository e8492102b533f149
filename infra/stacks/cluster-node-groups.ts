import {
  BlockDeviceVolume,
  EbsDeviceVolumeType,
  InstanceType,
  LaunchTemplate,
  LaunchTemplateHttpTokens,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import {
  CapacityType,
  type ICluster,
  Nodegroup,
  NodegroupAmiType,
  TaintEffect,
} from 'aws-cdk-lib/aws-eks-v2';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { type NodePoolName, POOL_LABEL, POOL_TAINTS } from '../../cluster-manifests/src/scheduling.ts';
import type { ClusterConfig, NodeGroupConfig } from '../config/cluster-config.ts';
import { acknowledgeManagedPolicies } from '../constructs/managed-policy-acknowledgements.ts';

/**
 * The three managed node groups the manifests schedule onto (cluster-manifests/src/scheduling.ts):
 * each group's Nodes carry `lakehouse-ops.io/pool=<pool>` and, for storage and compute, the
 * `dedicated=<pool>:NoSchedule` taint that only those pools' workloads tolerate. Label and taint
 * come from the manifests' own constants, so the two sides cannot drift apart.
 */
export const NODE_POOLS: readonly NodePoolName[] = ['system', 'storage', 'compute'];

/**
 * The pools whose node group the ClusterStack creates and owns. The compute pool's group is owned
 * by the workflows instead: provision creates it (with the stack's compute launch template), and
 * spot-migration replaces it with a group of the other capacity type. A group CloudFormation owned
 * and a workflow deleted would break the next stack update that touches it (docs/cost.md, "Who
 * owns the compute pool's node group").
 */
export const STACK_OWNED_POOLS = ['system', 'storage'] as const satisfies readonly NodePoolName[];

/** The stack's groups by pool: always the system pool's (the add-ons that need a Node wait for it). */
export type StackNodeGroups = { readonly system: Nodegroup } & Partial<Record<NodePoolName, Nodegroup>>;

/** The launch template of a pool's groups, by name: provision and spot-migration create groups with it. */
export function poolLaunchTemplateName(clusterName: string, pool: NodePoolName): string {
  return `${clusterName}-${pool}`;
}

/**
 * Stateful pods (MinIO, PostgreSQL) and the controllers must never be reclaimed with a node, so
 * only the compute pool is spot. A spot managed node group allocates capacity-optimized across its
 * instance types, which is why the compute pool lists many.
 */
export const POOL_CAPACITY_TYPES = {
  system: 'ON_DEMAND',
  storage: 'ON_DEMAND',
  compute: 'SPOT',
} as const satisfies Record<NodePoolName, `${CapacityType}`>;

/** The manifests spell taint effects the Kubernetes way, EKS its own way. */
const EKS_TAINT_EFFECTS = { NoSchedule: 'NO_SCHEDULE' } as const satisfies Record<string, `${TaintEffect}`>;

/**
 * One node group as EKS's CreateNodegroup names its fields. The ClusterStack builds its node groups
 * from these, and the provision workflow's PROVISION_NODE_GROUPS should be built from the same
 * function, so the groups it creates or scales cannot differ from the stack's.
 */
export interface NodePoolSpec {
  readonly name: NodePoolName;
  readonly instanceTypes: readonly string[];
  readonly capacityType: (typeof POOL_CAPACITY_TYPES)[NodePoolName];
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredSize: number;
  readonly labels: Record<string, string>;
  readonly taints: readonly { key: string; value: string; effect: 'NO_SCHEDULE' }[];
  readonly diskSizeGiB: number;
  /**
   * The stack's launch template of the pool (root volume, IMDSv2), by name and without a version:
   * EKS then takes the template's default version.
   */
  readonly launchTemplate: { readonly name: string };
}

export function nodePoolSpecs(clusterName: string, nodeGroups: ClusterConfig['nodeGroups']): NodePoolSpec[] {
  return NODE_POOLS.map((pool) => {
    const settings: NodeGroupConfig = nodeGroups[pool];
    const taint = pool === 'system' ? undefined : POOL_TAINTS[pool];
    return {
      name: pool,
      instanceTypes: settings.instanceTypes,
      capacityType: POOL_CAPACITY_TYPES[pool],
      minSize: settings.minSize,
      maxSize: settings.maxSize,
      desiredSize: settings.desiredSize ?? settings.minSize,
      labels: { [POOL_LABEL]: pool },
      taints: taint ? [{ key: taint.key, value: taint.value, effect: EKS_TAINT_EFFECTS[taint.effect] }] : [],
      diskSizeGiB: settings.diskSizeGiB,
      launchTemplate: { name: poolLaunchTemplateName(clusterName, pool) },
    };
  });
}

/** The policies EKS documents for a node role; AmazonEC2ContainerRegistryPullOnly is the pull-only one. */
const NODE_ROLE_POLICIES = [
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKS_CNI_Policy',
  'AmazonEC2ContainerRegistryPullOnly',
];

/** AL2023 (AL2 images end with Kubernetes 1.32); the instance types are checked to be x86_64. */
const AMI_TYPE = NodegroupAmiType.AL2023_X86_64_STANDARD;

export interface ClusterNodeGroupsProps {
  readonly cluster: ICluster;
  readonly clusterName: string;
  readonly nodeGroups: ClusterConfig['nodeGroups'];
  readonly subnets: SubnetSelection;
  /** The pools whose group this stack creates (STACK_OWNED_POOLS on the primary); the system pool always. */
  readonly stackOwnedPools?: readonly NodePoolName[];
}

export class ClusterNodeGroups extends Construct {
  readonly nodeRole: Role;
  readonly groups: StackNodeGroups;

  constructor(scope: Construct, id: string, props: ClusterNodeGroupsProps) {
    super(scope, id);
    const managedPolicies = NODE_ROLE_POLICIES.map((name) => ManagedPolicy.fromAwsManagedPolicyName(name));
    this.nodeRole = new Role(this, 'NodeRole', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      description: 'Instance role of the lakehouse managed node groups (kubelet, VPC CNI, image pulls)',
      managedPolicies,
    });
    acknowledgeManagedPolicies(
      this.nodeRole,
      managedPolicies,
      'EKS requires these AWS-managed policies on a managed node group role (node join, VPC CNI address management, ECR image pulls) and AWS keeps them in step with EKS releases',
    );

    const owned: readonly NodePoolName[] = props.stackOwnedPools ?? STACK_OWNED_POOLS;
    if (!owned.includes('system')) {
      throw new Error(
        `the stack must own the system pool's node group (the add-ons run there); got ${owned.join(', ')}`,
      );
    }
    const groups: Partial<Record<NodePoolName, Nodegroup>> = {};
    for (const spec of nodePoolSpecs(props.clusterName, props.nodeGroups)) {
      const launchTemplate = this.launchTemplate(spec);
      if (owned.includes(spec.name)) groups[spec.name] = this.nodeGroup(spec, launchTemplate, props);
    }
    this.groups = groups as StackNodeGroups;
  }

  private nodeGroup(
    spec: NodePoolSpec,
    launchTemplate: LaunchTemplate,
    props: ClusterNodeGroupsProps,
  ): Nodegroup {
    return new Nodegroup(this, `${spec.name}NodeGroup`, {
      cluster: props.cluster,
      // The pool's name, as the local lakehouse and the provision workflow know the groups.
      nodegroupName: spec.name,
      nodeRole: this.nodeRole,
      subnets: props.subnets,
      amiType: AMI_TYPE,
      capacityType: CapacityType[spec.capacityType],
      instanceTypes: spec.instanceTypes.map((type) => new InstanceType(type)),
      minSize: spec.minSize,
      maxSize: spec.maxSize,
      desiredSize: spec.desiredSize,
      labels: spec.labels,
      taints: spec.taints.map((taint) => ({ ...taint, effect: TaintEffect[taint.effect] })),
      // One node at a time: MinIO's and the Prefect server's budgets allow one pod down.
      maxUnavailable: 1,
      launchTemplateSpec: {
        id: launchTemplate.launchTemplateId as string,
        version: launchTemplate.latestVersionNumber,
      },
    });
  }

  /**
   * Encrypted gp3 root volumes and IMDSv2 with a hop limit of 1: pods cannot reach the instance
   * metadata service (so cannot borrow the node role); they get AWS credentials from EKS Pod
   * Identity instead. The launch template leaves the AMI and instance types to the node group.
   * Named, because the workflows that create the compute pool's groups find it by name.
   */
  private launchTemplate({ name: pool, diskSizeGiB, launchTemplate }: NodePoolSpec): LaunchTemplate {
    return new LaunchTemplate(this, `${pool}LaunchTemplate`, {
      launchTemplateName: launchTemplate.name,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: BlockDeviceVolume.ebs(diskSizeGiB, {
            volumeType: EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
      requireImdsv2: true,
      httpTokens: LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
    });
  }
}
