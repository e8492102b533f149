import type { V1Node } from '@kubernetes/client-node';
import * as z from 'zod/mini';
import { namedError } from '../../../commons/errors.ts';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import type { PlatformLayout } from '../../platform/layout.ts';
import { checkRollouts } from '../../provision/rollout.ts';
import type { NodeGroupControl } from './node-groups.ts';
import type { NodeGroupChange, OffHoursPlan } from './plan.ts';
import { describeSize, sameSize } from './saved-state.ts';

/**
 * One look at whether the changes have settled, polled by the workflow until `complete` or the
 * deadline: then OffHoursNotSettledError names what is still waiting and why.
 *
 * - node groups: ACTIVE at the planned sizes, and the group's Nodes follow (sleep: no more Nodes
 *   than desired; wake: at least desired Ready Nodes, so workloads have somewhere to run);
 * - workloads: `kubectl rollout status` (functions/core/provision/rollout.ts): at zero, the old
 *   pods are gone; restored, every replica is available.
 */
export const VERIFY_PHASES = ['node-groups', 'workloads', 'all'] as const;
export type VerifyPhase = (typeof VERIFY_PHASES)[number];

export const progressSchema = z.object({
  complete: z.boolean(),
  waiting: z.array(z.string()),
});
export type OffHoursProgress = z.output<typeof progressSchema>;

/** The changes did not settle by the deadline, or a node group failed. */
export class OffHoursNotSettledError extends namedError('OffHoursNotSettledError') {}

export interface VerifyDependencies {
  readonly kubernetes: KubernetesApi;
  readonly nodeGroups: NodeGroupControl;
  readonly layout: PlatformLayout;
  readonly clock?: () => Date;
}

const FAILED_STATUSES = new Set(['CREATE_FAILED', 'DELETE_FAILED', 'DEGRADED', 'DELETING']);

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

async function nodeGroupsWaiting(
  plan: OffHoursPlan,
  { kubernetes, nodeGroups, layout }: VerifyDependencies,
): Promise<string[]> {
  if (plan.changes.nodeGroups.length === 0) return [];
  const nodes = await kubernetes.list<V1Node>(kubernetesResources.nodes.all());
  const waiting: string[] = [];
  for (const change of plan.changes.nodeGroups) {
    const problem = await nodeGroupProblem(change, plan.action, nodes, nodeGroups, layout);
    if (problem) waiting.push(problem);
  }
  return waiting;
}

async function nodeGroupProblem(
  { name, to }: NodeGroupChange,
  action: OffHoursPlan['action'],
  nodes: readonly V1Node[],
  nodeGroups: NodeGroupControl,
  layout: PlatformLayout,
): Promise<string | undefined> {
  const group = await nodeGroups.find(name);
  // Deleted since the plan: nothing will ever come of waiting for it (the act step reported it gone).
  if (!group) return undefined;
  if (FAILED_STATUSES.has(group.status)) {
    throw new OffHoursNotSettledError(`node group ${name} is ${group.status}`, {
      nodeGroup: name,
      status: group.status,
    });
  }
  if (group.status !== 'ACTIVE' || !sameSize(group, to))
    return `node group ${name}: ${group.status} at ${describeSize(group)}, waiting for ${describeSize(to)}`;
  const members = nodes.filter((node) => node.metadata?.labels?.[layout.nodes.nodeGroupLabel] === name);
  if (action === 'sleep' && members.length > to.desiredSize)
    return `node group ${name}: ${members.length} nodes still registered, ${to.desiredSize} desired`;
  const ready = members.filter(isReady).length;
  if (action === 'wake' && ready < to.desiredSize)
    return `node group ${name}: ${ready} of ${to.desiredSize} nodes Ready`;
  return undefined;
}

async function workloadsWaiting(plan: OffHoursPlan, kubernetes: KubernetesApi): Promise<string[]> {
  const references = plan.changes.workloads.map(({ kind, namespace, name }) => ({ kind, namespace, name }));
  if (references.length === 0) return [];
  const report = await checkRollouts(kubernetes, references);
  return report.workloads
    .filter((workload) => workload.state !== 'complete' && !workload.status.startsWith('not found'))
    .map(
      (workload) =>
        `${workload.workload}: ${workload.status}${workload.pods ? ` (${workload.pods.join('; ')})` : ''}`,
    );
}

export async function verifyOffHours(
  plan: OffHoursPlan,
  phase: VerifyPhase,
  deadline: string,
  dependencies: VerifyDependencies,
): Promise<OffHoursProgress> {
  const waiting = [
    ...(phase === 'workloads' ? [] : await nodeGroupsWaiting(plan, dependencies)),
    ...(phase === 'node-groups' ? [] : await workloadsWaiting(plan, dependencies.kubernetes)),
  ];
  if (waiting.length === 0) return { complete: true, waiting };
  const now = (dependencies.clock ?? (() => new Date()))();
  if (now.getTime() < new Date(deadline).getTime()) return { complete: false, waiting };
  throw new OffHoursNotSettledError(
    `off-hours ${plan.action} of ${plan.environment} did not settle by ${deadline}: ${waiting.join('; ')}`,
    { environment: plan.environment, action: plan.action, deadline, waiting },
  );
}
