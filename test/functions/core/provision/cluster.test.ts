import {
  CreateNodegroupCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awaitNodeGroups,
  ensureNodeGroups,
  nodeGroupReadiness,
  requireActiveCluster,
} from '../../../../functions/core/provision/cluster.ts';
import { nodeGroupSpecsFrom } from '../../../../functions/core/provision/settings.ts';
import type { NodeGroupConfig } from '../../../../local/aws-sim/eks.ts';
import { type AwsSim, startAwsSim } from '../../../../local/aws-sim/server.ts';
import { AWS_TEST_CREDENTIALS, TEST_REGION } from '../../support/lambda.ts';

const CLUSTER = 'lakehouse-provision';
const system: NodeGroupConfig = {
  name: 'system',
  instanceTypes: ['m6i.large'],
  capacityType: 'ON_DEMAND',
  minSize: 2,
  maxSize: 4,
  desiredSize: 2,
};
const specs = nodeGroupSpecsFrom(
  JSON.stringify([
    { ...system, minSize: 3, maxSize: 6, desiredSize: 3 },
    {
      name: 'compute',
      instanceTypes: ['m6i.xlarge', 'm6a.xlarge', 'm5.xlarge', 'm5a.xlarge', 'm7i.xlarge', 'm7a.xlarge'],
      capacityType: 'SPOT',
      minSize: 0,
      maxSize: 10,
      desiredSize: 2,
      labels: { 'lakehouse-ops.io/pool': 'compute' },
      taints: [{ key: 'dedicated', value: 'compute', effect: 'NO_SCHEDULE' }],
    },
  ]),
);

