import { randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApprovalTable,
  getApproval,
  putPendingApproval,
} from '../../../../functions/core/remediation/approval/approval-store.ts';
import { stepFunctionsTaskAnswers } from '../../../../functions/core/remediation/approval/task-answers.ts';
import {
  type ApprovalsBackend,
  approvalsCommand,
  connectToEnvironment,
} from '../../../../local/cli/commands/approvals.ts';
import { UsageError } from '../../../../local/cli/usage-error.ts';
import { TaskTokenBroker } from '../../../../local/runner/task-tokens.ts';
import { crashLoopAlert, EXECUTION_ID } from '../../../functions/support/approvals.ts';
import { AWS_TEST_CREDENTIALS, TEST_REGION } from '../../../functions/support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../../functions/support/local-dynamodb.ts';
import { TEST_CLUSTER, useAwsSim } from '../../../functions/support/simulators.ts';
import { captureIo } from '../support/captured-io.ts';

describe('approvals command', () => {
  const dynamo = useLocalDynamoDb();
  const broker = new TaskTokenBroker();
  const awsSim = useAwsSim(() => ({ taskTokens: broker }));
  let sfn: SFNClient;
  let table: ApprovalTable;
  const connected: { environment: string; table?: string }[] = [];
  const connect = (options: { environment: string; table?: string }): ApprovalsBackend => {
    connected.push(options);
    return { table, tasks: stepFunctionsTaskAnswers(sfn), close: () => undefined };
  };
  beforeAll(() => {
    sfn = new SFNClient({ region: TEST_REGION, credentials: AWS_TEST_CREDENTIALS, endpoint: awsSim().url });
    table = { dynamoDb: dynamo.client(), tableName: OPS_TABLE };
  });
  afterAll(() => sfn.destroy());

  /** A pending approval whose Task is parked, as request-approval leaves it. */
  async function pendingApproval(deadlineFromNow = 3600) {
    const { token, answer } = broker.park('remediate-cli', 'RequestApproval');
    const settled = answer.then(
      (output) => ({ output }),
      (error: Error) => ({ error }),
    );
    const approvalId = randomUUID();
    await putPendingApproval(table, {
      approvalId,
      taskToken: token,
      executionId: EXECUTION_ID,
      playbook: 'rollout-restart',
      params: {},
      dryRun: false,
      alert: crashLoopAlert(),
      target: { cluster: TEST_CLUSTER, namespace: 'prefect', kind: 'Deployment', name: 'prefect-worker' },
      requestedAt: new Date().toISOString(),
      deadline: Math.floor(Date.now() / 1000) + deadlineFromNow,
    });
    return { approvalId, token, answer: settled };
  }

  it('approves through the same core as the link, answering the Task with the approver', async () => {
    const approval = await pendingApproval();
    const run = captureIo();

    const code = await approvalsCommand(
      ['decide', approval.approvalId, 'approve', '--as', 'oncall@example.com', '--env', 'production'],
      run.io,
      connect,
    );

    expect(code).toBe(0);
    expect(run.stdout()).toContain(`${approval.approvalId} approved: rollout-restart`);
    expect(await approval.answer).toEqual({
      output: {
        approved: true,
        approver: 'oncall@example.com',
        decidedAt: expect.any(String),
        approvalId: approval.approvalId,
      },
    });
    expect((await getApproval(table, approval.approvalId))?.decision).toMatchObject({
      outcome: 'APPROVED',
      approver: 'oncall@example.com',
      via: 'cli',
    });
    expect(connected.at(-1)).toEqual({ environment: 'production' });
  });

  it('rejects with a reason, and refuses a second decision naming the first', async () => {
    const approval = await pendingApproval();

    const first = captureIo();
    expect(
      await approvalsCommand(
        ['decide', approval.approvalId, 'reject', '--as', 'dana', '--reason', 'change freeze'],
        first.io,
        connect,
      ),
    ).toBe(0);
    const second = captureIo();
    const code = await approvalsCommand(
      ['decide', approval.approvalId, 'approve', '--as', 'eve'],
      second.io,
      connect,
    );

    expect(await approval.answer).toMatchObject({ error: { name: 'ApprovalRejected' } });
    expect(code).toBe(1);
    expect(second.stderr()).toMatch(
      new RegExp(`${approval.approvalId} was already rejected by dana at \\S+; nothing changed`),
    );
  });

  it('lists pending approvals without their task tokens, and decided ones with --all', async () => {
    const pending = await pendingApproval();
    const expired = await pendingApproval(-1);
    const decided = await pendingApproval();
    await approvalsCommand(['decide', decided.approvalId, 'approve', '--as', 'ops'], captureIo().io, connect);

    const text = captureIo();
    await approvalsCommand(['list', '--table', 'other-table'], text.io, connect);
    const all = captureIo();
    await approvalsCommand(['list', '--all', '--json'], all.io, connect);

    expect(connected.at(-2)).toEqual({ environment: 'development', table: 'other-table' });
    expect(text.stdout()).toContain(`${pending.approvalId}  PENDING  PodCrashLooping -> rollout-restart`);
    expect(text.stdout()).toContain('target Deployment prefect/prefect-worker (lakehouse-test)');
    expect(text.stdout()).not.toContain(expired.approvalId);
    expect(text.stdout()).not.toContain(decided.approvalId);
    expect(text.stdout()).not.toContain(pending.token);
    const listed = JSON.parse(all.stdout()) as { approvalId: string; state: string; taskToken?: string }[];
    const stateOf = (id: string) => listed.find((approval) => approval.approvalId === id)?.state;
    expect(stateOf(pending.approvalId)).toBe('PENDING');
    expect(stateOf(expired.approvalId)).toBe('EXPIRED');
    expect(stateOf(decided.approvalId)).toBe('APPROVED');
    expect(listed.every((approval) => approval.taskToken === undefined)).toBe(true);
    broker.abandon(pending.token);
    broker.abandon(expired.token);
  });

  it('reports an expired approval and changes nothing', async () => {
    const approval = await pendingApproval(-1);
    const run = captureIo();

    const code = await approvalsCommand(
      ['decide', approval.approvalId, 'approve', '--as', 'ops'],
      run.io,
      connect,
    );

    expect(code).toBe(1);
    expect(run.stderr()).toContain(`${approval.approvalId} expired at`);
    expect((await getApproval(table, approval.approvalId))?.status).toBe('PENDING');
    broker.abandon(approval.token);
  });

  it.each([
    [['decide', randomUUID(), 'approve'], /--as <name or e-mail> is required/],
    [
      ['decide', randomUUID(), 'maybe', '--as', 'ops'],
      /"maybe" is not a decision: expected approve or reject/,
    ],
    [['decide', 'APPROVAL#1', 'approve', '--as', 'ops'], /"APPROVAL#1" is not an approval id/],
    [['decide', randomUUID()], /takes <approvalId> and approve\|reject, got 1 argument/],
    [['list', '--as', 'ops'], /--as and --reason are for approvals decide/],
    [['list', '--env', 'qa'], /--env qa is not an environment/],
    [['list', '--region', 'x'], /unknown option --region for approvals; expected: .*--env <value>/],
    [['approve'], /Unknown approvals subcommand "approve": expected list or decide/],
    [[], /approvals needs a subcommand/],
  ])('refuses %j with a usage error before connecting', async (args, message) => {
    const before = connected.length;

    await expect(approvalsCommand(args, captureIo().io, connect)).rejects.toThrow(message);
    await expect(approvalsCommand(args, captureIo().io, connect)).rejects.toBeInstanceOf(UsageError);
    expect(connected.length).toBe(before);
  });
});

describe('connectToEnvironment', () => {
  it("reaches the environment's ops table in its region, or the table it is given", async () => {
    const deployed = connectToEnvironment({ environment: 'staging' });
    const other = connectToEnvironment({ environment: 'staging', table: 'lakehouse-ops-local-ops' });
    try {
      expect(deployed.table.tableName).toBe('lakehouse-ops-staging-ops');
      expect(other.table.tableName).toBe('lakehouse-ops-local-ops');
    } finally {
      deployed.close();
      other.close();
    }
  });
});
