import { clone, conditionOf, jsonEqual, type Node, type Taint } from '../model.ts';
import { TYPES } from '../resources.ts';
import { type ControllerContext, writeObject } from './context.ts';

/**
 * Taints nodes by condition (TaintNodesByCondition), so the scheduler keeps new pods off nodes
 * that are NotReady, under pressure or cordoned, exactly through the taint mechanism it uses anyway.
 */
const CONDITION_TAINTS: { key: string; applies: (node: Node) => boolean }[] = [
  {
    key: 'node.kubernetes.io/not-ready',
    applies: (node) => conditionOf(node.status?.conditions, 'Ready')?.status === 'False',
  },
  {
    key: 'node.kubernetes.io/unreachable',
    applies: (node) => conditionOf(node.status?.conditions, 'Ready')?.status === 'Unknown',
  },
  {
    key: 'node.kubernetes.io/memory-pressure',
    applies: (node) => conditionOf(node.status?.conditions, 'MemoryPressure')?.status === 'True',
  },
  {
    key: 'node.kubernetes.io/disk-pressure',
    applies: (node) => conditionOf(node.status?.conditions, 'DiskPressure')?.status === 'True',
  },
  {
    key: 'node.kubernetes.io/pid-pressure',
    applies: (node) => conditionOf(node.status?.conditions, 'PIDPressure')?.status === 'True',
  },
  { key: 'node.kubernetes.io/unschedulable', applies: (node) => node.spec?.unschedulable === true },
];

const MANAGED_KEYS = new Set(CONDITION_TAINTS.map((rule) => rule.key));

export function taintNodesByCondition(context: ControllerContext): void {
  for (const node of context.api.list(TYPES.node) as Node[]) {
    const kept = (node.spec?.taints ?? []).filter(
      (taint) => !MANAGED_KEYS.has(taint.key) || taint.effect !== 'NoSchedule',
    );
    const added: Taint[] = CONDITION_TAINTS.filter((rule) => rule.applies(node)).map((rule) => ({
      key: rule.key,
      effect: 'NoSchedule',
    }));
    const taints = [...kept, ...added];
    if (jsonEqual(taints, node.spec?.taints ?? [])) continue;
    const next = clone(node);
    next.spec = { ...next.spec, taints };
    if (taints.length === 0) delete next.spec.taints;
    writeObject(context, TYPES.node, next, 'node-controller');
  }
}
