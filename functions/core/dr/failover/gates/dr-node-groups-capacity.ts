import type { EKSClient, Nodegroup } from '@aws-sdk/client-eks';
import { describeNodeGroup, listNodeGroups, poolGroupOf } from '../../../provision/cluster.ts';
import type { NodeGroupSpec } from '../../../provision/settings.ts';
import { evaluateGate, type GateVerdict } from './verdict.ts';

/**
 * The DR node groups can reach the size the failover needs: for every pool, its group in the DR
 * cluster (found as provision finds it: by name, else by the pool's labels) is ACTIVE, has no
 * health issues, and its maxSize is at least the needed size. The standby runs at its minimum;
 * the failover's scale-up step raises desired sizes only within maxSize, which it must not have to
 * change under pressure.
 */
export interface NeededPool {
  /** The pool as the primary's settings declare it (its name and labels find its DR group). */
  spec: NodeGroupSpec;
  /** Nodes the pool must be able to run in the DR cluster. */
  size: number;
}

export interface NodeGroupsGateDependencies {
  /** An EKS client of the DR region. */
  eks: EKSClient;
  clusterName: string;
  pools: readonly NeededPool[];
}

export interface PoolCapacity {
  group: string | null;
  status: string | null;
  needed: number;
  maxSize: number | null;
  healthIssues: string[];
  problem?: string;
}

const UNIT = 'node groups short of the needed size';

export function drNodeGroupsCapacityGate({
  eks,
  clusterName,
  pools,
}: NodeGroupsGateDependencies): Promise<GateVerdict> {
  return evaluateGate('dr-node-groups-capacity', { limit: 0, unit: UNIT }, async () => {
    const names = await listNodeGroups(eks, clusterName);
    const groups = await Promise.all(names.map((name) => describeNodeGroup(eks, clusterName, name)));
    const perPool: Record<string, PoolCapacity> = {};
    for (const pool of pools) perPool[pool.spec.name] = capacityOf(pool, groups);
    const problems = Object.values(perPool).flatMap((pool) => (pool.problem ? [pool.problem] : []));
    const passed = problems.length === 0;
    const needed = pools.map((pool) => `${pool.spec.name} ${pool.size}`).join(', ');
    return {
      passed,
      detail: passed
        ? `every DR node group in ${clusterName} is ACTIVE, healthy and can grow to the needed size (${needed})`
        : `${problems.join('; ')}: raise the DR groups' maxSize (ClusterStack) or repair them before failing over`,
      evidence: { measured: problems.length, limit: 0, unit: UNIT, perPool },
    };
  });
}

function capacityOf({ spec, size }: NeededPool, groups: readonly Nodegroup[]): PoolCapacity {
  const pool = poolGroupOf(spec, groups);
  const absent = { group: null, status: null, needed: size, maxSize: null, healthIssues: [] };
  if (size === 0) return absent;
  if (pool.kind === 'missing') {
    return { ...absent, problem: `pool ${spec.name} has no node group in the DR cluster` };
  }
  if (pool.kind === 'migrating') {
    return {
      ...absent,
      problem: `pool ${spec.name} has ${pool.groups.length} node groups in the DR cluster (${pool.groups.join(', ')}): a spot migration is unfinished there`,
    };
  }
  const { group } = pool;
  const name = group.nodegroupName ?? spec.name;
  const status = group.status ?? 'UNKNOWN';
  const maxSize = group.scalingConfig?.maxSize ?? 0;
  const healthIssues = (group.health?.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`);
  const problems: string[] = [];
  if (status !== 'ACTIVE') problems.push(`is ${status}, not ACTIVE`);
  if (healthIssues.length > 0) problems.push(`has health issues (${healthIssues.join('; ')})`);
  if (maxSize < size) problems.push(`can grow to ${maxSize} nodes, ${size} needed`);
  return {
    group: name,
    status,
    needed: size,
    maxSize,
    healthIssues,
    ...(problems.length > 0 ? { problem: `DR node group ${name} ${problems.join(' and ')}` } : {}),
  };
}
