import type { V1Node } from '@kubernetes/client-node';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { NodeGroupNotReadyError } from '../../provision/errors.ts';
import { nodeGroupRequestToken } from '../../remediation/playbooks/node-groups.ts';
import { SpotMigrationRefusedError, SpotNodeGroupTimeoutError } from './errors.ts';
import {
  createNodeGroupLike,
  findNodeGroup,
  isNodeReady,
  nodesOfGroup,
  type SpotClusterDependencies,
  troubleOf,
  UNUSABLE_TARGET_STATUSES,
} from './node-groups.ts';
import type { SpotMigrationPlan } from './plan.ts';
import { CORDONED_BY_ANNOTATION, CORDONED_BY_MIGRATION } from './pools.ts';

/**
 * The new group: created like the old one, then awaited until EKS calls it ACTIVE and as many of
 * its Nodes are Ready as it desires. Only then does the old group lose a pod. When the group
 * exists already (a resumed or reversed run), the Nodes an earlier migration cordoned in it are
 * uncordoned: it is the destination now.
 */
export const DEFAULT_NODE_GROUP_TIMEOUT_SECONDS = 1200;

export interface EnsureTargetResult {
  readonly name: string;
  readonly created: boolean;
  /** Nodes of the group that an earlier migration had cordoned, now schedulable again. */
  readonly uncordoned: readonly string[];
  /** ISO time by which the group must be ready. */
  readonly deadline: string;
}

function cordonedByMigration(node: V1Node): boolean {
  return (
    node.spec?.unschedulable === true &&
    node.metadata?.annotations?.[CORDONED_BY_ANNOTATION] === CORDONED_BY_MIGRATION
  );
}

async function uncordonMigrationNodes(
  dependencies: SpotClusterDependencies,
  group: string,
): Promise<string[]> {
  const nodes = (await nodesOfGroup(dependencies, group)).filter(cordonedByMigration);
  for (const node of nodes) {
    await dependencies.kubernetes.patch(
      kubernetesResources.nodes.named(node.metadata?.name ?? ''),
      { metadata: { annotations: { [CORDONED_BY_ANNOTATION]: null } }, spec: { unschedulable: false } },
      { strategy: 'merge' },
    );
  }
  return nodes.map((node) => node.metadata?.name ?? '');
}

export async function ensureTargetGroup(
  dependencies: SpotClusterDependencies,
  plan: SpotMigrationPlan,
  options: { executionId: string; timeoutSeconds?: number },
): Promise<EnsureTargetResult> {
  if (plan.dryRun) {
    throw new SpotMigrationRefusedError(
      'ensureTargetGroup was given a dry-run plan: a dry run creates no node group',
      {
        pool: plan.pool,
      },
    );
  }
  const now = (dependencies.now ?? (() => new Date()))();
  const deadline = new Date(
    now.getTime() + (options.timeoutSeconds ?? DEFAULT_NODE_GROUP_TIMEOUT_SECONDS) * 1000,
  ).toISOString();
  const { target } = plan;
  if (await findNodeGroup(dependencies, target.name)) {
    return {
      name: target.name,
      created: false,
      uncordoned: await uncordonMigrationNodes(dependencies, target.name),
      deadline,
    };
  }
  const source = plan.source ? await findNodeGroup(dependencies, plan.source.name) : undefined;
  if (!source) {
    throw new SpotMigrationRefusedError(
      `neither ${target.name} nor the group to copy it from (${plan.source?.name ?? 'none planned'}) exists any more: plan again`,
      { pool: plan.pool, target: target.name },
    );
  }
  try {
    await createNodeGroupLike(dependencies, source, {
      name: target.name,
      capacityType: target.capacityType,
      instanceTypes: target.instanceTypes,
      requestToken: nodeGroupRequestToken(options.executionId, target.name),
    });
  } catch (error) {
    // A retried step whose first attempt created the group: it is there, which is all we wanted.
    if ((error as Error).name !== 'ResourceInUseException') throw error;
    return { name: target.name, created: false, uncordoned: [], deadline };
  }
  return { name: target.name, created: true, uncordoned: [], deadline };
}

export interface TargetReadiness {
  readonly ready: boolean;
  readonly status: string;
  readonly desiredSize: number;
  readonly readyNodes: number;
  readonly detail: string;
}

/** One look at the new group; SpotNodeGroupTimeoutError once the deadline passed without it ready. */
export async function checkTargetGroup(
  dependencies: SpotClusterDependencies,
  plan: SpotMigrationPlan,
  deadline: Date,
): Promise<TargetReadiness> {
  const name = plan.target.name;
  const group = await findNodeGroup(dependencies, name);
  if (!group)
    throw new NodeGroupNotReadyError(`node group ${name} does not exist (deleted meanwhile?)`, {
      nodeGroup: name,
    });
  const status = group.status ?? 'UNKNOWN';
  const trouble = troubleOf(group, UNUSABLE_TARGET_STATUSES);
  if (trouble) throw new NodeGroupNotReadyError(`node group ${trouble.description}`, { ...trouble });
  const desiredSize = group.scalingConfig?.desiredSize ?? 0;
  const readyNodes = (await nodesOfGroup(dependencies, name)).filter(
    (node) => isNodeReady(node) && !node.spec?.unschedulable,
  ).length;
  const ready = status === 'ACTIVE' && readyNodes >= desiredSize;
  const detail = `${name} ${status}, ${readyNodes} of ${desiredSize} nodes Ready and schedulable`;
  const now = (dependencies.now ?? (() => new Date()))();
  if (!ready && now.getTime() >= deadline.getTime()) {
    throw new SpotNodeGroupTimeoutError(
      `node group ${name} not ready by ${deadline.toISOString()}: ${detail}`,
      {
        nodeGroup: name,
        status,
        desiredSize,
        readyNodes,
      },
    );
  }
  return { ready, status, desiredSize, readyNodes, detail };
}
