import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/record-failover-step.handler.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from './support/local-dynamodb.ts';
import { expectFailure } from './support/rejection.ts';

const request = { mode: 'drill', reason: 'monthly drill', requestedBy: 'schedule' };

describe('record-failover-step handler', () => {
  const dynamo = useLocalDynamoDb();
  useHandlerEnvironment(() => ({ OPS_TABLE_NAME: OPS_TABLE, AWS_ENDPOINT_URL_DYNAMODB: dynamo.url() }));
  // biome-ignore lint/suspicious/noExplicitAny: the handler's answer differs per action; each test reads what it asked for.
  const call = (event: Record<string, unknown>) => handler(event, lambdaContext()) as Promise<any>;

  it('opens a failover, runs a step once, skips it on a re-run and continues with the next', async () => {
    const opened = await call({ action: 'open', owner: 'execution-a', request });
    const { failoverId } = opened;
    const started = await call({ action: 'start', failoverId, step: 'check-gates', owner: 'execution-a' });
    await call({
      action: 'finish',
      failoverId,
      step: 'check-gates',
      owner: 'execution-a',
      outcome: 'SUCCEEDED',
      output: { decision: 'PASSED' },
    });

    const reopened = await call({ action: 'open', owner: 'execution-b', request });
    const again = await call({ action: 'start', failoverId, step: 'check-gates', owner: 'execution-b' });
    const read = await call({ action: 'read', failoverId });

    expect(opened).toMatchObject({ resumed: false, nextStep: 'check-gates', run: { environment: 'test' } });
    expect(started).toMatchObject({ failoverId, skip: false, step: { status: 'STARTED', attempts: 1 } });
    expect(reopened).toMatchObject({ failoverId, resumed: true, nextStep: 'approve-forced-failover' });
    expect(again).toMatchObject({
      skip: true,
      step: { status: 'SUCCEEDED', output: { decision: 'PASSED' } },
    });
    expect(read.timings[0]).toMatchObject({ step: 'check-gates', status: 'SUCCEEDED', attempts: 1 });

    const closed = await call({ action: 'close', failoverId, owner: 'execution-b', status: 'ABANDONED' });
    expect(closed).toMatchObject({ run: { status: 'ABANDONED' }, timings: expect.any(Array) });
  });

  it('refuses a second execution starting a step another one is running', async () => {
    const { failoverId } = await call({ action: 'open', owner: 'execution-c', request });
    await call({ action: 'start', failoverId, step: 'check-gates', owner: 'execution-c', leaseSeconds: 900 });

    await expectFailure(
      call({ action: 'start', failoverId, step: 'check-gates', owner: 'execution-d' }),
      'FailoverStepInProgressError',
      'is being run by execution-c',
    );
  });

  it('refuses a step that is not in the failover plan, listing the planned ones', async () => {
    await expectFailure(
      call({ action: 'start', failoverId: '20260302T060000Z-a1b2c3', step: 'reboot-everything', owner: 'x' }),
      'InvalidInputError',
      'step',
      '"check-gates"',
    );
  });
});
