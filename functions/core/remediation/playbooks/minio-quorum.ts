import type { V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { isPodReady } from '../../kubernetes/pod-problems.ts';
import { podsOfWorkload } from './workloads.ts';

/**
 * MinIO's write quorum when some of its pods go: the platform runs one erasure set over all its
 * pods (EC 4+2 on four nodes), and a write needs every pod but one. So one pod may leave only
 * while every other pod of the StatefulSet exists and is Ready; a pod that is missing or not
 * Ready already spends the only pod the set can do without.
 */
export interface QuorumVerdict {
  readonly kept: boolean;
  readonly detail: string;
  /** The other pods that are not Ready, and the replicas with no pod at all. */
  readonly notReady: readonly string[];
  readonly missing: number;
}

export function quorumWithout(
  statefulSet: V1StatefulSet,
  pods: readonly V1Pod[],
  leaving: readonly string[],
): QuorumVerdict {
  const name = `StatefulSet ${statefulSet.metadata?.namespace}/${statefulSet.metadata?.name}`;
  const going = pods.filter((pod) => leaving.includes(pod.metadata?.name ?? ''));
  const others = pods.filter((pod) => !going.includes(pod));
  const missing = Math.max(0, (statefulSet.spec?.replicas ?? 1) - going.length - others.length);
  const notReady = others.filter((pod) => !isPodReady(pod)).map((pod) => pod.metadata?.name ?? '');
  const kept = notReady.length === 0 && missing === 0;
  const problems = [
    ...(notReady.length > 0 ? [`${notReady.join(', ')} not Ready`] : []),
    ...(missing > 0 ? [`${missing} replica(s) without a pod`] : []),
  ];
  return {
    kept,
    detail: kept
      ? `the other ${others.length} pod(s) of ${name} are Ready: write quorum holds without ${leaving.join(', ') || 'them'}`
      : `${name} would lose write quorum without ${leaving.join(', ')}: ${problems.join(', ')}`,
    notReady,
    missing,
  };
}

/** quorumWithout, reading the StatefulSet's pods. */
export async function readQuorumWithout(
  api: KubernetesApi,
  statefulSet: V1StatefulSet,
  leaving: readonly string[],
): Promise<QuorumVerdict> {
  const pods = await podsOfWorkload(api, { kind: 'StatefulSet', object: statefulSet });
  return quorumWithout(statefulSet, pods, leaving);
}
