import type { V1Pod } from '@kubernetes/client-node';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { deletePodParams } from './catalogue.ts';
import { definePlaybook, refused, skipped, tell } from './playbook.ts';
import { controllerOf, podSnapshot, restartsOf } from './workloads.ts';

/**
 * Deletes a crash-looping pod so that its controller starts a fresh one (new container, new
 * volumes from the template, possibly another node). Never a pod without a controller: nothing
 * would bring it back. Only a pod that is crash-looping right now, so a stale alert about a pod
 * that recovered does not restart healthy work.
 */
export const DEFAULT_MIN_RESTARTS = 3;

function isCrashLooping(pod: V1Pod, minRestarts: number): boolean {
  const statuses = pod.status?.containerStatuses ?? [];
  return (
    statuses.some((status) => status.state?.waiting?.reason === 'CrashLoopBackOff') ||
    restartsOf(pod) >= minRestarts
  );
}

export const deletePod = definePlaybook('delete-pod', deletePodParams, async (context) => {
  const { kubernetes, target, dryRun, params } = context;
  const namespace = target.namespace ?? '';
  const path = kubernetesResources.pods.named(namespace, target.name);
  const described = `pod ${namespace}/${target.name}`;
  const pod = await kubernetes.get(path);
  if (!pod) return skipped(`${described} is already gone`);
  const before = podSnapshot(pod);
  const owner = controllerOf(pod);
  if (!owner) {
    return refused(`${described} has no controller: deleted, it would not come back`, before);
  }
  const minRestarts = params.minRestarts ?? DEFAULT_MIN_RESTARTS;
  if (!isCrashLooping(pod, minRestarts)) {
    return refused(
      `${described} is not crash-looping (no container in CrashLoopBackOff, ${restartsOf(pod)} restarts, fewer than ${minRestarts})`,
      before,
    );
  }
  await kubernetes.delete(path, { dryRun });
  const why = `restarted ${restartsOf(pod)} times; ${owner.kind} ${owner.name} recreates it`;
  return {
    outcome: 'acted',
    detail: tell(dryRun, `deleted ${described} (${why})`, `would delete ${described} (${why})`),
    before,
    after: { ...before, deleted: true },
    changes: [{ kind: 'Pod', namespace, name: target.name, change: 'deleted' }],
  };
});
