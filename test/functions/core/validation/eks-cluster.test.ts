import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListNodegroupsCommand,
  type Nodegroup,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { checkEksCluster } from '../../../../functions/core/validation/eks-cluster.ts';
import { rejectionOf } from '../../support/rejection.ts';

const eksMock = mockClient(EKSClient);
const check = () =>
  checkEksCluster({ eks: new EKSClient({ region: 'eu-west-1' }), clusterName: 'lakehouse' });

function nodeGroup(name: string, overrides: Partial<Nodegroup> = {}): Nodegroup {
  return {
    nodegroupName: name,
    status: 'ACTIVE',
    scalingConfig: { minSize: 1, maxSize: 4, desiredSize: 2 },
    health: { issues: [] },
    ...overrides,
  };
}

describe('checkEksCluster', () => {
  beforeEach(() => {
    eksMock.reset();
    eksMock
      .on(DescribeClusterCommand)
      .resolves({ cluster: { name: 'lakehouse', status: 'ACTIVE', version: '1.33' } });
    eksMock
      .on(ListNodegroupsCommand, { clusterName: 'lakehouse' })
      .resolvesOnce({ nodegroups: ['system'], nextToken: 'page-2' })
      .resolvesOnce({ nodegroups: ['storage'] });
    eksMock
      .on(DescribeNodegroupCommand, { nodegroupName: 'system' })
      .resolves({ nodegroup: nodeGroup('system') });
    eksMock
      .on(DescribeNodegroupCommand, { nodegroupName: 'storage' })
      .resolves({ nodegroup: nodeGroup('storage') });
  });

  it('passes when the cluster and every node group (across pages) are ACTIVE, reporting their scaling', async () => {
    const result = await check();

    expect(result).toMatchObject({
      name: 'eks-cluster',
      status: 'PASSED',
      detail: 'cluster lakehouse ACTIVE with 2 healthy node groups',
      observations: {
        cluster: { status: 'ACTIVE', version: '1.33' },
        nodeGroups: [
          { name: 'system', status: 'ACTIVE', scaling: { minSize: 1, maxSize: 4, desiredSize: 2 } },
          { name: 'storage', status: 'ACTIVE' },
        ],
      },
    });
    expect(eksMock).toHaveReceivedCommandWith(ListNodegroupsCommand, {
      clusterName: 'lakehouse',
      nextToken: 'page-2',
    });
  });

  it('fails naming the degraded node group and its health issues', async () => {
    eksMock.on(DescribeNodegroupCommand, { nodegroupName: 'storage' }).resolves({
      nodegroup: nodeGroup('storage', {
        status: 'DEGRADED',
        health: { issues: [{ code: 'AsgInstanceLaunchFailures', message: 'InsufficientInstanceCapacity' }] },
      }),
    });

    const result = await check();

    expect(result).toMatchObject({
      status: 'FAILED',
      detail:
        'node group storage is DEGRADED, not ACTIVE; ' +
        'node group storage: AsgInstanceLaunchFailures: InsufficientInstanceCapacity',
    });
  });

  it('fails when the control plane is not ACTIVE', async () => {
    eksMock.on(DescribeClusterCommand).resolves({ cluster: { name: 'lakehouse', status: 'UPDATING' } });

    const result = await check();

    expect(result).toMatchObject({ status: 'FAILED', detail: 'cluster lakehouse is UPDATING, not ACTIVE' });
  });

  it('fails when the cluster does not exist', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .rejects(Object.assign(new Error('No cluster found'), { name: 'ResourceNotFoundException' }));

    const result = await check();

    expect(result).toMatchObject({ status: 'FAILED', detail: 'EKS cluster lakehouse not found' });
  });

  it('throws TransientError when EKS throttles', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    expect(await rejectionOf(check())).toMatchObject({ name: 'TransientError' });
  });
});
