import {
  CreateNodegroupCommand,
  type CreateNodegroupCommandInput,
  DeleteNodegroupCommand,
  type EKSClient,
  type Nodegroup,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import type { V1Node } from '@kubernetes/client-node';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import { describeNodeGroup, listNodeGroups } from '../../provision/cluster.ts';
import { POOL_LABEL } from './pools.ts';
import type { CapacityType } from './request.ts';

/**
 * The managed node groups and their Nodes as the spot migration sees them: the EKS calls (the same
 * adapter code runs against aws-sim in the drill) and the Kubernetes reads that tell how far a
 * group's instances have joined or left.
 */
export interface SpotClusterDependencies {
  readonly eks: EKSClient;
  readonly kubernetes: KubernetesApi;
  readonly clusterName: string;
  /** The label EKS puts on a group's Nodes (layout `nodes.nodeGroupLabel`). */
  readonly nodeGroupLabel: string;
  readonly now?: () => Date;
}

/** A group in these states cannot receive the pool's pods: a human (or EKS) must act first. */
export const UNUSABLE_TARGET_STATUSES = ['CREATE_FAILED', 'DELETE_FAILED', 'DEGRADED', 'DELETING'] as const;
/** A group in these states cannot be removed by us (a DEGRADED one can: that may be why it goes). */
export const UNREMOVABLE_STATUSES = ['CREATE_FAILED', 'DELETE_FAILED'] as const;

export interface GroupTrouble {
  readonly nodeGroup: string;
  readonly status: string;
  readonly issues: string[];
  /** `compute-spot is DEGRADED: AsgInstanceLaunchFailures: ...` */
  readonly description: string;
}

/** The group's trouble when its status is one of `statuses`; undefined otherwise. */
export function troubleOf(group: Nodegroup, statuses: readonly string[]): GroupTrouble | undefined {
  const status = group.status ?? 'UNKNOWN';
  if (!statuses.includes(status)) return undefined;
  const issues = (group.health?.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`);
  const nodeGroup = group.nodegroupName ?? '';
  return {
    nodeGroup,
    status,
    issues,
    description: `${nodeGroup} is ${status}${issues.length > 0 ? `: ${issues.join('; ')}` : ''}`,
  };
}

/** EKS leaves capacityType out for groups created before it existed: those are on-demand. */
export function capacityTypeOfGroup(group: Nodegroup): CapacityType {
  return group.capacityType === 'SPOT' ? 'SPOT' : 'ON_DEMAND';
}

export function poolOfGroup(group: Nodegroup): string | undefined {
  return group.labels?.[POOL_LABEL];
}

/** Every node group of the cluster, described. */
export async function describeAllNodeGroups({
  eks,
  clusterName,
}: SpotClusterDependencies): Promise<Nodegroup[]> {
  const names = await listNodeGroups(eks, clusterName);
  return Promise.all(names.map((name) => describeNodeGroup(eks, clusterName, name)));
}

/** The group, or undefined once EKS no longer knows it. */
export async function findNodeGroup(
  { eks, clusterName }: SpotClusterDependencies,
  name: string,
): Promise<Nodegroup | undefined> {
  try {
    return await describeNodeGroup(eks, clusterName, name);
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** The Nodes EKS registered for the group (labelled with its name). */
export async function nodesOfGroup(
  { kubernetes, nodeGroupLabel }: SpotClusterDependencies,
  groupName: string,
): Promise<V1Node[]> {
  const nodes = await kubernetes.list(kubernetesResources.nodes.all(), {
    labelSelector: `${nodeGroupLabel}=${groupName}`,
  });
  return nodes.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

export function isNodeReady(node: V1Node): boolean {
  return (
    node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ??
    false
  );
}

export interface NewGroup {
  readonly name: string;
  readonly capacityType: CapacityType;
  readonly instanceTypes: readonly string[];
  /** Makes a retried request a no-op (nodeGroupRequestToken). */
  readonly requestToken: string;
}

/**
 * CreateNodegroup for a group that is `source` in everything but its name, capacity type and
 * instance types: subnets, node role, labels, taints, tags, update policy, scaling and launch
 * template (or, without one, its AMI type, Kubernetes version and disk size). EKS refuses an AMI
 * type and a version beside a launch template that names its own AMI (amiType CUSTOM).
 */
export function createNodegroupInput(
  clusterName: string,
  source: Nodegroup,
  group: NewGroup,
): CreateNodegroupCommandInput {
  const template = source.launchTemplate;
  const customAmi = source.amiType === 'CUSTOM';
  return {
    clusterName,
    nodegroupName: group.name,
    capacityType: group.capacityType,
    instanceTypes: [...group.instanceTypes],
    scalingConfig: { ...source.scalingConfig },
    subnets: source.subnets,
    nodeRole: source.nodeRole,
    labels: source.labels,
    taints: source.taints,
    tags: source.tags,
    ...(source.updateConfig ? { updateConfig: source.updateConfig } : {}),
    ...(customAmi ? {} : { amiType: source.amiType, version: source.version }),
    ...(template?.id || template?.name
      ? {
          launchTemplate: template.id
            ? { id: template.id, version: template.version }
            : { name: template.name, version: template.version },
        }
      : { diskSize: source.diskSize }),
    clientRequestToken: group.requestToken,
  };
}

export async function createNodeGroupLike(
  dependencies: SpotClusterDependencies,
  source: Nodegroup,
  group: NewGroup,
): Promise<void> {
  const { eks, clusterName } = dependencies;
  await callAws(`eks:CreateNodegroup ${clusterName}/${group.name}`, () =>
    eks.send(new CreateNodegroupCommand(createNodegroupInput(clusterName, source, group))),
  );
}

/** Minimum and desired to zero (the maximum stays: EKS needs it >= 1), so the instances go by scale-in. */
export async function scaleNodeGroupToZero(
  { eks, clusterName }: SpotClusterDependencies,
  name: string,
  requestToken: string,
): Promise<void> {
  await callAws(`eks:UpdateNodegroupConfig ${clusterName}/${name}`, () =>
    eks.send(
      new UpdateNodegroupConfigCommand({
        clusterName,
        nodegroupName: name,
        scalingConfig: { minSize: 0, desiredSize: 0 },
        clientRequestToken: requestToken,
      }),
    ),
  );
}

export async function deleteNodeGroup(
  { eks, clusterName }: SpotClusterDependencies,
  name: string,
): Promise<void> {
  await callAws(`eks:DeleteNodegroup ${clusterName}/${name}`, () =>
    eks.send(new DeleteNodegroupCommand({ clusterName, nodegroupName: name })),
  );
}
