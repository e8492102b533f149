import { type ControllerContext, isReady } from './controllers/context.ts';
import { computeBudget, podsCoveredBy } from './controllers/disruption.ts';
import { apiErrors, type Status, successStatus } from './errors.ts';
import { clone, type Pod, type PodDisruptionBudget } from './model.ts';
import { TYPES } from './resources.ts';
import { selectorMatches } from './selectors.ts';

/**
 * POST .../pods/{name}/eviction: deletes the pod only if every PodDisruptionBudget covering it
 * allows one more disruption, and charges the budget; otherwise 429 TooManyRequests, which
 * callers (kubectl drain, our remediation) treat as "back off and retry".
 */
const BLOCKED_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";

export function evictPod(
  context: ControllerContext,
  namespace: string,
  name: string,
  dryRun: boolean,
): Status {
  const pod = context.api.get(TYPES.pod, namespace, name) as Pod;
  const budgets = (context.api.list(TYPES.podDisruptionBudget, namespace) as PodDisruptionBudget[]).filter(
    (budget) => selectorMatches(budget.spec.selector, pod.metadata.labels),
  );
  const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  if (pod.metadata.deletionTimestamp || finished || budgets.length === 0) return remove(context, pod, dryRun);
  if (budgets.length > 1) {
    throw apiErrors.internal(
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  }
  const budget = budgets[0]!;
  const computed = computeBudget(context, budget, podsCoveredBy(context, budget));
  const blocked = (current: number, desired: number) =>
    apiErrors.tooManyRequests(
      BLOCKED_MESSAGE,
      [
        {
          reason: 'DisruptionBudget',
          message: `The disruption budget ${budget.metadata.name} needs ${desired} healthy pods and has ${current} currently`,
        },
      ],
      10,
    );
  // An unhealthy pod does not reduce availability, so it may go while the budget is met (IfHealthyBudget).
  if (!isReady(pod)) {
    if (computed.currentHealthy >= computed.desiredHealthy) return remove(context, pod, dryRun);
    throw blocked(computed.currentHealthy, computed.desiredHealthy);
  }
  const status = budget.status;
  if (
    !status ||
    (status.observedGeneration ?? 0) < (budget.metadata.generation ?? 1) ||
    status.disruptionsAllowed <= 0
  ) {
    throw blocked(
      status?.currentHealthy ?? computed.currentHealthy,
      status?.desiredHealthy ?? computed.desiredHealthy,
    );
  }
  if (!dryRun) {
    const charged = clone(budget);
    charged.status = {
      ...status,
      disruptionsAllowed: status.disruptionsAllowed - 1,
      disruptedPods: { ...status.disruptedPods, [name]: context.now() },
    };
    context.api.update(TYPES.podDisruptionBudget, charged, namespace, budget.metadata.name ?? '', {
      subresource: 'status',
      manager: 'kube-apiserver',
      trusted: true,
    });
  }
  return remove(context, pod, dryRun);
}

function remove(context: ControllerContext, pod: Pod, dryRun: boolean): Status {
  if (!dryRun && !pod.metadata.deletionTimestamp) {
    context.api.delete(TYPES.pod, pod.metadata.namespace, pod.metadata.name ?? '', {
      manager: 'kube-apiserver',
    });
  }
  return successStatus(201);
}
