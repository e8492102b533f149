import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListNodegroupsCommand,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { handler } from '../../functions/check-eks-cluster.handler.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';

describe('check-eks-cluster handler', () => {
  const eks = mockClient(EKSClient);

  useHandlerEnvironment(() => ({ CLUSTER_NAME: 'lakehouse' }));
  beforeEach(() => {
    eks.reset();
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'lakehouse', status: 'ACTIVE' } });
    eks.on(ListNodegroupsCommand).resolves({ nodegroups: ['system'] });
  });

  it('returns PASSED for the configured cluster when its node groups are ACTIVE', async () => {
    eks.on(DescribeNodegroupCommand).resolves({ nodegroup: { nodegroupName: 'system', status: 'ACTIVE' } });

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({ name: 'eks-cluster', status: 'PASSED' });
    expect(eks).toHaveReceivedCommandWith(DescribeNodegroupCommand, {
      clusterName: 'lakehouse',
      nodegroupName: 'system',
    });
  });

  it('returns FAILED when a node group is being deleted', async () => {
    eks.on(DescribeNodegroupCommand).resolves({ nodegroup: { nodegroupName: 'system', status: 'DELETING' } });

    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({ status: 'FAILED', detail: 'node group system is DELETING, not ACTIVE' });
  });
});
