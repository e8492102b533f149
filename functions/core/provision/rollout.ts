import type {
  V1DaemonSet,
  V1Deployment,
  V1LabelSelector,
  V1Pod,
  V1StatefulSet,
} from '@kubernetes/client-node';
import * as z from 'zod/mini';
import type { KubernetesApi } from '../../commons/kubernetes/api.ts';
import { namespacedResource } from '../../commons/kubernetes/resources.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import { isPodReady, podProblems } from '../kubernetes/pod-problems.ts';
import { RolloutFailedError } from './errors.ts';

/**
 * `kubectl rollout status` for the workloads a stage applied: a workload is rolled out when its
 * controller has observed the latest generation and every replica runs the new template and is
 * available. A Deployment past its progress deadline has failed (ProgressDeadlineExceeded), which
 * no amount of waiting repairs. For a workload still rolling out, the first unready pods say why
 * (image pull, crash loop, unschedulable), so a timeout report names the cause, not just the object.
 */
const ROLLOUT_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
type RolloutKind = (typeof ROLLOUT_KINDS)[number];

export const workloadReferenceSchema = z.object({
  kind: z.enum(ROLLOUT_KINDS),
  namespace: nonEmptyString(),
  name: nonEmptyString(),
});
export type WorkloadReference = z.output<typeof workloadReferenceSchema>;

export function isRolloutKind(kind: string): kind is RolloutKind {
  return (ROLLOUT_KINDS as readonly string[]).includes(kind);
}

export type RolloutState = 'complete' | 'progressing' | 'failed';

export interface WorkloadRollout {
  /** `Deployment prefect/prefect-server`. */
  readonly workload: string;
  readonly state: RolloutState;
  /** kubectl's words: `2 of 3 updated replicas are available`. */
  readonly status: string;
  /** Why pods are not ready, for a workload that is not complete (at most MAX_POD_PROBLEMS pods). */
  readonly pods?: string[];
}

export interface RolloutReport {
  readonly complete: boolean;
  readonly failed: boolean;
  readonly workloads: WorkloadRollout[];
}

const MAX_POD_PROBLEMS = 3;

const workloadPaths = {
  Deployment: namespacedResource<V1Deployment>('apps/v1', 'deployments', 'deployment'),
  StatefulSet: namespacedResource<V1StatefulSet>('apps/v1', 'statefulsets', 'statefulset'),
  DaemonSet: namespacedResource<V1DaemonSet>('apps/v1', 'daemonsets', 'daemonset'),
} as const;
const podPaths = namespacedResource<V1Pod>('v1', 'pods', 'pod');

type Verdict = Pick<WorkloadRollout, 'state' | 'status'>;
type Workload = V1Deployment | V1StatefulSet | V1DaemonSet;

function notObserved(workload: Workload): Verdict | undefined {
  const generation = workload.metadata?.generation ?? 0;
  const observed = workload.status?.observedGeneration ?? 0;
  return observed < generation
    ? { state: 'progressing', status: 'waiting for the rollout to be observed' }
    : undefined;
}

export function deploymentRollout(deployment: V1Deployment): Verdict {
  const unobserved = notObserved(deployment);
  if (unobserved) return unobserved;
  const progressing = deployment.status?.conditions?.find((condition) => condition.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', status: `exceeded its progress deadline: ${progressing.message ?? ''}`.trim() };
  }
  const desired = deployment.spec?.replicas ?? 1;
  const { updatedReplicas = 0, replicas = 0, availableReplicas = 0 } = deployment.status ?? {};
  if (updatedReplicas < desired) {
    return {
      state: 'progressing',
      status: `${updatedReplicas} out of ${desired} new replicas have been updated`,
    };
  }
  if (replicas > updatedReplicas) {
    return {
      state: 'progressing',
      status: `${replicas - updatedReplicas} old replicas are pending termination`,
    };
  }
  if (availableReplicas < updatedReplicas) {
    return {
      state: 'progressing',
      status: `${availableReplicas} of ${updatedReplicas} updated replicas are available`,
    };
  }
  return { state: 'complete', status: `successfully rolled out (${availableReplicas} available)` };
}

export function statefulSetRollout(statefulSet: V1StatefulSet): Verdict {
  const unobserved = notObserved(statefulSet);
  if (unobserved) return unobserved;
  // With OnDelete, pods change only when someone deletes them: there is no rollout to wait for.
  if (statefulSet.spec?.updateStrategy?.type === 'OnDelete') {
    return { state: 'complete', status: 'updateStrategy OnDelete: pods are replaced when deleted' };
  }
  const desired = statefulSet.spec?.replicas ?? 1;
  const {
    readyReplicas = 0,
    updatedReplicas = 0,
    currentRevision,
    updateRevision,
  } = statefulSet.status ?? {};
  if (readyReplicas < desired) {
    return { state: 'progressing', status: `${readyReplicas} of ${desired} pods are ready` };
  }
  const partition = statefulSet.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const expected = desired - partition;
    return updatedReplicas < expected
      ? {
          state: 'progressing',
          status: `${updatedReplicas} of ${expected} pods updated (partition ${partition})`,
        }
      : { state: 'complete', status: `partitioned roll out complete: ${updatedReplicas} new pods` };
  }
  if (updateRevision !== currentRevision) {
    return {
      state: 'progressing',
      status: `waiting for the rolling update to complete: ${updatedReplicas} pods at revision ${updateRevision}`,
    };
  }
  return {
    state: 'complete',
    status: `rolling update complete: ${readyReplicas} pods at revision ${currentRevision}`,
  };
}

