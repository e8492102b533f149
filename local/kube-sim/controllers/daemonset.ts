import type { Node, Pod, Workload } from '../model.ts';
import { TYPES } from '../resources.ts';
import {
  type ControllerContext,
  createPodFromTemplate,
  deletePod,
  isActive,
  isReady,
  podsControlledBy,
  writeStatus,
} from './context.ts';
import { tolerates } from './scheduler.ts';

/**
 * DaemonSet -> one pod per eligible node (nodeSelector and NoSchedule taints respected; like the
 * real controller, daemon pods tolerate the node-condition taints and are bound directly).
 */
const DAEMON_TOLERATIONS = [
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/pid-pressure',
  'node.kubernetes.io/unschedulable',
].map((key) => ({ key, operator: 'Exists' as const }));

function eligible(daemonSet: Workload, node: Node): boolean {
  const podSpec = daemonSet.spec.template.spec;
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(podSpec.nodeSelector ?? {}).every(([key, value]) => labels[key] === value))
    return false;
  const tolerations = [...(podSpec.tolerations ?? []), ...DAEMON_TOLERATIONS];
  return (node.spec?.taints ?? []).every(
    (taint) => taint.effect === 'PreferNoSchedule' || tolerates(tolerations, taint),
  );
}

function reconcile(context: ControllerContext, daemonSet: Workload, nodes: Node[]): void {
  const pods = podsControlledBy(context, daemonSet).filter(isActive);
  const wanted = nodes.filter((node) => eligible(daemonSet, node));
  const wantedNames = new Set(wanted.map((node) => node.metadata.name));
  const placed: Pod[] = [];
  for (const pod of pods) {
    if (
      pod.spec.nodeName &&
      wantedNames.has(pod.spec.nodeName) &&
      !placed.some((other) => other.spec.nodeName === pod.spec.nodeName)
    )
      placed.push(pod);
    else deletePod(context, pod);
  }
  for (const node of wanted) {
    if (placed.some((pod) => pod.spec.nodeName === node.metadata.name)) continue;
    placed.push(
      createPodFromTemplate(context, daemonSet, daemonSet.spec.template, {
        generateName: `${daemonSet.metadata.name}-`,
        mutate: (pod) => {
          pod.spec.nodeName = node.metadata.name;
          pod.spec.tolerations = [
            ...(pod.spec.tolerations ?? []),
            ...DAEMON_TOLERATIONS.map((toleration) => ({ ...toleration, effect: 'NoSchedule' })),
          ];
        },
      }),
    );
  }
  const ready = placed.filter(isReady).length;
  writeStatus(context, TYPES.daemonSet, daemonSet, {
    observedGeneration: daemonSet.metadata.generation,
    desiredNumberScheduled: wanted.length,
    currentNumberScheduled: placed.length,
    updatedNumberScheduled: placed.length,
    numberMisscheduled: 0,
    numberReady: ready,
    numberAvailable: ready,
    ...(wanted.length - ready > 0 ? { numberUnavailable: wanted.length - ready } : {}),
  });
}

export function reconcileDaemonSets(context: ControllerContext): void {
  const nodes = (context.api.list(TYPES.node) as Node[]).filter((node) => !node.metadata.deletionTimestamp);
  for (const daemonSet of context.api.list(TYPES.daemonSet) as Workload[]) {
    if (!daemonSet.metadata.deletionTimestamp) reconcile(context, daemonSet, nodes);
  }
}
