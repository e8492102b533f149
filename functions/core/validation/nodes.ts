import type { CheckResult } from './check-result.ts';
import { nodeProblems } from './node-health.ts';
import { type KubernetesCheckDependencies, runCheck, verdictFrom } from './run-check.ts';

const NO_NODE_GROUP = '(no node group label)';

/** Every Node is Ready, schedulable and free of pressure conditions. */
export function checkNodes({ reader, layout }: KubernetesCheckDependencies): Promise<CheckResult> {
  return runCheck('nodes', async () => {
    const nodes = await reader.listNodes();
    const nodeGroups: Record<string, { total: number; healthy: number }> = {};
    const unhealthyNodes: { name: string; nodeGroup: string; problems: string[] }[] = [];

    for (const node of nodes) {
      const name = node.metadata?.name ?? '(unnamed)';
      const nodeGroup = node.metadata?.labels?.[layout.nodes.nodeGroupLabel] ?? NO_NODE_GROUP;
      nodeGroups[nodeGroup] ??= { total: 0, healthy: 0 };
      const counts = nodeGroups[nodeGroup];
      counts.total += 1;
      const problems = nodeProblems(node);
      if (problems.length === 0) counts.healthy += 1;
      else unhealthyNodes.push({ name, nodeGroup, problems });
    }

    const problems =
      nodes.length === 0
        ? ['no Nodes are registered with the cluster']
        : unhealthyNodes.map((node) => `${node.name}: ${node.problems.join(', ')}`);
    const healthy = nodes.length - unhealthyNodes.length;
    return verdictFrom(problems, `all ${nodes.length} nodes Ready and schedulable`, {
      total: nodes.length,
      healthy,
      nodeGroups,
      unhealthyNodes,
    });
  });
}
