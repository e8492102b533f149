import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/ensure-node-groups.handler.ts';
import { lambdaContext } from './support/lambda.ts';
import { useProvisionHandlerHarness } from './support/provision-handler-harness.ts';

const system = {
  name: 'system',
  instanceTypes: ['m6i.large'],
  capacityType: 'ON_DEMAND' as const,
  minSize: 2,
  maxSize: 4,
  desiredSize: 2,
};
const configured = [
  { ...system, minSize: 3, desiredSize: 3, labels: { 'lakehouse-ops.io/pool': 'system' } },
  { ...system, name: 'storage', instanceTypes: ['i4i.large'], minSize: 4, maxSize: 5, desiredSize: 4 },
];

describe('ensure-node-groups handler', () => {
  useProvisionHandlerHarness(() => ({ PROVISION_NODE_GROUPS: JSON.stringify(configured) }), [system]);

  it('says what it would change in a dry run and is ready at once', async () => {
    const result = await handler({ dryRun: true }, lambdaContext());

    expect(result.changes.map((change) => change.action)).toEqual(['scaled', 'created']);
    expect(result.readiness).toEqual({ ready: true, groups: [] });
  });

  it('rescales and creates the node groups, with a deadline for the wait', async () => {
    const started = Date.now();
    const result = await handler({ dryRun: false }, lambdaContext());

    expect(result.changes.map((change) => [change.name, change.action])).toEqual([
      ['system', 'scaled'],
      ['storage', 'created'],
    ]);
    expect(Date.parse(result.deadline) - started).toBeGreaterThanOrEqual(1200 * 1000);
    // The new group is still CREATING.
    expect(result.readiness.ready).toBe(false);
  });
});