export function daemonSetRollout(daemonSet: V1DaemonSet): Verdict {
  const unobserved = notObserved(daemonSet);
  if (unobserved) return unobserved;
  const {
    desiredNumberScheduled = 0,
    updatedNumberScheduled = 0,
    numberAvailable = 0,
  } = daemonSet.status ?? {};
  if (updatedNumberScheduled < desiredNumberScheduled) {
    return {
      state: 'progressing',
      status: `${updatedNumberScheduled} out of ${desiredNumberScheduled} new pods have been updated`,
    };
  }
  if (numberAvailable < desiredNumberScheduled) {
    return {
      state: 'progressing',
      status: `${numberAvailable} of ${desiredNumberScheduled} updated pods are available`,
    };
  }
  return { state: 'complete', status: `successfully rolled out (${numberAvailable} available)` };
}

function verdictOf(kind: RolloutKind, workload: Workload): Verdict {
  switch (kind) {
    case 'Deployment':
      return deploymentRollout(workload as V1Deployment);
    case 'StatefulSet':
      return statefulSetRollout(workload as V1StatefulSet);
    case 'DaemonSet':
      return daemonSetRollout(workload as V1DaemonSet);
  }
}

function selectorText(selector: V1LabelSelector | undefined): string | undefined {
  const labels = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  return labels.length > 0 ? labels.join(',') : undefined;
}

async function unreadyPods(
  kubernetes: KubernetesApi,
  namespace: string,
  workload: Workload,
): Promise<string[]> {
  const labelSelector = selectorText(workload.spec?.selector);
  if (!labelSelector) return [];
  const pods = await kubernetes.list(podPaths.inNamespace(namespace), { labelSelector });
  return pods
    .filter((pod) => !isPodReady(pod))
    .slice(0, MAX_POD_PROBLEMS)
    .map((pod) => {
      const problems = podProblems(pod);
      const why = problems.length > 0 ? problems.join('; ') : `phase ${pod.status?.phase ?? 'unknown'}`;
      return `${pod.metadata?.name}: ${why}`;
    });
}

async function workloadRollout(
  kubernetes: KubernetesApi,
  reference: WorkloadReference,
): Promise<WorkloadRollout> {
  const workload = `${reference.kind} ${reference.namespace}/${reference.name}`;
  const found = await kubernetes.get<Workload>(
    workloadPaths[reference.kind].named(reference.namespace, reference.name),
  );
  if (!found) return { workload, state: 'failed', status: 'not found: it was applied but no longer exists' };
  const verdict = verdictOf(reference.kind, found);
  if (verdict.state === 'complete') return { workload, ...verdict };
  const pods = await unreadyPods(kubernetes, reference.namespace, found);
  return { workload, ...verdict, ...(pods.length > 0 ? { pods } : {}) };
}

export async function checkRollouts(
  kubernetes: KubernetesApi,
  workloads: readonly WorkloadReference[],
): Promise<RolloutReport> {
  const rollouts = await Promise.all(workloads.map((reference) => workloadRollout(kubernetes, reference)));
  return {
    complete: rollouts.every((rollout) => rollout.state === 'complete'),
    failed: rollouts.some((rollout) => rollout.state === 'failed'),
    workloads: rollouts,
  };
}

/**
 * One look at a stage's rollouts against its deadline: the report while they progress in time;
 * RolloutFailedError, naming each unfinished workload with its status and pods, when one failed
 * or the deadline passed.
 */
export async function awaitRollouts(
  kubernetes: KubernetesApi,
  stage: string,
  workloads: readonly WorkloadReference[],
  deadline: Date,
  now: Date = new Date(),
): Promise<RolloutReport> {
  const report = await checkRollouts(kubernetes, workloads);
  if (report.complete) return report;
  const timedOut = now.getTime() >= deadline.getTime();
  if (!report.failed && !timedOut) return report;
  const unfinished = report.workloads.filter((workload) => workload.state !== 'complete');
  const summary = unfinished
    .map(
      (workload) =>
        `${workload.workload}: ${workload.status}${workload.pods ? ` (${workload.pods.join('; ')})` : ''}`,
    )
    .join('; ');
  const why = report.failed ? 'a rollout failed' : `rollouts not complete by ${deadline.toISOString()}`;
  throw new RolloutFailedError(`stage ${stage}: ${why}: ${summary}`, {
    stage,
    deadline: deadline.toISOString(),
    workloads: unfinished,
  });
}