describe('provision cluster steps', () => {
  let sim: AwsSim;
  let eks: EKSClient;
  const dependencies = () => ({ eks, clusterName: CLUSTER });

  beforeAll(async () => {
    sim = await startAwsSim({
      region: TEST_REGION,
      clusters: [{ name: CLUSTER, version: '1.31', endpoint: 'http://127.0.0.1:1', nodeGroups: [system] }],
    });
    eks = new EKSClient({ endpoint: sim.url, region: TEST_REGION, credentials: AWS_TEST_CREDENTIALS });
  });
  afterAll(async () => {
    eks.destroy();
    await sim.stop();
  });

  it('requires the cluster ACTIVE, and names a missing one', async () => {
    await expect(requireActiveCluster(dependencies())).resolves.toEqual({ version: '1.31' });
    await expect(requireActiveCluster({ eks, clusterName: 'absent' })).rejects.toThrow(
      'EKS cluster absent does not exist: deploy its ClusterStack first',
    );
  });

  it('refuses a cluster that is not ACTIVE with ClusterNotActiveError', async () => {
    const mocked = mockClient(EKSClient);
    mocked.on(DescribeClusterCommand).resolves({ cluster: { name: CLUSTER, status: 'UPDATING' } });
    try {
      await expect(
        requireActiveCluster({ eks: new EKSClient({}), clusterName: CLUSTER }),
      ).rejects.toMatchObject({
        name: 'ClusterNotActiveError',
        message: `EKS cluster ${CLUSTER} is UPDATING, not ACTIVE`,
      });
    } finally {
      mocked.restore();
    }
  });

  it('says what it would do in a dry run, and does none of it', async () => {
    const changes = await ensureNodeGroups(dependencies(), specs, true);

    expect(changes.map(({ name, action }) => ({ name, action }))).toEqual([
      { name: 'system', action: 'scaled' },
      { name: 'compute', action: 'created' },
    ]);
    await expect(nodeGroupReadiness(dependencies(), specs.slice(0, 1))).resolves.toMatchObject({
      ready: false,
    });
    await expect(
      awaitNodeGroups(dependencies(), specs.slice(0, 1), new Date(Date.now() - 1)),
    ).rejects.toThrow(
      /^node groups not ready by .*: system ACTIVE \(scaling \{"minSize":2,"maxSize":4,"desiredSize":2\}, configured/,
    );
  });

  it('rescales a group to its configured sizes and creates a missing one like its sibling', async () => {
    const changes = await ensureNodeGroups(dependencies(), specs, false);

    expect(changes).toEqual([
      {
        name: 'system',
        action: 'scaled',
        scaling: { minSize: 3, maxSize: 6, desiredSize: 3 },
        previous: { minSize: 2, maxSize: 4, desiredSize: 2 },
      },
      { name: 'compute', action: 'created', scaling: { minSize: 0, maxSize: 10, desiredSize: 2 } },
    ]);
    // A new group reports CREATING first, as EKS does while its instances launch.
    const first = await nodeGroupReadiness(dependencies(), specs);
    expect(first.ready).toBe(false);
    expect(first.groups.find((group) => group.name === 'compute')?.status).toBe('CREATING');
    const next = await awaitNodeGroups(dependencies(), specs, new Date(Date.now() + 60_000));
    expect(next).toEqual({
      ready: true,
      groups: [
        { name: 'system', status: 'ACTIVE', detail: '3 nodes desired' },
        { name: 'compute', status: 'ACTIVE', detail: '2 nodes desired' },
      ],
    });
  });

  it('changes nothing on the next run', async () => {
    const changes = await ensureNodeGroups(dependencies(), specs, false);
    expect(changes.map((change) => change.action)).toEqual(['unchanged', 'unchanged']);
  });

  it('fails with NodeGroupNotReadyError, naming the group, when it is degraded', async () => {
    sim.eks.setHealthIssues(CLUSTER, 'compute', [
      { code: 'AsgInstanceLaunchFailures', message: 'no spot capacity' },
    ]);
    try {
      await expect(
        awaitNodeGroups(dependencies(), specs, new Date(Date.now() + 60_000)),
      ).rejects.toMatchObject({
        name: 'NodeGroupNotReadyError',
        message: 'node group compute is DEGRADED: AsgInstanceLaunchFailures: no spot capacity',
      });
    } finally {
      sim.eks.setHealthIssues(CLUSTER, 'compute', []);
    }
  });
});

describe('provision cluster steps on a pool a spot migration moved', () => {
  const computeSpec = specs[1]!;
  const poolLabels = { 'lakehouse-ops.io/pool': 'compute' };
  const migrated: NodeGroupConfig = {
    ...system,
    name: 'compute-on-demand',
    instanceTypes: ['m6i.xlarge'],
    minSize: 0,
    maxSize: 10,
    desiredSize: 1,
    labels: poolLabels,
  };
  let sim: AwsSim;
  let eks: EKSClient;
  const dependencies = () => ({ eks, clusterName: CLUSTER });

  beforeAll(async () => {
    sim = await startAwsSim({
      region: TEST_REGION,
      clusters: [
        { name: CLUSTER, version: '1.31', endpoint: 'http://127.0.0.1:1', nodeGroups: [system, migrated] },
      ],
    });
    eks = new EKSClient({ endpoint: sim.url, region: TEST_REGION, credentials: AWS_TEST_CREDENTIALS });
  });
  afterAll(async () => {
    eks.destroy();
    await sim.stop();
  });

  it('rescales the group that carries the pool label instead of creating the configured name again', async () => {
    const changes = await ensureNodeGroups(dependencies(), [computeSpec], false);

    expect(changes).toEqual([
      {
        name: 'compute-on-demand',
        action: 'scaled',
        scaling: { minSize: 0, maxSize: 10, desiredSize: 2 },
        previous: { minSize: 0, maxSize: 10, desiredSize: 1 },
      },
    ]);
    const readiness = await nodeGroupReadiness(dependencies(), [computeSpec]);
    expect(readiness.groups).toEqual([
      { name: 'compute-on-demand', status: 'ACTIVE', detail: '2 nodes desired' },
    ]);
  });

  it('leaves a pool with two groups to the migration, saying why, and does not wait for it', async () => {
    await eks.send(
      new CreateNodegroupCommand({
        clusterName: CLUSTER,
        nodegroupName: 'compute-spot',
        capacityType: 'SPOT',
        instanceTypes: computeSpec.instanceTypes,
        scalingConfig: { minSize: 0, maxSize: 10, desiredSize: 2 },
        labels: poolLabels,
        subnets: ['subnet-1'],
        nodeRole: 'arn:aws:iam::123456789012:role/node',
      }),
    );

    const changes = await ensureNodeGroups(dependencies(), [computeSpec], false);

    expect(changes).toEqual([
      {
        name: 'compute',
        action: 'skipped',
        scaling: { minSize: 0, maxSize: 10, desiredSize: 2 },
        detail: expect.stringContaining(
          'pool compute has 2 node groups (compute-on-demand, compute-spot): a spot migration is under way',
        ),
      },
    ]);
    await expect(nodeGroupReadiness(dependencies(), [computeSpec])).resolves.toMatchObject({
      ready: true,
      groups: [{ name: 'compute', status: 'MIGRATING' }],
    });
  });
});

describe('provision cluster steps creating a pool with its own launch template', () => {
  let sim: AwsSim;
  let eks: EKSClient;

  beforeAll(async () => {
    sim = await startAwsSim({
      region: TEST_REGION,
      clusters: [{ name: CLUSTER, version: '1.31', endpoint: 'http://127.0.0.1:1', nodeGroups: [system] }],
    });
    eks = new EKSClient({ endpoint: sim.url, region: TEST_REGION, credentials: AWS_TEST_CREDENTIALS });
  });
  afterAll(async () => {
    eks.destroy();
    await sim.stop();
  });

  it("creates the group with the pool's launch template by name (EKS takes its default version)", async () => {
    const [compute] = nodeGroupSpecsFrom(
      JSON.stringify([{ ...specs[1], launchTemplate: { name: `${CLUSTER}-compute` } }]),
    );
    await ensureNodeGroups({ eks, clusterName: CLUSTER }, [compute!], false);

    const { nodegroup } = await eks.send(
      new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: 'compute' }),
    );
    expect(nodegroup?.launchTemplate).toEqual({ name: `${CLUSTER}-compute` });
  });
});
