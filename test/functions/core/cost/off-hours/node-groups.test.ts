import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListNodegroupsCommand,
  ResourceInUseException,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../../../../functions/commons/errors.ts';
import { eksNodeGroupControl } from '../../../../../functions/core/cost/off-hours/node-groups.ts';
import {
  OffHoursNotAllowedError,
  preflightOffHours,
} from '../../../../../functions/core/cost/off-hours/preflight.ts';
import { rejectionOf } from '../../../support/rejection.ts';

const eksMock = mockClient(EKSClient);
const CLUSTER = 'lakehouse-staging';

describe('eksNodeGroupControl', () => {
  const control = () =>
    eksNodeGroupControl({ eks: new EKSClient({ region: 'eu-central-1' }), clusterName: CLUSTER });
  beforeEach(() => eksMock.reset());

  it('lists the groups with their three sizes and labels', async () => {
    eksMock.on(ListNodegroupsCommand).resolves({ nodegroups: ['compute'] });
    eksMock.on(DescribeNodegroupCommand).resolves({
      nodegroup: {
        status: 'ACTIVE',
        scalingConfig: { minSize: 1, desiredSize: 3, maxSize: 10 },
        labels: { 'lakehouse-ops.io/pool': 'compute' },
      },
    });

    expect(await control().list()).toEqual([
      {
        name: 'compute',
        status: 'ACTIVE',
        minSize: 1,
        desiredSize: 3,
        maxSize: 10,
        labels: { 'lakehouse-ops.io/pool': 'compute' },
      },
    ]);
  });

  it('sets min, desired and max in one request with the given token', async () => {
    eksMock.on(UpdateNodegroupConfigCommand).resolves({});

    await control().resize('compute', { minSize: 0, desiredSize: 0, maxSize: 10 }, 'token-1');

    expect(eksMock.commandCalls(UpdateNodegroupConfigCommand)[0]?.args[0].input).toEqual({
      clusterName: CLUSTER,
      nodegroupName: 'compute',
      scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 10 },
      clientRequestToken: 'token-1',
    });
  });

  it('turns "busy with another update" into a TransientError the workflow retries', async () => {
    eksMock
      .on(UpdateNodegroupConfigCommand)
      .rejects(new ResourceInUseException({ message: 'in use', $metadata: {} }));

    const error = await rejectionOf(
      control().resize('compute', { minSize: 0, desiredSize: 0, maxSize: 10 }, 't'),
    );

    expect(error).toBeInstanceOf(TransientError);
  });
});

describe('preflightOffHours', () => {
  beforeEach(() => eksMock.reset());
  const eks = () => new EKSClient({ region: 'eu-central-1' });
  const request = { action: 'wake' as const, dryRun: false, requestedBy: 'alice' };

  it('refuses production before touching anything', async () => {
    const error = await rejectionOf(
      preflightOffHours(request, { eks: eks(), clusterName: CLUSTER, environment: 'production' }),
    );

    expect(error).toBeInstanceOf(OffHoursNotAllowedError);
    expect((error as Error).message).toBe(
      'off-hours wake is refused in production: only development and staging sleep',
    );
    expect(eksMock.calls()).toHaveLength(0);
  });

  it('requires the cluster ACTIVE and hands on the request with where it applies', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .resolves({ cluster: { name: CLUSTER, status: 'ACTIVE', version: '1.31' } });

    expect(
      await preflightOffHours(request, { eks: eks(), clusterName: CLUSTER, environment: 'staging' }),
    ).toEqual({
      ...request,
      environment: 'staging',
      clusterName: CLUSTER,
    });

    eksMock.on(DescribeClusterCommand).resolves({ cluster: { name: CLUSTER, status: 'UPDATING' } });
    const error = await rejectionOf(
      preflightOffHours(request, { eks: eks(), clusterName: CLUSTER, environment: 'staging' }),
    );
    expect((error as Error).name).toBe('ClusterNotActiveError');
  });
});
