import * as z from 'zod/mini';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { nodeGroupRequestToken } from '../../remediation/playbooks/node-groups.ts';
import { asleepAnnotations, awakeAnnotations } from './annotations.ts';
import type { NodeGroupControl } from './node-groups.ts';
import type { OffHoursPlan } from './plan.ts';
import { describeSize, workloadKey } from './saved-state.ts';
import { patchWorkloadChanges } from './workload-scaling.ts';

/**
 * The act steps: Kubernetes objects (workloads, then CronJobs) and node groups, each change of the
 * plan applied on its own and reported with its outcome. Workload patches are merge patches of
 * exactly the fields off-hours owns (spec.replicas or spec.suspend, and its annotations), sent with
 * dryRun=All in a dry run. EKS has no dry run: a dry run only reports the node group changes.
 * An object deleted since the plan is reported `gone`, not an error: there is nothing to scale.
 */
export const CHANGE_OUTCOMES = ['changed', 'dry-run', 'gone'] as const;

export const changeResultSchema = z.object({
  kind: nonEmptyString(),
  namespace: z.optional(nonEmptyString()),
  name: nonEmptyString(),
  change: nonEmptyString(),
  outcome: z.enum(CHANGE_OUTCOMES),
});
export type ChangeResult = z.output<typeof changeResultSchema>;

export const actResultSchema = z.object({
  results: z.array(changeResultSchema),
  /** Until when the verification waits for the changes to settle. */
  deadline: z.iso.datetime(),
});
export type ActResult = z.output<typeof actResultSchema>;

export interface ActDependencies {
  readonly kubernetes: KubernetesApi;
  readonly nodeGroups: NodeGroupControl;
  readonly clock?: () => Date;
}

/** Field manager recorded in managedFields for off-hours' writes. */
export const FIELD_MANAGER = 'lakehouse-ops-off-hours';

function deadlineAfter(now: Date, seconds: number): string {
  return new Date(now.getTime() + seconds * 1000).toISOString();
}

/** Sleep scales the plan's workloads to zero and suspends its CronJobs; wake gives back the saved values. */
export async function applyWorkloadChanges(
  plan: OffHoursPlan,
  rolloutTimeoutSeconds: number,
  { kubernetes, clock }: ActDependencies,
): Promise<ActResult> {
  const now = (clock ?? (() => new Date()))();
  const { dryRun, environment } = plan;
  const savedReplicas = new Map(plan.saved.workloads.map((entry) => [workloadKey(entry), entry.replicas]));
  const annotations = (replicas?: number) =>
    plan.action === 'sleep' ? asleepAnnotations(plan.plannedAt, environment, replicas) : awakeAnnotations();
  const results = await patchWorkloadChanges(kubernetes, plan.changes, {
    dryRun,
    fieldManager: FIELD_MANAGER,
    workloadAnnotations: (change) => annotations(savedReplicas.get(workloadKey(change))),
    cronJobAnnotations: () => annotations(),
  });
  return { results, deadline: deadlineAfter(now, rolloutTimeoutSeconds) };
}

/** Resizes the plan's node groups (min, desired and max at once); one request token per execution and group. */
export async function applyNodeGroupChanges(
  plan: OffHoursPlan,
  executionId: string,
  nodeGroupTimeoutSeconds: number,
  { nodeGroups, clock }: ActDependencies,
): Promise<ActResult> {
  const now = (clock ?? (() => new Date()))();
  const results: ChangeResult[] = [];
  for (const { name, from, to } of plan.changes.nodeGroups) {
    const change = `${describeSize(from)} -> ${describeSize(to)}`;
    if (plan.dryRun) {
      results.push({ kind: 'NodeGroup', name, change, outcome: 'dry-run' });
      continue;
    }
    if (!(await nodeGroups.find(name))) {
      results.push({ kind: 'NodeGroup', name, change, outcome: 'gone' });
      continue;
    }
    await nodeGroups.resize(name, to, nodeGroupRequestToken(executionId, name));
    results.push({ kind: 'NodeGroup', name, change, outcome: 'changed' });
  }
  return { results, deadline: deadlineAfter(now, nodeGroupTimeoutSeconds) };
}
