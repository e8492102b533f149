import { clone, type Node, type Pod, setCondition, type Taint, type Toleration } from '../model.ts';
import { parseQuantity } from '../quantity.ts';
import { TYPES } from '../resources.ts';
import { type ControllerContext, isTerminal, writeObject, writeStatus } from './context.ts';

/**
 * The default scheduler's filters that matter here: node readiness, spec.unschedulable,
 * nodeSelector, taints (NoSchedule/NoExecute) against tolerations, and cpu/memory/pods capacity.
 * Among the nodes that fit, it picks the one with the fewest pods, so replicas spread.
 */
const SCHEDULER = 'default-scheduler';

export function tolerates(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((toleration) => {
    if (toleration.effect && toleration.effect !== taint.effect) return false;
    if (!toleration.key) return toleration.operator === 'Exists';
    if (toleration.key !== taint.key) return false;
    return toleration.operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
  });
}

function podRequests(pod: Pod): { cpu: number; memory: number } {
  const total = { cpu: 0, memory: 0 };
  for (const container of pod.spec.containers ?? []) {
    total.cpu += parseQuantity(container.resources?.requests?.cpu ?? '0');
    total.memory += parseQuantity(container.resources?.requests?.memory ?? '0');
  }
  return total;
}

type Verdict = { fits: true } | { fits: false; reason: string };

function filterNode(node: Node, pod: Pod, podsOnNode: Pod[]): Verdict {
  const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True';
  if (!ready) return { fits: false, reason: 'node(s) were not ready' };
  if (node.spec?.unschedulable) return { fits: false, reason: 'node(s) were unschedulable' };
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(pod.spec.nodeSelector ?? {}).every(([key, value]) => labels[key] === value)) {
    return { fits: false, reason: "node(s) didn't match Pod's node affinity/selector" };
  }
  const blocking = (node.spec?.taints ?? []).find(
    (taint) => taint.effect !== 'PreferNoSchedule' && !tolerates(pod.spec.tolerations, taint),
  );
  if (blocking)
    return {
      fits: false,
      reason: `node(s) had untolerated taint {${blocking.key}: ${blocking.value ?? ''}}`,
    };
  const allocatable = node.status?.allocatable ?? {};
  const used = podsOnNode
    .map(podRequests)
    .reduce((sum, next) => ({ cpu: sum.cpu + next.cpu, memory: sum.memory + next.memory }), {
      cpu: 0,
      memory: 0,
    });
  const wanted = podRequests(pod);
  if (allocatable.cpu && used.cpu + wanted.cpu > parseQuantity(allocatable.cpu))
    return { fits: false, reason: 'Insufficient cpu' };
  if (allocatable.memory && used.memory + wanted.memory > parseQuantity(allocatable.memory))
    return { fits: false, reason: 'Insufficient memory' };
  if (allocatable.pods && podsOnNode.length + 1 > Number(allocatable.pods))
    return { fits: false, reason: 'Too many pods' };
  return { fits: true };
}

function unschedulableMessage(total: number, reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  const detail = [...counts.entries()]
    .map(([reason, count]) => `${count} ${reason}`)
    .sort()
    .join(', ');
  return `0/${total} nodes are available${detail ? `: ${detail}` : ''}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}

export function schedulePods(context: ControllerContext): void {
  const nodes = (context.api.list(TYPES.node) as Node[]).filter((node) => !node.metadata.deletionTimestamp);
  const pods = context.api.list(TYPES.pod) as Pod[];
  const podsByNode = new Map<string, Pod[]>(nodes.map((node) => [node.metadata.name ?? '', []]));
  for (const pod of pods)
    if (pod.spec.nodeName && !isTerminal(pod)) podsByNode.get(pod.spec.nodeName)?.push(pod);

  for (const pod of pods) {
    if (pod.spec.nodeName || isTerminal(pod) || pod.metadata.deletionTimestamp) continue;
    if ((pod.spec.schedulerName ?? SCHEDULER) !== SCHEDULER) continue;
    const verdicts = nodes.map((node) => ({
      node,
      verdict: filterNode(node, pod, podsByNode.get(node.metadata.name ?? '') ?? []),
    }));
    const fitting = verdicts.filter(({ verdict }) => verdict.fits).map(({ node }) => node);
    if (fitting.length === 0) {
      const reasons = verdicts.flatMap(({ verdict }) => (verdict.fits ? [] : [verdict.reason]));
      const status = clone(pod.status ?? {});
      status.phase ??= 'Pending';
      status.conditions = setCondition(
        status.conditions,
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: unschedulableMessage(nodes.length, reasons),
        },
        context.now(),
      );
      writeStatus(context, TYPES.pod, pod, status, SCHEDULER);
      continue;
    }
    const chosen = fitting.sort((a, b) => {
      const load =
        (podsByNode.get(a.metadata.name ?? '')?.length ?? 0) -
        (podsByNode.get(b.metadata.name ?? '')?.length ?? 0);
      return load !== 0 ? load : (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
    })[0]!;
    const nodeName = chosen.metadata.name ?? '';
    // Binding: the scheduler is the one writer allowed to set spec.nodeName on an existing pod.
    writeObject(context, TYPES.pod, { ...pod, spec: { ...pod.spec, nodeName } }, SCHEDULER);
    const bound = context.api.get(TYPES.pod, pod.metadata.namespace, pod.metadata.name ?? '') as Pod;
    const status = clone(bound.status ?? {});
    status.conditions = setCondition(
      status.conditions,
      { type: 'PodScheduled', status: 'True' },
      context.now(),
    );
    delete status.conditions.find((condition) => condition.type === 'PodScheduled')?.reason;
    delete status.conditions.find((condition) => condition.type === 'PodScheduled')?.message;
    writeStatus(context, TYPES.pod, bound, status, SCHEDULER);
    podsByNode.get(nodeName)?.push(bound);
  }
}
