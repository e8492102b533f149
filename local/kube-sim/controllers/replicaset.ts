import type { Pod, Workload } from '../model.ts';
import { TYPES } from '../resources.ts';
import { selectorMatches } from '../selectors.ts';
import {
  type ControllerContext,
  createPodFromTemplate,
  deletePod,
  isActive,
  isReady,
  podsControlledBy,
  writeStatus,
} from './context.ts';

/** ReplicaSet -> Pods: keeps spec.replicas active pods, removing the least useful ones first. */

/** Lower ranks are deleted first: unscheduled, then pending, then unready, then the youngest. */
function deletionRank(pod: Pod): [number, string] {
  const stage = !pod.spec.nodeName ? 0 : pod.status?.phase === 'Pending' ? 1 : !isReady(pod) ? 2 : 3;
  return [stage, pod.metadata.creationTimestamp ?? ''];
}

function byDeletionPreference(a: Pod, b: Pod): number {
  const [stageA, createdA] = deletionRank(a);
  const [stageB, createdB] = deletionRank(b);
  if (stageA !== stageB) return stageA - stageB;
  return createdA < createdB ? 1 : createdA > createdB ? -1 : 0;
}

function reconcile(context: ControllerContext, replicaSet: Workload): void {
  const desired = replicaSet.spec.replicas ?? 1;
  let pods = podsControlledBy(context, replicaSet).filter(isActive);
  if (pods.length < desired) {
    for (let index = pods.length; index < desired; index += 1) {
      pods.push(
        createPodFromTemplate(context, replicaSet, replicaSet.spec.template, {
          generateName: `${replicaSet.metadata.name}-`,
        }),
      );
    }
  } else if (pods.length > desired) {
    const surplus = [...pods].sort(byDeletionPreference).slice(0, pods.length - desired);
    for (const pod of surplus) deletePod(context, pod);
    pods = pods.filter((pod) => !surplus.includes(pod));
  }
  const ready = pods.filter(isReady).length;
  writeStatus(context, TYPES.replicaSet, replicaSet, {
    replicas: pods.length,
    fullyLabeledReplicas: pods.filter((pod) => selectorMatches(replicaSet.spec.selector, pod.metadata.labels))
      .length,
    readyReplicas: ready,
    availableReplicas: ready,
    observedGeneration: replicaSet.metadata.generation,
  });
}

export function reconcileReplicaSets(context: ControllerContext): void {
  for (const replicaSet of context.api.list(TYPES.replicaSet) as Workload[]) {
    if (!replicaSet.metadata.deletionTimestamp) reconcile(context, replicaSet);
  }
}
