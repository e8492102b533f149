import type { PlatformLayout } from '../../functions/core/platform/layout.ts';
import { FAULT_ANNOTATION, type KubeSim, type Pod, type PodFault } from '../kube-sim/index.ts';

/**
 * A Prefect worker pod made to crash-loop, as the remediation drill, tests and benchmark need it:
 * kube-sim's kubelet puts the pod in CrashLoopBackOff (kube-state-metrics' waiting reason, which
 * PodCrashLooping reads) until the pod is deleted; its Deployment's replacement is healthy.
 */
export async function crashLoopPrefectWorker(kube: KubeSim, layout: PlatformLayout): Promise<Pod> {
  const { namespace, workerSelector } = layout.prefect;
  const pod = kube
    .list<Pod>('v1', 'Pod', namespace, workerSelector)
    .find((candidate) => !candidate.metadata.annotations?.[FAULT_ANNOTATION]);
  if (!pod?.metadata.name)
    throw new Error(`no healthy Prefect worker pod matches ${workerSelector} in ${namespace}`);
  await markPodFault(kube, pod, 'crash-loop');
  return pod;
}

/**
 * A pod whose containers are OOM-killed from now on: each kube-sim tick() is one more restart with
 * the last termination reason OOMKilled, which is what the right-sizing watch counts.
 */
export function oomKillPod(kube: KubeSim, pod: Pod): Promise<void> {
  return markPodFault(kube, pod, 'oom-killed');
}

async function markPodFault(kube: KubeSim, pod: Pod, fault: PodFault): Promise<void> {
  kube.apply({
    ...pod,
    metadata: { ...pod.metadata, annotations: { ...pod.metadata.annotations, [FAULT_ANNOTATION]: fault } },
  });
  await kube.settle();
}
