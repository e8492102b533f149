import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/check-node-groups.handler.ts';
import { lambdaContext } from './support/lambda.ts';
import { useProvisionHandlerHarness } from './support/provision-handler-harness.ts';
import { expectFailure } from './support/rejection.ts';

const system = {
  name: 'system',
  instanceTypes: ['m6i.large'],
  capacityType: 'ON_DEMAND' as const,
  minSize: 3,
  maxSize: 4,
  desiredSize: 3,
};

describe('check-node-groups handler', () => {
  useProvisionHandlerHarness(
    () => ({ PROVISION_NODE_GROUPS: JSON.stringify([{ ...system, desiredSize: 4 }]) }),
    [system],
  );

  it('reports the groups not ready while the deadline has not passed', async () => {
    const result = await handler({ deadline: new Date(Date.now() + 60_000).toISOString() }, lambdaContext());

    expect(result).toEqual({
      ready: false,
      groups: [
        {
          name: 'system',
          status: 'ACTIVE',
          detail:
            'scaling {"minSize":3,"maxSize":4,"desiredSize":3}, configured {"minSize":3,"maxSize":4,"desiredSize":4}',
        },
      ],
    });
  });

  it('fails with NodeGroupNotReadyError once the deadline passed', async () => {
    await expectFailure(
      handler({ deadline: new Date(Date.now() - 1000).toISOString() }, lambdaContext()),
      'NodeGroupNotReadyError',
      'node groups not ready by',
      'system ACTIVE',
    );
  });

  it('refuses a deadline that is not a timestamp', async () => {
    await expectFailure(handler({ deadline: 'tomorrow' }, lambdaContext()), 'InvalidInputError', 'deadline');
  });
});
