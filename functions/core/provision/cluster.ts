import {
  CreateNodegroupCommand,
  DescribeNodegroupCommand,
  type EKSClient,
  type Nodegroup,
  paginateListNodegroups,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { callAws } from '../../commons/transient-errors.ts';
import { findEksCluster } from '../kubernetes/find-eks-cluster.ts';
import { ClusterNotActiveError, NodeGroupCreationError, NodeGroupNotReadyError } from './errors.ts';
import type { NodeGroupSpec } from './settings.ts';

/**
 * The cluster side of provisioning, through the EKS API: the control plane must be ACTIVE, and
 * each configured managed node group must exist at its configured scaling. A missing group is
 * created like its siblings (their subnets, node role, AMI type and launch template: a lakehouse cluster's groups
 * differ only in instances, capacity type, labels and taints); a group at other sizes is updated.
 * Only the scaling is reconciled: instance types, labels and taints of an existing group change
 * with a new group (EKS cannot change them in place), which the ClusterStack owns.
 */
export interface ClusterDependencies {
  readonly eks: EKSClient;
  readonly clusterName: string;
}

export type NodeGroupAction = 'created' | 'scaled' | 'unchanged';

export interface NodeGroupChange {
  readonly name: string;
  readonly action: NodeGroupAction;
  readonly scaling: { minSize: number; maxSize: number; desiredSize: number };
  /** The scaling before, for a scaled group. */
  readonly previous?: { minSize?: number; maxSize?: number; desiredSize?: number };
}

export interface NodeGroupReadiness {
  readonly ready: boolean;
  readonly groups: { name: string; status: string; detail: string }[];
}

/** Throws ClusterNotActiveError unless the cluster is ACTIVE; returns its Kubernetes version. */
export async function requireActiveCluster({
  eks,
  clusterName,
}: ClusterDependencies): Promise<{ version?: string }> {
  const cluster = await findEksCluster(eks, clusterName);
  if (!cluster) {
    throw new ClusterNotActiveError(
      `EKS cluster ${clusterName} does not exist: deploy its ClusterStack first`,
      {
        clusterName,
      },
    );
  }
  if (cluster.status !== 'ACTIVE') {
    throw new ClusterNotActiveError(`EKS cluster ${clusterName} is ${cluster.status}, not ACTIVE`, {
      clusterName,
      status: cluster.status,
    });
  }
  return { version: cluster.version };
}

export async function listNodeGroups(eks: EKSClient, clusterName: string): Promise<string[]> {
  return callAws(`eks:ListNodegroups ${clusterName}`, async () => {
    const names: string[] = [];
    for await (const page of paginateListNodegroups({ client: eks }, { clusterName }))
      names.push(...(page.nodegroups ?? []));
    return names;
  });
}

export async function describeNodeGroup(
  eks: EKSClient,
  clusterName: string,
  name: string,
): Promise<Nodegroup> {
  const { nodegroup } = await callAws(`eks:DescribeNodegroup ${clusterName}/${name}`, () =>
    eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName: name })),
  );
  if (!nodegroup) throw new NodeGroupNotReadyError(`node group ${name} was not described`, { name });
  return nodegroup;
}

function scalingOf(spec: NodeGroupSpec) {
  return { minSize: spec.minSize, maxSize: spec.maxSize, desiredSize: spec.desiredSize };
}

function sameScaling(group: Nodegroup, spec: NodeGroupSpec): boolean {
  const current = group.scalingConfig ?? {};
  return (
    current.minSize === spec.minSize &&
    current.maxSize === spec.maxSize &&
    current.desiredSize === spec.desiredSize
  );
}

/**
 * Creates the missing node groups and rescales the others to their configured sizes (or, in a
 * dry run, says it would). Returns what it did, group by group, in the configured order.
 */
export async function ensureNodeGroups(
  { eks, clusterName }: ClusterDependencies,
  specs: readonly NodeGroupSpec[],
  dryRun: boolean,
): Promise<NodeGroupChange[]> {
  const existing = new Set(await listNodeGroups(eks, clusterName));
  const described = new Map<string, Nodegroup>();
  for (const name of existing) described.set(name, await describeNodeGroup(eks, clusterName, name));
  const changes: NodeGroupChange[] = [];
  for (const spec of specs) {
    const current = described.get(spec.name);
    if (!current) {
      if (!dryRun) await createNodeGroup(eks, clusterName, spec, [...described.values()]);
      changes.push({ name: spec.name, action: 'created', scaling: scalingOf(spec) });
      continue;
    }
    if (sameScaling(current, spec)) {
      changes.push({ name: spec.name, action: 'unchanged', scaling: scalingOf(spec) });
      continue;
    }
    if (!dryRun) {
      await callAws(`eks:UpdateNodegroupConfig ${clusterName}/${spec.name}`, () =>
        eks.send(
          new UpdateNodegroupConfigCommand({
            clusterName,
            nodegroupName: spec.name,
            scalingConfig: scalingOf(spec),
          }),
        ),
      );
    }
    changes.push({
      name: spec.name,
      action: 'scaled',
      scaling: scalingOf(spec),
      previous: { ...current.scalingConfig },
    });
  }
  return changes;
}

