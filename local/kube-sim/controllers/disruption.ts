import {
  controllerOf,
  type KubeObject,
  type Pod,
  type PodDisruptionBudget,
  setCondition,
  type Workload,
} from '../model.ts';
import { TYPES } from '../resources.ts';
import { selectorMatches } from '../selectors.ts';
import { type ControllerContext, isReady, scaledValue, writeStatus } from './context.ts';

/**
 * The disruption controller: computes each PodDisruptionBudget's expectedPods, desiredHealthy,
 * currentHealthy and disruptionsAllowed, which the eviction subresource then enforces.
 */
export interface Budget {
  expectedPods: number;
  desiredHealthy: number;
  currentHealthy: number;
  disruptionsAllowed: number;
}

export function podsCoveredBy(context: ControllerContext, budget: PodDisruptionBudget): Pod[] {
  return (context.api.list(TYPES.pod, budget.metadata.namespace) as Pod[]).filter(
    (pod) => !pod.metadata.deletionTimestamp && selectorMatches(budget.spec.selector, pod.metadata.labels),
  );
}

/**
 * The scale a percentage or maxUnavailable is measured against: the replicas of the pods'
 * controllers (a ReplicaSet counts through its Deployment), or the pod count for bare pods.
 */
function expectedScale(context: ControllerContext, pods: Pod[]): number {
  const scales = new Map<string, number>();
  let bare = 0;
  for (const pod of pods) {
    const owner = controllerOf(pod);
    const namespace = pod.metadata.namespace;
    let workload: KubeObject | undefined;
    if (owner?.kind === 'ReplicaSet') {
      const replicaSet = context.api.find(TYPES.replicaSet, namespace, owner.name);
      const deploymentOwner = replicaSet && controllerOf(replicaSet);
      workload =
        deploymentOwner?.kind === 'Deployment'
          ? context.api.find(TYPES.deployment, namespace, deploymentOwner.name)
          : replicaSet;
    } else if (owner?.kind === 'StatefulSet') {
      workload = context.api.find(TYPES.statefulSet, namespace, owner.name);
    }
    if (workload) scales.set(workload.metadata.uid ?? '', (workload as Workload).spec.replicas ?? 1);
    else bare += 1;
  }
  return [...scales.values()].reduce((sum, replicas) => sum + replicas, bare);
}

export function computeBudget(context: ControllerContext, budget: PodDisruptionBudget, pods: Pod[]): Budget {
  const currentHealthy = pods.filter(isReady).length;
  const { minAvailable, maxUnavailable } = budget.spec;
  let expectedPods = pods.length;
  let desiredHealthy = 0;
  if (maxUnavailable !== undefined) {
    expectedPods = expectedScale(context, pods);
    desiredHealthy = Math.max(0, expectedPods - scaledValue(maxUnavailable, expectedPods, true, 0));
  } else if (typeof minAvailable === 'string' && minAvailable.endsWith('%')) {
    expectedPods = expectedScale(context, pods);
    desiredHealthy = scaledValue(minAvailable, expectedPods, true, 0);
  } else {
    desiredHealthy = scaledValue(minAvailable, pods.length, true, 1);
  }
  return {
    expectedPods,
    desiredHealthy,
    currentHealthy,
    disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy),
  };
}

export function reconcileDisruptionBudgets(context: ControllerContext): void {
  for (const budget of context.api.list(TYPES.podDisruptionBudget) as PodDisruptionBudget[]) {
    const pods = podsCoveredBy(context, budget);
    const computed = computeBudget(context, budget, pods);
    // Evictions already granted but whose pods still exist count against the budget.
    const podNames = new Set(pods.map((pod) => pod.metadata.name));
    const disruptedPods = Object.fromEntries(
      Object.entries(budget.status?.disruptedPods ?? {}).filter(([name]) => podNames.has(name)),
    );
    const disruptionsAllowed = Math.max(0, computed.disruptionsAllowed - Object.keys(disruptedPods).length);
    const conditions = setCondition(
      budget.status?.conditions,
      disruptionsAllowed > 0
        ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '' }
        : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '' },
      context.now(),
    );
    writeStatus(context, TYPES.podDisruptionBudget, budget, {
      observedGeneration: budget.metadata.generation,
      ...computed,
      disruptionsAllowed,
      ...(Object.keys(disruptedPods).length > 0 ? { disruptedPods } : {}),
      conditions,
    });
  }
}
