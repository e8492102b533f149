import type { V1Pod } from '@kubernetes/client-node';

/**
 * Why a pod is not ready, from its own status: each container waiting (ImagePullBackOff,
 * CrashLoopBackOff...), terminated, or running unready, and a failed scheduling attempt with the
 * scheduler's message. What `kubectl describe pod` would make an operator read first.
 */
export function podProblems(pod: V1Pod): string[] {
  const problems: string[] = [];
  for (const container of pod.status?.containerStatuses ?? []) {
    const waiting = container.state?.waiting;
    const terminated = container.state?.terminated;
    if (waiting)
      problems.push(`container ${container.name} waiting: ${describe(waiting.reason, waiting.message)}`);
    else if (terminated) {
      problems.push(
        `container ${container.name} terminated: ${describe(terminated.reason, terminated.message)}`,
      );
    } else if (!container.ready) problems.push(`container ${container.name} running but not ready`);
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False')
    problems.push(`not scheduled: ${describe(scheduled.reason, scheduled.message)}`);
  return problems;
}

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function describe(reason: string | undefined, message: string | undefined): string {
  return [reason ?? 'unknown reason', message].filter(Boolean).join(' - ');
}
