import { beforeEach, describe, expect, it } from 'vitest';
import { defaultPlatformLayout } from '../../../../functions/core/platform/layout.ts';
import { checkNodes } from '../../../../functions/core/validation/nodes.ts';
import { FakeClusterReader } from '../../support/fake-cluster-reader.ts';
import { node } from '../../support/kubernetes-objects.ts';

describe('checkNodes', () => {
  let reader: FakeClusterReader;
  const check = () => checkNodes({ reader, layout: defaultPlatformLayout });

  beforeEach(() => {
    reader = new FakeClusterReader();
  });

  it('passes and counts nodes per node group when every node is Ready and schedulable', async () => {
    reader.nodes = [
      node('ip-10-0-1-1', { nodeGroup: 'system' }),
      node('ip-10-0-1-2', { nodeGroup: 'storage' }),
      node('ip-10-0-1-3', { nodeGroup: 'storage' }),
    ];

    const result = await check();

    expect(result).toMatchObject({
      name: 'nodes',
      status: 'PASSED',
      detail: 'all 3 nodes Ready and schedulable',
      observations: {
        total: 3,
        healthy: 3,
        nodeGroups: { system: { total: 1, healthy: 1 }, storage: { total: 2, healthy: 2 } },
      },
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('fails and names each bad node with its problems when nodes are NotReady, cordoned or under pressure', async () => {
    reader.nodes = [
      node('ip-10-0-1-1', { nodeGroup: 'system' }),
      node('ip-10-0-1-2', { nodeGroup: 'storage', ready: false }),
      node('ip-10-0-1-3', { nodeGroup: 'storage', unschedulable: true, pressure: ['DiskPressure'] }),
    ];

    const result = await check();

    expect(result.status).toBe('FAILED');
    expect(result.detail).toBe(
      'ip-10-0-1-2: NotReady (KubeletNotReady: container runtime is down); ' +
        'ip-10-0-1-3: cordoned (spec.unschedulable), DiskPressure',
    );
    expect(result.observations).toMatchObject({
      healthy: 1,
      nodeGroups: { storage: { total: 2, healthy: 0 } },
      unhealthyNodes: [{ name: 'ip-10-0-1-2' }, { name: 'ip-10-0-1-3' }],
    });
  });

  it('fails when no nodes are registered', async () => {
    const result = await check();

    expect(result).toMatchObject({ status: 'FAILED', detail: 'no Nodes are registered with the cluster' });
  });
});
