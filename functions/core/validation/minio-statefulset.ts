import type { V1Node, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import type { ClusterReader } from '../kubernetes/cluster-reader.ts';
import { isPodReady, podProblems } from '../kubernetes/pod-problems.ts';
import type { CheckResult } from './check-result.ts';
import { isNodeReady } from './node-health.ts';
import { type KubernetesCheckDependencies, runCheck, verdictFrom } from './run-check.ts';
import { statefulSetReplicas } from './workloads.ts';

/**
 * MinIO's erasure set needs every one of its pods: the StatefulSet must have exactly the layout's
 * replica count, all ready. When it does not, name each unready pod and why (waiting container,
 * unschedulable, or its Node down), which is what the operator needs at 3 a.m.
 */
export function checkMinioStatefulSet({ reader, layout }: KubernetesCheckDependencies): Promise<CheckResult> {
  const { namespace, statefulSet: name, replicas: expected } = layout.minio;
  const reference = `${namespace}/${name}`;
  return runCheck('minio-statefulset', async () => {
    const statefulSet = await reader.readStatefulSet(namespace, name);
    if (!statefulSet) return verdictFrom([`StatefulSet ${reference} not found`], '', { found: false });

    const replicas = statefulSetReplicas(statefulSet);
    const problems: string[] = [];
    if (replicas.desired !== expected) {
      problems.push(
        `StatefulSet ${reference} wants ${replicas.desired} replicas, the layout expects ${expected}`,
      );
    }
    if (replicas.ready !== replicas.desired) {
      problems.push(`StatefulSet ${reference} has ${replicas.ready} of ${replicas.desired} replicas ready`);
    }
    const unreadyPods = problems.length > 0 ? await describeUnreadyPods(reader, statefulSet, namespace) : [];
    problems.push(...unreadyPods.map((pod) => `${pod.name}: ${pod.reasons.join(', ')}`));

    return verdictFrom(
      problems,
      `StatefulSet ${reference} has ${replicas.ready}/${expected} replicas ready`,
      {
        expectedReplicas: expected,
        ...replicas,
        unreadyPods,
      },
    );
  });
}

interface UnreadyPod {
  name: string;
  reasons: string[];
}

async function describeUnreadyPods(
  reader: ClusterReader,
  statefulSet: V1StatefulSet,
  namespace: string,
): Promise<UnreadyPod[]> {
  const [pods, nodes] = await Promise.all([
    reader.listPods(namespace, labelSelectorOf(statefulSet)),
    reader.listNodes(),
  ]);
  const podsByName = new Map(pods.map((pod) => [pod.metadata?.name, pod]));
  const nodesByName = new Map(nodes.map((node) => [node.metadata?.name, node]));
  const setName = statefulSet.metadata?.name ?? '';
  const desired = statefulSet.spec?.replicas ?? 1;

  // StatefulSet pods have stable names (<set>-<ordinal>), so a pod that does not exist at all is
  // reported too, not only the ones that exist and are unready.
  const unready: UnreadyPod[] = [];
  for (let ordinal = 0; ordinal < desired; ordinal += 1) {
    const podName = `${setName}-${ordinal}`;
    const pod = podsByName.get(podName);
    if (!pod) {
      unready.push({ name: podName, reasons: ['pod does not exist'] });
    } else if (!isPodReady(pod)) {
      unready.push({ name: podName, reasons: podUnreadyReasons(pod, nodesByName) });
    }
  }
  return unready;
}

function labelSelectorOf(statefulSet: V1StatefulSet): string {
  return Object.entries(statefulSet.spec?.selector?.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

function podUnreadyReasons(pod: V1Pod, nodesByName: Map<string | undefined, V1Node>): string[] {
  const reasons = podProblems(pod);
  const nodeName = pod.spec?.nodeName;
  if (nodeName) {
    const node = nodesByName.get(nodeName);
    if (!node) reasons.push(`node ${nodeName} no longer exists`);
    else if (!isNodeReady(node)) reasons.push(`node ${nodeName} not ready`);
  }
  if (reasons.length === 0) reasons.push(`not ready (phase ${pod.status?.phase ?? 'unknown'})`);
  return reasons;
}
