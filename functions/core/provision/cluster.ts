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

/** `skipped`: the pool is in the middle of a spot migration (see poolGroupOf). */
export type NodeGroupAction = 'created' | 'scaled' | 'unchanged' | 'skipped';

export interface NodeGroupChange {
  readonly name: string;
  readonly action: NodeGroupAction;
  readonly scaling: { minSize: number; maxSize: number; desiredSize: number };
  /** The scaling before, for a scaled group. */
  readonly previous?: { minSize?: number; maxSize?: number; desiredSize?: number };
  /** Why a pool was skipped. */
  readonly detail?: string;
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
 * Which existing group is a configured pool's: the group of its name, else the one group carrying
 * the pool's labels (spot-migration replaces the compute pool's group with `compute-spot` or
 * `compute-on-demand`, and provision must rescale that one, not create a second). Two groups with
 * the pool's labels mean a migration is under way or stopped half-way: provision leaves the pool
 * alone rather than fight the migration's drain.
 */
export type PoolGroup =
  | { readonly kind: 'found'; readonly group: Nodegroup }
  | { readonly kind: 'missing' }
  | { readonly kind: 'migrating'; readonly groups: readonly string[] };

function carriesLabels(group: Nodegroup, labels: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(labels);
  return entries.length > 0 && entries.every(([key, value]) => group.labels?.[key] === value);
}

export function poolGroupOf(spec: NodeGroupSpec, groups: readonly Nodegroup[]): PoolGroup {
  const named = groups.find((group) => group.nodegroupName === spec.name);
  const labelled = groups.filter((group) => carriesLabels(group, spec.labels));
  if (labelled.length > 1) {
    return { kind: 'migrating', groups: labelled.map((group) => group.nodegroupName ?? '?') };
  }
  const group = named ?? labelled[0];
  return group ? { kind: 'found', group } : { kind: 'missing' };
}

async function describeAllGroups(eks: EKSClient, clusterName: string): Promise<Nodegroup[]> {
  const names = await listNodeGroups(eks, clusterName);
  return Promise.all(names.map((name) => describeNodeGroup(eks, clusterName, name)));
}

/**
 * Creates the missing node groups and rescales the others to their configured sizes (or, in a
 * dry run, says it would). Returns what it did, pool by pool, in the configured order; `name` is
 * the group's actual name.
 */
export async function ensureNodeGroups(
  { eks, clusterName }: ClusterDependencies,
  specs: readonly NodeGroupSpec[],
  dryRun: boolean,
): Promise<NodeGroupChange[]> {
  const described = await describeAllGroups(eks, clusterName);
  const changes: NodeGroupChange[] = [];
  for (const spec of specs) {
    const pool = poolGroupOf(spec, described);
    if (pool.kind === 'migrating') {
      changes.push({
        name: spec.name,
        action: 'skipped',
        scaling: scalingOf(spec),
        detail: migratingDetail(spec, pool.groups),
      });
      continue;
    }
    if (pool.kind === 'missing') {
      if (!dryRun) await createNodeGroup(eks, clusterName, spec, described);
      changes.push({ name: spec.name, action: 'created', scaling: scalingOf(spec) });
      continue;
    }
    const current = pool.group;
    const name = current.nodegroupName ?? spec.name;
    if (sameScaling(current, spec)) {
      changes.push({ name, action: 'unchanged', scaling: scalingOf(spec) });
      continue;
    }
    if (!dryRun) {
      await callAws(`eks:UpdateNodegroupConfig ${clusterName}/${name}`, () =>
        eks.send(
          new UpdateNodegroupConfigCommand({
            clusterName,
            nodegroupName: name,
            scalingConfig: scalingOf(spec),
          }),
        ),
      );
    }
    changes.push({
      name,
      action: 'scaled',
      scaling: scalingOf(spec),
      previous: { ...current.scalingConfig },
    });
  }
  return changes;
}

function migratingDetail(spec: NodeGroupSpec, groups: readonly string[]): string {
  return `pool ${spec.name} has ${groups.length} node groups (${groups.join(', ')}): a spot migration is under way or stopped half-way, so provision leaves the pool to it; finish or reverse the migration (runbooks/spot-migration.md)`;
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
        // The pool's own launch template from the ClusterStack (root volume, instance metadata
        // settings); without one configured, the sibling's, when it has one.
        ...launchTemplateFor(spec, template),
        // Same request, same token: a retried Lambda does not create the group twice.
        clientRequestToken: `lakehouse-ops-${clusterName}-${spec.name}`.slice(0, 64),
      }),
    ),
  );
}

function launchTemplateFor(spec: NodeGroupSpec, sibling: Nodegroup) {
  if (spec.launchTemplate) return { launchTemplate: { name: spec.launchTemplate.name } };
  const { id, version } = sibling.launchTemplate ?? {};
  return id ? { launchTemplate: { id, version } } : {};
}

const FAILED_STATUSES = new Set(['CREATE_FAILED', 'DELETE_FAILED', 'DEGRADED', 'DELETING']);

/** Whether every configured group is ACTIVE at its configured scaling; NodeGroupNotReadyError for a failed one. */
export async function nodeGroupReadiness(
  { eks, clusterName }: ClusterDependencies,
  specs: readonly NodeGroupSpec[],
): Promise<NodeGroupReadiness> {
  const described = await describeAllGroups(eks, clusterName);
  const groups = specs.map((spec) => {
    const pool = poolGroupOf(spec, described);
    if (pool.kind === 'missing') {
      return { name: spec.name, status: 'MISSING', detail: 'no node group of this pool yet', ready: false };
    }
    // The migration waits for its own groups; provision does not wait for a pool it left alone.
    if (pool.kind === 'migrating') {
      return {
        name: spec.name,
        status: 'MIGRATING',
        detail: migratingDetail(spec, pool.groups),
        ready: true,
      };
    }
    const { group } = pool;
    const name = group.nodegroupName ?? spec.name;
    const status = group.status ?? 'UNKNOWN';
    const issues = (group.health?.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`);
    if (FAILED_STATUSES.has(status)) {
      throw new NodeGroupNotReadyError(
        `node group ${name} is ${status}${issues.length > 0 ? `: ${issues.join('; ')}` : ''}`,
        { nodeGroup: name, status, issues },
      );
    }
    const scaled = sameScaling(group, spec);
    const { desiredSize } = group.scalingConfig ?? {};
    const detail = !scaled
      ? `scaling ${JSON.stringify(group.scalingConfig ?? {})}, configured ${JSON.stringify(scalingOf(spec))}`
      : `${desiredSize} nodes desired`;
    return { name, status, detail, ready: status === 'ACTIVE' && scaled };
  });
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
