import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/validate-workflow-input.handler.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { rejectionOf } from './support/rejection.ts';

describe('validate-workflow-input handler', () => {
  useHandlerEnvironment();

  it('fills in the defaults for an empty console input', async () => {
    expect(await handler({}, lambdaContext())).toEqual({
      suite: 'full',
      notify: true,
      requestedBy: 'console',
      performance: false,
    });
  });

  it('rejects a typo with InvalidInputError naming the unknown key', async () => {
    const error = await rejectionOf(handler({ notfy: false }, lambdaContext()));

    expect(error).toMatchObject({
      name: 'InvalidInputError',
      message: 'validate-workflow-input: invalid event: notfy: unknown key, not accepted here',
    });
  });
});
