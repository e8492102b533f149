import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { isPodReady } from '../../kubernetes/pod-problems.ts';
import type { Target } from '../target.ts';
import { noParams } from './catalogue.ts';
import { quorumWithout } from './minio-quorum.ts';
import { definePlaybook, refused, skipped, tell } from './playbook.ts';
import { controllerOf, podSnapshot, podsOfWorkload } from './workloads.ts';

/**
 * Restarts one MinIO pod (deletes it; the StatefulSet recreates it with the same name and
 * volume) after checking that the others keep write quorum without it (./minio-quorum.ts). A Pod
 * target names the pod; a StatefulSet target (an alert about the whole object store) means its one
 * pod that is not Ready. Never two at once: if two are unready, restarting either loses quorum.
 */
type Choice =
  | { pod: V1Pod; statefulSet: V1StatefulSet; pods: V1Pod[] }
  | { refusal: string }
  | { gone: string };

async function choosePod(api: KubernetesApi, target: Target): Promise<Choice> {
  const namespace = target.namespace ?? '';
  if (target.kind === 'Pod') {
    const pod = await api.get(kubernetesResources.pods.named(namespace, target.name));
    if (!pod)
      return { gone: `pod ${namespace}/${target.name} is already gone; its StatefulSet recreates it` };
    const owner = controllerOf(pod);
    if (owner?.kind !== 'StatefulSet') {
      return {
        refusal: `pod ${namespace}/${target.name} is not a StatefulSet's pod, so it is not a MinIO server`,
      };
    }
    const statefulSet = await api.get(kubernetesResources.statefulSets.named(namespace, owner.name));
    if (!statefulSet)
      return { refusal: `StatefulSet ${namespace}/${owner.name} of pod ${target.name} does not exist` };
    return {
      pod,
      statefulSet,
      pods: await podsOfWorkload(api, { kind: 'StatefulSet', object: statefulSet }),
    };
  }
  const statefulSet = await api.get(kubernetesResources.statefulSets.named(namespace, target.name));
  if (!statefulSet) return { refusal: `StatefulSet ${namespace}/${target.name} does not exist` };
  const pods = await podsOfWorkload(api, { kind: 'StatefulSet', object: statefulSet });
  const unready = pods.filter((pod) => !isPodReady(pod));
  if (unready.length === 0) {
    return { refusal: `every pod of StatefulSet ${namespace}/${target.name} is Ready: no pod to restart` };
  }
  if (unready.length > 1) {
    const names = unready.map((pod) => pod.metadata?.name).join(', ');
    return {
      refusal: `${unready.length} pods of StatefulSet ${namespace}/${target.name} are not Ready (${names}): restarting one at a time cannot keep write quorum`,
    };
  }
  return { pod: unready[0]!, statefulSet, pods };
}

export const restartMinioPod = definePlaybook('restart-minio-pod', noParams, async (context) => {
  const { kubernetes, target, dryRun } = context;
  const choice = await choosePod(kubernetes, target);
  if ('gone' in choice) return skipped(choice.gone);
  if ('refusal' in choice) return refused(choice.refusal);
  const { pod, statefulSet, pods } = choice;
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const quorum = quorumWithout(statefulSet, pods, [name]);
  const before = { ...podSnapshot(pod), quorum: quorum.detail };
  if (!quorum.kept) return refused(quorum.detail, before);
  await kubernetes.delete(kubernetesResources.pods.named(namespace, name), { dryRun });
  const described = `MinIO pod ${namespace}/${name}`;
  return {
    outcome: 'acted',
    detail: tell(
      dryRun,
      `restarted ${described}; ${quorum.detail}`,
      `would restart ${described}; ${quorum.detail}`,
    ),
    before,
    after: { ...before, deleted: true },
    changes: [{ kind: 'Pod', namespace, name, change: 'deleted (restarted by its StatefulSet)' }],
  };
});
