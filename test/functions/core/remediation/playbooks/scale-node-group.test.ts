import { describe, expect, it } from 'vitest';
import type {
  NodeGroupState,
  NodeGroups,
} from '../../../../../functions/core/remediation/playbooks/node-groups.ts';
import { scaleNodeGroup } from '../../../../../functions/core/remediation/playbooks/scale-node-group.ts';
import type { KubeObject } from '../../../../../local/kube-sim/index.ts';
import { playbookEvent, targetIn, useKubeSimCluster } from './kube-sim-cluster.ts';

/** The node groups as the EKS API would answer, in memory, recording each resize. */
function nodeGroupsOf(groups: NodeGroupState[]): NodeGroups & { resized: [string, number, string][] } {
  const resized: [string, number, string][] = [];
  return {
    resized,
    names: async () => groups.map((group) => group.name),
    find: async (name) => groups.find((group) => group.name === name),
    setDesiredSize: async (name, desiredSize, token) => {
      resized.push([name, desiredSize, token]);
    },
  };
}

const group = (name: string, overrides: Partial<NodeGroupState> = {}): NodeGroupState => ({
  name,
  status: 'ACTIVE',
  minSize: 1,
  maxSize: 4,
  desiredSize: 2,
  labels: {},
  taints: [],
  ...overrides,
});

const SPOT = group('spot', {
  labels: { 'lakehouse-ops.io/pool': 'spot' },
  taints: [{ key: 'lakehouse-ops.io/spot', value: 'true', effect: 'NO_SCHEDULE' }],
});
const SPOT_TOLERATION = {
  key: 'lakehouse-ops.io/spot',
  operator: 'Equal',
  value: 'true',
  effect: 'NoSchedule',
};

describe('scaleNodeGroup', () => {
  const cluster = useKubeSimCluster();
  const run = (nodeGroups: NodeGroups, event: Parameters<typeof scaleNodeGroup>[0]) =>
    scaleNodeGroup(event, { ...cluster.dependencies(), nodeGroups });

  /** A pod that fits no node of the simulated cluster, so it stays Pending. */
  function pendingPod(spec: Record<string, unknown>) {
    cluster.sim().apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'flow-run', namespace: 'prefect' },
      spec: { containers: [{ name: 'main', image: 'prefecthq/prefect:3' }], ...spec },
    } as KubeObject);
    return targetIn('Pod', 'flow-run', 'prefect');
  }

  it('raises a NodeGroup target by the step', async () => {
    const groups = nodeGroupsOf([group('system')]);

    const result = await run(groups, playbookEvent(targetIn('NodeGroup', 'system'), { params: { step: 1 } }));

    expect(result).toMatchObject({
      outcome: 'CHANGED',
      detail: 'scaled node group system from 2 to 3 nodes (max 4)',
      before: { kind: 'NodeGroup', name: 'system', desiredSize: 2, maxSize: 4 },
      after: { desiredSize: 3 },
      changes: [{ kind: 'NodeGroup', name: 'system', change: 'desiredSize 2 -> 3' }],
    });
    expect(groups.resized).toEqual([['system', 3, expect.stringMatching(/^lakehouse-ops-[0-9a-f]{40}$/)]]);
  });

  it("scales the group an unschedulable pod's nodeSelector names", async () => {
    const groups = nodeGroupsOf([group('system'), group('storage')]);
    const target = pendingPod({ nodeSelector: { 'eks.amazonaws.com/nodegroup': 'storage' } });

    const result = await run(groups, playbookEvent(target));

    expect(groups.resized.map(([name, size]) => [name, size])).toEqual([['storage', 3]]);
    expect(result.outcome).toBe('CHANGED');
  });

  it('finds the group whose labels and taints fit the pod, skipping one at its maximum', async () => {
    const full = group('spot-full', { ...SPOT, name: 'spot-full', desiredSize: 4 });
    const groups = nodeGroupsOf([group('system'), full, SPOT]);
    const target = pendingPod({
      nodeSelector: { 'lakehouse-ops.io/pool': 'spot' },
      tolerations: [SPOT_TOLERATION],
    });

    await run(groups, playbookEvent(target, { params: { step: 5 } }));

    expect(groups.resized.map(([name, size]) => [name, size])).toEqual([['spot', 4]]);
  });

  it('refuses when no group fits the pod (an untolerated taint)', async () => {
    const groups = nodeGroupsOf([SPOT]);
    const target = pendingPod({ nodeSelector: { 'lakehouse-ops.io/pool': 'spot' } });

    const result = await run(groups, playbookEvent(target));

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: 'no node group has the labels and taints pod prefect/flow-run needs',
    });
  });

  it('refuses a group at its maximum', async () => {
    const groups = nodeGroupsOf([group('system', { desiredSize: 4 })]);

    const result = await run(groups, playbookEvent(targetIn('NodeGroup', 'system')));

    expect(result).toMatchObject({
      outcome: 'REFUSED',
      detail: 'node group system is at its maximum of 4 nodes',
    });
    expect(groups.resized).toEqual([]);
  });

  it('refuses a group that is not ACTIVE', async () => {
    const groups = nodeGroupsOf([group('system', { status: 'UPDATING' })]);

    const result = await run(groups, playbookEvent(targetIn('NodeGroup', 'system')));

    expect(result.detail).toBe('node group system is UPDATING: it scales only when ACTIVE');
  });

  it('only describes in a dry run', async () => {
    const groups = nodeGroupsOf([group('system')]);

    const result = await run(groups, playbookEvent(targetIn('NodeGroup', 'system'), { dryRun: true }));

    expect(result).toMatchObject({
      outcome: 'DRY_RUN',
      detail: 'would scale node group system from 2 to 3 nodes (max 4) (dry run)',
    });
    expect(groups.resized).toEqual([]);
  });

  it('skips a pod that got scheduled meanwhile', async () => {
    const target = pendingPod({});

    const result = await run(nodeGroupsOf([group('system')]), playbookEvent(target));

    expect(result.outcome).toBe('SKIPPED');
    expect(result.detail).toMatch(/^pod prefect\/flow-run is scheduled now \(node node-[abc]\)$/);
  });

  it('uses the route’s nodeGroup over everything else', async () => {
    const groups = nodeGroupsOf([group('system'), group('compute')]);

    await run(groups, playbookEvent(targetIn('NodeGroup', 'system'), { params: { nodeGroup: 'compute' } }));

    expect(groups.resized.map(([name]) => name)).toEqual(['compute']);
  });

  it('refuses a group that does not exist', async () => {
    const result = await run(nodeGroupsOf([]), playbookEvent(targetIn('NodeGroup', 'gpu')));

    expect(result).toMatchObject({ outcome: 'REFUSED', detail: 'node group gpu does not exist' });
  });
});
