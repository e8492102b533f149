import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsSim, startAwsSim } from '../../../local/aws-sim/server.ts';
import { TaskFailure, TaskTokenBroker } from '../../../local/runner/task-tokens.ts';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

/** The name and message a real SDK call rejected with. */
async function failureOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: failure.name, message: failure.message, status: failure.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('aws-sim Step Functions', () => {
  const broker = new TaskTokenBroker();
  let sim: AwsSim;
  let withoutBroker: AwsSim;
  let client: SFNClient;
  beforeAll(async () => {
    [sim, withoutBroker] = await Promise.all([
      startAwsSim({ region: 'eu-west-1', taskTokens: broker }),
      startAwsSim({ region: 'eu-west-1' }),
    ]);
    client = new SFNClient({ region: 'eu-west-1', credentials, endpoint: sim.url, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await Promise.all([sim.stop(), withoutBroker.stop()]);
  });

  it('resolves the parked Task with the output of SendTaskSuccess', async () => {
    const { token, answer } = broker.park('remediate-1', 'RequestApproval');

    await client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true,"approver":"ops"}' }),
    );

    expect(await answer).toEqual({ approved: true, approver: 'ops' });
    expect(broker.pending()).toEqual([]);
  });

  it('fails the parked Task with the error and cause of SendTaskFailure', async () => {
    const { token, answer } = broker.park('remediate-2', 'RequestApproval');
    const settled = answer.then(
      () => undefined,
      (error: unknown) => error,
    );

    await client.send(
      new SendTaskFailureCommand({
        taskToken: token,
        error: 'ApprovalRejected',
        cause: '{"approver":"dana"}',
      }),
    );

    const failure = await settled;
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure).toMatchObject({ name: 'ApprovalRejected', message: '{"approver":"dana"}' });
  });

  it('answers TaskTimedOut for a token answered or abandoned before, as Step Functions does', async () => {
    const answered = broker.park('remediate-3', 'RequestApproval');
    await client.send(new SendTaskSuccessCommand({ taskToken: answered.token, output: '{}' }));
    await answered.answer;
    const abandoned = broker.park('remediate-4', 'RequestApproval');
    broker.abandon(abandoned.token);

    for (const token of [answered.token, abandoned.token]) {
      expect(
        await failureOf(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))),
      ).toMatchObject({
        name: 'TaskTimedOut',
        status: 400,
      });
    }
  });

  it('answers TaskDoesNotExist for a token nobody parked, and without a broker', async () => {
    const other = new SFNClient({
      region: 'eu-west-1',
      credentials,
      endpoint: withoutBroker.url,
      maxAttempts: 1,
    });
    try {
      expect(
        await failureOf(client.send(new SendTaskFailureCommand({ taskToken: 'never-issued', error: 'X' }))),
      ).toMatchObject({ name: 'TaskDoesNotExist' });
      expect(
        await failureOf(other.send(new SendTaskSuccessCommand({ taskToken: 'never-issued', output: '{}' }))),
      ).toMatchObject({ name: 'TaskDoesNotExist' });
    } finally {
      other.destroy();
    }
  });

  it('refuses output that is not JSON with InvalidOutput and keeps the Task waiting', async () => {
    const { token } = broker.park('remediate-5', 'RequestApproval');

    expect(
      await failureOf(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{approved' }))),
    ).toMatchObject({
      name: 'InvalidOutput',
    });
    expect(broker.pending().map((task) => task.token)).toContain(token);
    broker.abandon(token);
  });

  it('refuses an error longer than Step Functions allows, and operations it does not implement', async () => {
    const { token } = broker.park('remediate-6', 'RequestApproval');

    expect(
      await failureOf(client.send(new SendTaskFailureCommand({ taskToken: token, error: 'E'.repeat(257) }))),
    ).toMatchObject({ name: 'ValidationException' });
    expect(await failureOf(client.send(new SendTaskHeartbeatCommand({ taskToken: token })))).toMatchObject({
      name: 'UnknownOperationException',
    });
    expect(broker.pending().map((task) => task.token)).toContain(token);
    broker.abandon(token);
  });
});
