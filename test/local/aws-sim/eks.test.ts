import {
  CreateNodegroupCommand,
  DeleteNodegroupCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ResourceNotFoundException as EksResourceNotFound,
  InvalidParameterException,
  ListNodegroupsCommand,
  ResourceInUseException,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeGroupConfig } from '../../../local/aws-sim/eks.ts';
import { type AwsSim, startAwsSim } from '../../../local/aws-sim/server.ts';

const REGION = 'eu-west-1';
const CLUSTER = 'lakehouse';
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
const SPOT_TYPES = ['m6i.xlarge', 'm6a.xlarge', 'm5.xlarge', 'm5a.xlarge', 'm7i.xlarge', 'm7a.xlarge'];

const compute: NodeGroupConfig = {
  name: 'compute',
  instanceTypes: ['m6i.xlarge'],
  capacityType: 'ON_DEMAND',
  minSize: 0,
  maxSize: 6,
  desiredSize: 3,
  labels: { 'lakehouse-ops.io/pool': 'compute' },
};

describe('EksSimulator node group lifecycle', () => {
  let sim: AwsSim;
  let eks: EKSClient;
  const scaled: { nodeGroup: string; capacityType: string; desiredSize: number }[] = [];
  const describe_ = (name: string) =>
    eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: name }));
  const create = (name: string, extra: Record<string, unknown> = {}) =>
    eks.send(
      new CreateNodegroupCommand({
        clusterName: CLUSTER,
        nodegroupName: name,
        subnets: ['subnet-1', 'subnet-2'],
        nodeRole: 'arn:aws:iam::000000000000:role/node',
        instanceTypes: SPOT_TYPES,
        capacityType: 'SPOT',
        scalingConfig: { minSize: 0, maxSize: 6, desiredSize: 3 },
        ...extra,
      }),
    );

  beforeAll(async () => {
    sim = await startAwsSim({
      region: REGION,
      clusters: [
        { name: CLUSTER, version: '1.31', endpoint: 'http://127.0.0.1:6443', nodeGroups: [compute] },
      ],
      nodeGroupScaler: {
        scale: async (_cluster, group, desiredSize) => {
          scaled.push({ nodeGroup: group.name, capacityType: group.capacityType, desiredSize });
        },
      },
    });
    eks = new EKSClient({ region: REGION, credentials, endpoint: sim.url });
  });
  afterAll(async () => {
    eks.destroy();
    await sim.stop();
  });

  it('creates a spot group with its launch template and tags, which it describes back', async () => {
    await create('compute-spot', {
      launchTemplate: { id: 'lt-0abc', version: '3' },
      tags: { 'lakehouse-ops:pool': 'compute' },
    });

    const { nodegroup } = await describe_('compute-spot');
    expect(nodegroup).toMatchObject({
      status: 'CREATING',
      capacityType: 'SPOT',
      instanceTypes: SPOT_TYPES,
      launchTemplate: { id: 'lt-0abc', version: '3' },
      tags: { 'lakehouse-ops:pool': 'compute' },
    });
    // A group on a launch template takes its disk from it: EKS reports no diskSize then.
    expect(nodegroup?.diskSize).toBeUndefined();
    expect((await describe_('compute-spot')).nodegroup?.status).toBe('ACTIVE');
    expect(scaled).toContainEqual({ nodeGroup: 'compute-spot', capacityType: 'SPOT', desiredSize: 3 });
  });

  it('refuses a capacity type EKS does not know', async () => {
    await expect(create('compute-other', { capacityType: 'RESERVED' })).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });

  it('deletes a group: its Nodes go at once, it reports DELETING, then it is gone', async () => {
    await create('compute-doomed');
    await describe_('compute-doomed');

    const { nodegroup } = await eks.send(
      new DeleteNodegroupCommand({ clusterName: CLUSTER, nodegroupName: 'compute-doomed' }),
    );

    expect(nodegroup?.status).toBe('DELETING');
    expect(scaled.at(-1)).toEqual({ nodeGroup: 'compute-doomed', capacityType: 'SPOT', desiredSize: 0 });
    const { nodegroups } = await eks.send(new ListNodegroupsCommand({ clusterName: CLUSTER }));
    expect(nodegroups).toContain('compute-doomed');
    await expect(
      eks.send(
        new UpdateNodegroupConfigCommand({
          clusterName: CLUSTER,
          nodegroupName: 'compute-doomed',
          scalingConfig: { desiredSize: 1 },
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceInUseException);
    expect((await describe_('compute-doomed')).nodegroup?.status).toBe('DELETING');
    await expect(describe_('compute-doomed')).rejects.toBeInstanceOf(EksResourceNotFound);
    const after = await eks.send(new ListNodegroupsCommand({ clusterName: CLUSTER }));
    expect(after.nodegroups).not.toContain('compute-doomed');
  });

  it('answers a second DeleteNodegroup of a deleting group without scaling it again', async () => {
    await create('compute-twice');
    await eks.send(new DeleteNodegroupCommand({ clusterName: CLUSTER, nodegroupName: 'compute-twice' }));
    const scaledBefore = scaled.length;

    const { nodegroup } = await eks.send(
      new DeleteNodegroupCommand({ clusterName: CLUSTER, nodegroupName: 'compute-twice' }),
    );

    expect(nodegroup?.status).toBe('DELETING');
    expect(scaled).toHaveLength(scaledBefore);
  });

  it('names a missing group when asked to delete it', async () => {
    await expect(
      eks.send(new DeleteNodegroupCommand({ clusterName: CLUSTER, nodegroupName: 'absent' })),
    ).rejects.toThrow('No node group found for name: absent.');
  });
});
