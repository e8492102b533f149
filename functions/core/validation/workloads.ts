import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';

/** Readiness arithmetic shared by the checks that look at Deployments and StatefulSets. */
export interface WorkloadReplicas {
  desired: number;
  ready: number;
  available: number;
}

export function deploymentReplicas(deployment: V1Deployment): WorkloadReplicas {
  return {
    // Kubernetes defaults an unset spec.replicas to 1.
    desired: deployment.spec?.replicas ?? 1,
    ready: deployment.status?.readyReplicas ?? 0,
    available: deployment.status?.availableReplicas ?? 0,
  };
}

export function statefulSetReplicas(statefulSet: V1StatefulSet): WorkloadReplicas {
  return {
    desired: statefulSet.spec?.replicas ?? 1,
    ready: statefulSet.status?.readyReplicas ?? 0,
    available: statefulSet.status?.availableReplicas ?? statefulSet.status?.readyReplicas ?? 0,
  };
}

/**
 * Why a Deployment is not serving, or undefined when it is: missing, scaled to zero, or fewer
 * available replicas than `minimumAvailable` (default: all of spec.replicas).
 */
export function deploymentProblem(
  reference: string,
  deployment: V1Deployment | undefined,
  minimumAvailable?: number,
): string | undefined {
  if (!deployment) return `Deployment ${reference} not found`;
  const replicas = deploymentReplicas(deployment);
  if (replicas.desired === 0) return `Deployment ${reference} is scaled to zero`;
  const required = minimumAvailable ?? replicas.desired;
  if (replicas.available < required) {
    return `Deployment ${reference} has ${replicas.available} available replicas, needs ${required}`;
  }
  return undefined;
}

/** Why a StatefulSet is not fully ready, or undefined when every replica is ready. */
export function statefulSetProblem(
  reference: string,
  statefulSet: V1StatefulSet | undefined,
): string | undefined {
  if (!statefulSet) return `StatefulSet ${reference} not found`;
  const replicas = statefulSetReplicas(statefulSet);
  if (replicas.desired === 0) return `StatefulSet ${reference} is scaled to zero`;
  if (replicas.ready < replicas.desired) {
    return `StatefulSet ${reference} has ${replicas.ready} of ${replicas.desired} replicas ready`;
  }
  return undefined;
}
