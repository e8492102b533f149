import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { NodeGroupNotReadyError } from '../../provision/errors.ts';
import { classifyPods } from '../../remediation/playbooks/cordon-drain-node.ts';
import { nodeGroupRequestToken } from '../../remediation/playbooks/node-groups.ts';
import { SpotNodeGroupTimeoutError, SpotSourceNotDrainedError } from './errors.ts';
import {
  deleteNodeGroup,
  findNodeGroup,
  nodesOfGroup,
  type SpotClusterDependencies,
  scaleNodeGroupToZero,
  troubleOf,
  UNREMOVABLE_STATUSES,
} from './node-groups.ts';
import type { SpotMigrationPlan } from './plan.ts';

/**
 * Removes the drained old group in two moves, one per call, polled by the workflow: scale it to
 * zero (its instances end through the normal scale-in), then, once no Node of it is left, delete
 * it. Before either move every Node of the group must be cordoned and hold nothing that should be
 * evicted: nothing is ever taken away with a node. Each call looks at the group afresh, so a
 * re-run continues from whatever state the last one left.
 */
export const DEFAULT_RETIRE_TIMEOUT_SECONDS = 1800;

export type RetirementPhase = 'scaling' | 'deleting' | 'deleted';

export interface Retirement {
  readonly phase: RetirementPhase;
  readonly deadline: string;
  readonly detail: string;
}

async function requireDrained(dependencies: SpotClusterDependencies, group: string): Promise<number> {
  const nodes = await nodesOfGroup(dependencies, group);
  const problems: string[] = [];
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    if (!node.spec?.unschedulable) problems.push(`${name} is schedulable`);
    const pods = await dependencies.kubernetes.list(kubernetesResources.pods.inAllNamespaces(), {
      fieldSelector: `spec.nodeName=${name}`,
    });
    const { evict, keep } = classifyPods(pods);
    const held = [
      ...evict.map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`),
      ...keep.map((verdict) => verdict.pod),
    ];
    if (held.length > 0) problems.push(`${name} still runs ${held.join(', ')}`);
  }
  if (problems.length > 0) {
    throw new SpotSourceNotDrainedError(
      `node group ${group} is not drained, so it is not removed: ${problems.join('; ')}; run the migration again to drain it`,
      { nodeGroup: group, problems },
    );
  }
  return nodes.length;
}

export async function retireSourceGroup(
  dependencies: SpotClusterDependencies,
  plan: SpotMigrationPlan,
  options: { executionId: string; deadline?: string; timeoutSeconds?: number },
): Promise<Retirement> {
  const now = (dependencies.now ?? (() => new Date()))();
  const deadline =
    options.deadline ??
    new Date(now.getTime() + (options.timeoutSeconds ?? DEFAULT_RETIRE_TIMEOUT_SECONDS) * 1000).toISOString();
  const name = plan.source?.name;
  const group = name ? await findNodeGroup(dependencies, name) : undefined;
  if (!name || !group) return { phase: 'deleted', deadline, detail: `${name ?? 'the old group'} is gone` };

  const status = group.status ?? 'UNKNOWN';
  const retirement = await (async (): Promise<Omit<Retirement, 'deadline'>> => {
    if (status === 'DELETING') return { phase: 'deleting', detail: `${name} is DELETING` };
    const trouble = troubleOf(group, UNREMOVABLE_STATUSES);
    if (trouble) throw new NodeGroupNotReadyError(`node group ${trouble.description}`, { ...trouble });
    const nodes = await requireDrained(dependencies, name);
    if (status !== 'ACTIVE')
      return { phase: 'scaling', detail: `${name} is ${status}; ${nodes} node(s) left` };
    const { minSize = 0, desiredSize = 0 } = group.scalingConfig ?? {};
    if (minSize > 0 || desiredSize > 0) {
      await scaleNodeGroupToZero(
        dependencies,
        name,
        nodeGroupRequestToken(options.executionId, `${name}-zero`),
      );
      return { phase: 'scaling', detail: `${name} scaled from ${desiredSize} to 0 nodes` };
    }
    if (nodes > 0)
      return { phase: 'scaling', detail: `${name} at 0 desired, ${nodes} node(s) still leaving` };
    await deleteNodeGroup(dependencies, name);
    return { phase: 'deleting', detail: `${name} deleted` };
  })();
  if (now.getTime() >= Date.parse(deadline)) {
    throw new SpotNodeGroupTimeoutError(
      `node group ${name} not removed by ${deadline}: ${retirement.detail}`,
      {
        nodeGroup: name,
        phase: retirement.phase,
      },
    );
  }
  return { ...retirement, deadline };
}
