import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { instanceOfProviderId } from '../../functions/core/cost/spot/interruption.ts';
import { handler as drainInterruptedNode } from '../../functions/drain-spot-interrupted-node.handler.ts';
import { handler as findInterruptedNode } from '../../functions/find-spot-interrupted-node.handler.ts';
import { handler as planSpotMigration } from '../../functions/plan-spot-migration.handler.ts';
import { SPOT_TYPES } from './core/cost/spot/spot-cluster.ts';
import { spotInterruptionWarning } from './core/cost/spot/spot-events.ts';
import { lambdaContext } from './support/lambda.ts';
import { seedDeployment, useRemediationHandlerHarness } from './support/remediation-handler-harness.ts';

const compute = {
  name: 'compute',
  instanceTypes: ['m6i.xlarge'],
  capacityType: 'ON_DEMAND' as const,
  minSize: 0,
  maxSize: 4,
  desiredSize: 0,
  labels: { 'lakehouse-ops.io/pool': 'compute' },
};

describe('spot handlers', () => {
  const cluster = useRemediationHandlerHarness(() => ({}), [compute]);

  it('find-spot-interrupted-node and drain-spot-interrupted-node drain the noticed Node through the EKS-authenticated API', async () => {
    seedDeployment(cluster.kube(), 'worker', 'prefect', 3);
    const node = cluster.kube().get('v1', 'Node', 'node-a') as V1Node;
    const instanceId = instanceOfProviderId(node.spec?.providerID)!.instanceId;
    // A fresh notice: the drain has its two minutes.
    const event = spotInterruptionWarning(instanceId, new Date().toISOString());

    const target = await findInterruptedNode(event, lambdaContext());
    const drain = await drainInterruptedNode(target, lambdaContext());

    expect(target).toMatchObject({ found: true, node: 'node-a', nodeGroup: 'system' });
    expect(drain).toMatchObject({ outcome: 'DRAINED', node: 'node-a', cordoned: true });
    expect((cluster.kube().get('v1', 'Node', 'node-a') as V1Node).spec?.unschedulable).toBe(true);
  });

  it('find-spot-interrupted-node refuses an event that is not a spot notice', async () => {
    await expect(
      findInterruptedNode(
        { ...spotInterruptionWarning('i-0abc12345def67890', new Date().toISOString()), source: 'aws.s3' },
        lambdaContext(),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputError' });
  });

  it('plan-spot-migration plans the compute pool through EKS, and refuses the stateful tier', async () => {
    const request = {
      pool: 'compute',
      direction: 'to-spot',
      instanceTypes: SPOT_TYPES,
      dryRun: true,
      requestedBy: 'test',
    };

    expect(await planSpotMigration(request, lambdaContext())).toMatchObject({
      source: { name: 'compute' },
      target: { name: 'compute-spot', exists: false },
      batchSize: 2,
    });
    await expect(planSpotMigration({ ...request, pool: 'storage' }, lambdaContext())).rejects.toMatchObject({
      name: 'SpotMigrationRefusedError',
    });
    await expect(planSpotMigration({ ...request, force: true }, lambdaContext())).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
  });
});
