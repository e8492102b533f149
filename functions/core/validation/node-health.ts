import type { V1Node } from '@kubernetes/client-node';

/** Conditions that, when True, mean the kubelet is evicting or refusing work. */
const PRESSURE_CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

export function isNodeReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Everything that keeps a Node from running the platform's pods; empty when it is healthy. */
export function nodeProblems(node: V1Node): string[] {
  const problems: string[] = [];
  const conditions = node.status?.conditions ?? [];
  if (!isNodeReady(node)) {
    const ready = conditions.find((c) => c.type === 'Ready');
    const why = ready
      ? [ready.reason, ready.message].filter(Boolean).join(': ')
      : 'no Ready condition reported';
    problems.push(`NotReady${why ? ` (${why})` : ''}`);
  }
  if (node.spec?.unschedulable) problems.push('cordoned (spec.unschedulable)');
  for (const condition of conditions) {
    if (PRESSURE_CONDITIONS.includes(condition.type) && condition.status === 'True')
      problems.push(condition.type);
  }
  return problems;
}
