import type { V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { isPodReady } from '../../kubernetes/pod-problems.ts';
import { selectorMatches } from './label-selectors.ts';

/**
 * Which PodDisruptionBudgets stand in the way of removing pods, judged as the eviction API judges
 * (policy/v1): a Ready pod may go only while its budget allows a disruption; a pod that is not
 * Ready costs the budget nothing (unhealthyPodEvictionPolicy IfHealthyBudget), so it may go while
 * the budget's healthy pods are enough. That is what lets one unready MinIO pod be restarted.
 */
export async function budgetsIn(api: KubernetesApi, namespace: string): Promise<V1PodDisruptionBudget[]> {
  return api.list(kubernetesResources.podDisruptionBudgets.inNamespace(namespace));
}

export function budgetsSelecting(
  budgets: readonly V1PodDisruptionBudget[],
  labels: Readonly<Record<string, string>> | undefined,
): V1PodDisruptionBudget[] {
  return budgets.filter((budget) => selectorMatches(budget.spec?.selector, labels));
}

function allowsNoDisruption(budget: V1PodDisruptionBudget): boolean {
  return (budget.status?.disruptionsAllowed ?? 0) <= 0;
}

/** The budgets that would refuse the eviction of `pod`. */
export function budgetsBlockingPod(
  budgets: readonly V1PodDisruptionBudget[],
  pod: V1Pod,
): V1PodDisruptionBudget[] {
  const ready = isPodReady(pod);
  return budgetsSelecting(budgets, pod.metadata?.labels).filter((budget) =>
    ready
      ? allowsNoDisruption(budget)
      : (budget.status?.currentHealthy ?? 0) < (budget.status?.desiredHealthy ?? 0),
  );
}

/** The budgets over pods with these (template) labels that allow no disruption now. */
export function budgetsBlockingLabels(
  budgets: readonly V1PodDisruptionBudget[],
  labels: Readonly<Record<string, string>> | undefined,
): V1PodDisruptionBudget[] {
  return budgetsSelecting(budgets, labels).filter(allowsNoDisruption);
}

/** `PodDisruptionBudget minio/minio (0 disruptions allowed, 3 of 3 healthy pods needed)`. */
export function describeBudget(budget: V1PodDisruptionBudget): string {
  const status = budget.status;
  return `PodDisruptionBudget ${budget.metadata?.namespace}/${budget.metadata?.name} (${status?.disruptionsAllowed ?? 0} disruptions allowed, ${status?.currentHealthy ?? 0} healthy of ${status?.desiredHealthy ?? 0} needed)`;
}
