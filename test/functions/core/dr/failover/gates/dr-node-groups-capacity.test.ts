import {
  DescribeNodegroupCommand,
  EKSClient,
  ListNodegroupsCommand,
  type Nodegroup,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { drNodeGroupsCapacityGate } from '../../../../../../functions/core/dr/failover/gates/dr-node-groups-capacity.ts';
import { COMPUTE_POOL, SYSTEM_POOL } from '../primary-pools.ts';

const DR_CLUSTER = 'lakehouse-staging-dr';

describe('dr-node-groups-capacity gate', () => {
  const eks = new EKSClient({ region: 'eu-central-1' });
  const eksMock = mockClient(eks);

  function drGroups(...groups: Nodegroup[]): void {
    eksMock.on(ListNodegroupsCommand).resolves({ nodegroups: groups.map((group) => group.nodegroupName!) });
    for (const group of groups) {
      eksMock
        .on(DescribeNodegroupCommand, { nodegroupName: group.nodegroupName })
        .resolves({ nodegroup: group });
    }
  }
  const group = (name: string, maxSize: number, extra: Partial<Nodegroup> = {}): Nodegroup => ({
    nodegroupName: name,
    status: 'ACTIVE',
    scalingConfig: { minSize: 0, desiredSize: 0, maxSize },
    ...extra,
  });
  const gate = (
    pools = [
      { spec: SYSTEM_POOL, size: 3 },
      { spec: COMPUTE_POOL, size: 6 },
    ],
  ) => drNodeGroupsCapacityGate({ eks, clusterName: DR_CLUSTER, pools });

  beforeEach(() => eksMock.reset());

  it('passes when every pool group is ACTIVE, healthy and can grow to the needed size', async () => {
    // compute's DR group has another name (a spot migration there): found by the pool's labels.
    drGroups(group('system', 3), group('compute-spot', 12, { labels: { 'lakehouse.io/pool': 'compute' } }));

    const verdict = await gate();

    expect(verdict).toMatchObject({
      gate: 'dr-node-groups-capacity',
      passed: true,
      detail: `every DR node group in ${DR_CLUSTER} is ACTIVE, healthy and can grow to the needed size (system 3, compute 6)`,
      evidence: {
        measured: 0,
        limit: 0,
        perPool: { compute: { group: 'compute-spot', maxSize: 12, needed: 6, status: 'ACTIVE' } },
      },
    });
  });

  it('fails when a group cannot grow to the needed size, with both numbers', async () => {
    drGroups(group('system', 3), group('compute', 4));

    const verdict = await gate();

    expect(verdict.passed).toBe(false);
    expect(verdict.detail).toBe(
      "DR node group compute can grow to 4 nodes, 6 needed: raise the DR groups' maxSize (ClusterStack) or repair them before failing over",
    );
    expect(verdict.evidence).toMatchObject({ measured: 1, perPool: { compute: { maxSize: 4, needed: 6 } } });
  });

  it('fails when a group is degraded or missing', async () => {
    drGroups(
      group('system', 5, {
        status: 'DEGRADED',
        health: {
          issues: [{ code: 'Ec2SubnetInvalidConfiguration', message: 'subnet has no free addresses' }],
        },
      }),
    );

    const verdict = await gate();

    expect(verdict.passed).toBe(false);
    expect(verdict.detail).toContain(
      'DR node group system is DEGRADED, not ACTIVE and has health issues (Ec2SubnetInvalidConfiguration: subnet has no free addresses)',
    );
    expect(verdict.detail).toContain('pool compute has no node group in the DR cluster');
    expect(verdict.evidence.measured).toBe(2);
  });

  it('ignores a pool the DR cluster needs no nodes of', async () => {
    drGroups(group('system', 3));

    const verdict = await gate([
      { spec: SYSTEM_POOL, size: 3 },
      { spec: COMPUTE_POOL, size: 0 },
    ]);

    expect(verdict.passed).toBe(true);
  });

  it('fails as "could not be evaluated" when EKS cannot list the node groups', async () => {
    eksMock
      .on(ListNodegroupsCommand)
      .rejects(Object.assign(new Error('No cluster found'), { name: 'ResourceNotFoundException' }));

    const verdict = await gate();

    expect(verdict).toMatchObject({
      passed: false,
      detail:
        'the dr-node-groups-capacity gate could not be evaluated: ResourceNotFoundException: No cluster found',
      evidence: { measured: null, limit: 0 },
    });
  });
});
