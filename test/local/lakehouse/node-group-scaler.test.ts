import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPlatformLayout } from '../../../functions/core/platform/layout.ts';
import { type KubeSim, type Node, startKubeSim } from '../../../local/kube-sim/index.ts';
import { kubeSimNodeGroupScaler } from '../../../local/lakehouse/node-group-scaler.ts';
import { NODE_POOLS, POOL_LABEL, poolNode } from '../../../local/lakehouse/seed/node-pools.ts';

const REGION = 'eu-central-1';
const layout = defaultPlatformLayout;
const compute = NODE_POOLS.find((pool) => pool.name === 'compute')!;

describe('kubeSimNodeGroupScaler', () => {
  let kube: KubeSim;
  const groupNodes = (group: string) =>
    kube.list<Node>('v1', 'Node', undefined, `${layout.nodes.nodeGroupLabel}=${group}`);

  beforeAll(async () => {
    kube = await startKubeSim();
    for (let ordinal = 0; ordinal < 2; ordinal += 1) kube.addNode(poolNode(compute, ordinal, REGION, layout));
  });
  afterAll(() => kube.stop());

  it("gives a second group of a pool (a spot migration's) Nodes of its own, beside the seeded group's", async () => {
    const scaler = kubeSimNodeGroupScaler(kube, REGION, layout);
    const onDemand = {
      ...compute,
      name: 'compute-on-demand',
      capacityType: 'ON_DEMAND' as const,
      instanceTypes: ['m6i.xlarge'],
    };

    await scaler.scale('lakehouse', onDemand, 3);

    const added = groupNodes('compute-on-demand');
    expect(added).toHaveLength(3);
    expect(groupNodes('compute')).toHaveLength(2);
    for (const node of added) {
      expect(node.metadata.labels).toMatchObject({ [POOL_LABEL]: 'compute' });
      expect(node.metadata.labels?.['node.kubernetes.io/instance-type']).toBe('m6i.xlarge');
    }
    const names = [...added, ...groupNodes('compute')].map((node) => node.metadata.name);
    expect(new Set(names).size).toBe(5);

    await scaler.scale('lakehouse', onDemand, 0);
    expect(groupNodes('compute-on-demand')).toHaveLength(0);
    expect(groupNodes('compute')).toHaveLength(2);
  });

  it('refuses a group that carries no seeded pool label, naming the pools it knows', async () => {
    const scaler = kubeSimNodeGroupScaler(kube, REGION, layout);
    await expect(scaler.scale('lakehouse', { ...compute, name: 'gpu', labels: {} }, 1)).rejects.toThrow(
      'node group gpu carries no lakehouse-ops.io/pool label of a seeded pool (system, storage, compute)',
    );
  });
});