async function createNodeGroup(
  eks: EKSClient,
  clusterName: string,
  spec: NodeGroupSpec,
  siblings: readonly Nodegroup[],
): Promise<void> {
  const template = siblings.find((group) => group.nodeRole && (group.subnets?.length ?? 0) > 0);
  if (!template) {
    throw new NodeGroupCreationError(
      `node group ${spec.name} does not exist and cluster ${clusterName} has no node group to take its subnets and node role from: create the cluster's node groups with its ClusterStack`,
      { clusterName, nodeGroup: spec.name },
    );
  }
  await callAws(`eks:CreateNodegroup ${clusterName}/${spec.name}`, () =>
    eks.send(
      new CreateNodegroupCommand({
        clusterName,
        nodegroupName: spec.name,
        scalingConfig: scalingOf(spec),
        instanceTypes: spec.instanceTypes,
        capacityType: spec.capacityType,
        labels: spec.labels,
        taints: spec.taints,
        subnets: template.subnets,
        nodeRole: template.nodeRole,
        amiType: template.amiType,
        // The sibling's launch template (root volume, instance metadata settings), when it has one.
        ...(template.launchTemplate?.id
          ? { launchTemplate: { id: template.launchTemplate.id, version: template.launchTemplate.version } }
          : {}),
        // Same request, same token: a retried Lambda does not create the group twice.
        clientRequestToken: `lakehouse-ops-${clusterName}-${spec.name}`.slice(0, 64),
      }),
    ),
  );
}

const FAILED_STATUSES = new Set(['CREATE_FAILED', 'DELETE_FAILED', 'DEGRADED', 'DELETING']);

/** Whether every configured group is ACTIVE at its configured scaling; NodeGroupNotReadyError for a failed one. */
export async function nodeGroupReadiness(
  { eks, clusterName }: ClusterDependencies,
  specs: readonly NodeGroupSpec[],
): Promise<NodeGroupReadiness> {
  const groups = await Promise.all(
    specs.map(async (spec) => {
      const group = await describeNodeGroup(eks, clusterName, spec.name);
      const status = group.status ?? 'UNKNOWN';
      const issues = (group.health?.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`);
      if (FAILED_STATUSES.has(status)) {
        throw new NodeGroupNotReadyError(
          `node group ${spec.name} is ${status}${issues.length > 0 ? `: ${issues.join('; ')}` : ''}`,
          { nodeGroup: spec.name, status, issues },
        );
      }
      const scaled = sameScaling(group, spec);
      const { desiredSize } = group.scalingConfig ?? {};
      const detail = !scaled
        ? `scaling ${JSON.stringify(group.scalingConfig ?? {})}, configured ${JSON.stringify(scalingOf(spec))}`
        : `${desiredSize} nodes desired`;
      return { name: spec.name, status, detail, ready: status === 'ACTIVE' && scaled };
    }),
  );
  return {
    ready: groups.every((group) => group.ready),
    groups: groups.map(({ name, status, detail }) => ({ name, status, detail })),
  };
}

/** One look at the node groups against the deadline: their readiness, or NodeGroupNotReadyError once it passed. */
export async function awaitNodeGroups(
  dependencies: ClusterDependencies,
  specs: readonly NodeGroupSpec[],
  deadline: Date,
  now: Date = new Date(),
): Promise<NodeGroupReadiness> {
  const readiness = await nodeGroupReadiness(dependencies, specs);
  if (readiness.ready || now.getTime() < deadline.getTime()) return readiness;
  const waiting = readiness.groups
    .map((group) => `${group.name} ${group.status} (${group.detail})`)
    .join('; ');
  throw new NodeGroupNotReadyError(`node groups not ready by ${deadline.toISOString()}: ${waiting}`, {
    deadline: deadline.toISOString(),
    groups: readiness.groups,
  });
}
