import type { V1Pod, V1Toleration } from '@kubernetes/client-node';
import type * as z from 'zod/mini';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { defaultPlatformLayout } from '../../platform/layout.ts';
import { scaleNodeGroupParams } from './catalogue.ts';
import {
  type NodeGroupState,
  type NodeGroups,
  type NodeGroupTaint,
  nodeGroupRequestToken,
  nodeGroupSnapshot,
} from './node-groups.ts';
import { definePlaybook, type PlaybookDependencies, refused, skipped, tell } from './playbook.ts';

/**
 * One more node (or `step`) in the managed node group an unschedulable pod needs, through EKS
 * UpdateNodegroupConfig, never beyond the group's maxSize (which the ClusterStack owns: raising
 * it is a capacity decision for a person). The group is, in this order: the route's `nodeGroup`,
 * a NodeGroup target, the group the pod's nodeSelector names (`eks.amazonaws.com/nodegroup`), or
 * the groups whose labels satisfy the pod's nodeSelector and whose taints it tolerates, the first
 * with room. EKS has no dry run: a dry run describes the group and says what it would set.
 */
export const DEFAULT_NODE_STEP = 1;

export interface NodeGroupDependencies extends PlaybookDependencies {
  readonly nodeGroups: NodeGroups;
  /** The Node label naming its managed node group (PLATFORM_LAYOUT `nodes.nodeGroupLabel`). */
  readonly nodeGroupLabel?: string;
}

const TAINT_EFFECTS: Record<string, string> = {
  NO_SCHEDULE: 'NoSchedule',
  NO_EXECUTE: 'NoExecute',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
};

function tolerates(tolerations: readonly V1Toleration[], taint: NodeGroupTaint): boolean {
  const effect = TAINT_EFFECTS[taint.effect ?? ''] ?? taint.effect;
  // A preference is not a refusal: the scheduler still places the pod there.
  if (effect === 'PreferNoSchedule') return true;
  return tolerations.some(
    (toleration) =>
      (!toleration.effect || toleration.effect === effect) &&
      (toleration.operator === 'Exists'
        ? !toleration.key || toleration.key === taint.key
        : toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '')),
  );
}

/** Whether nodes of the group could run the pod, as far as labels and taints decide. */
export function groupFitsPod(group: NodeGroupState, pod: V1Pod): boolean {
  const selector = pod.spec?.nodeSelector ?? {};
  const tolerations = pod.spec?.tolerations ?? [];
  return (
    Object.entries(selector).every(([key, value]) => group.labels[key] === value) &&
    group.taints.every((taint) => tolerates(tolerations, taint))
  );
}

function isUnscheduled(pod: V1Pod): boolean {
  return !pod.spec?.nodeName;
}

type GroupChoice = { group: NodeGroupState } | { refusal: string } | { skip: string };

async function namedGroup(nodeGroups: NodeGroups, name: string): Promise<GroupChoice> {
  const group = await nodeGroups.find(name);
  return group ? { group } : { refusal: `node group ${name} does not exist` };
}

async function groupForPod(nodeGroups: NodeGroups, pod: V1Pod, nodeGroupLabel: string): Promise<GroupChoice> {
  const described = `pod ${pod.metadata?.namespace}/${pod.metadata?.name}`;
  const named = pod.spec?.nodeSelector?.[nodeGroupLabel];
  if (named) return namedGroup(nodeGroups, named);
  const groups = (await Promise.all((await nodeGroups.names()).map((name) => nodeGroups.find(name)))).filter(
    (group): group is NodeGroupState => group !== undefined && groupFitsPod(group, pod),
  );
  if (groups.length === 0) return { refusal: `no node group has the labels and taints ${described} needs` };
  const withRoom = groups.find((group) => group.desiredSize < group.maxSize);
  return { group: withRoom ?? groups[0]! };
}

async function chooseGroup(
  context: {
    target: { kind: string; namespace?: string; name: string };
    params: { nodeGroup?: string | undefined };
  },
  dependencies: NodeGroupDependencies,
): Promise<GroupChoice> {
  const { target, params } = context;
  if (params.nodeGroup) return namedGroup(dependencies.nodeGroups, params.nodeGroup);
  if (target.kind === 'NodeGroup') return namedGroup(dependencies.nodeGroups, target.name);
  const namespace = target.namespace ?? '';
  const pod = await dependencies.kubernetes.get(kubernetesResources.pods.named(namespace, target.name));
  if (!pod) return { skip: `pod ${namespace}/${target.name} is gone: no pod waits for a node` };
  if (!isUnscheduled(pod)) {
    return { skip: `pod ${namespace}/${target.name} is scheduled now (node ${pod.spec?.nodeName})` };
  }
  return groupForPod(
    dependencies.nodeGroups,
    pod,
    dependencies.nodeGroupLabel ?? defaultPlatformLayout.nodes.nodeGroupLabel,
  );
}

export const scaleNodeGroup = definePlaybook<z.output<typeof scaleNodeGroupParams>, NodeGroupDependencies>(
  'scale-node-group',
  scaleNodeGroupParams,
  async (context, dependencies) => {
    const { dryRun, params, executionId } = context;
    const choice = await chooseGroup(context, dependencies);
    if ('skip' in choice) return skipped(choice.skip);
    if ('refusal' in choice) return refused(choice.refusal);
    const { group } = choice;
    const before = nodeGroupSnapshot(group);
    const described = `node group ${group.name}`;
    if (group.status !== 'ACTIVE') {
      return refused(`${described} is ${group.status}: it scales only when ACTIVE`, before);
    }
    if (group.desiredSize >= group.maxSize) {
      return refused(`${described} is at its maximum of ${group.maxSize} nodes`, before);
    }
    const desiredSize = Math.min(group.desiredSize + (params.step ?? DEFAULT_NODE_STEP), group.maxSize);
    if (!dryRun) {
      await dependencies.nodeGroups.setDesiredSize(
        group.name,
        desiredSize,
        nodeGroupRequestToken(executionId, group.name),
      );
    }
    const sizes = `from ${group.desiredSize} to ${desiredSize} nodes (max ${group.maxSize})`;
    return {
      outcome: 'acted',
      detail: tell(dryRun, `scaled ${described} ${sizes}`, `would scale ${described} ${sizes}`),
      before,
      after: { ...before, desiredSize },
      changes: [
        { kind: 'NodeGroup', name: group.name, change: `desiredSize ${group.desiredSize} -> ${desiredSize}` },
      ],
    };
  },
);
