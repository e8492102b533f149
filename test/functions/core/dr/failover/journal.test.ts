import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  FailoverClosedError,
  FailoverNotFoundError,
  FailoverStepConflictError,
  FailoverStepInProgressError,
  UnfinishedFailoverError,
} from '../../../../../functions/core/dr/failover/errors.ts';
import {
  closeFailover,
  failoverPartitionKey,
  finishStep,
  isDone,
  type JournalTable,
  nextStep,
  openFailover,
  readJournal,
  startStep,
  stepTimings,
} from '../../../../../functions/core/dr/failover/journal.ts';
import type { FailoverRequest } from '../../../../../functions/core/dr/failover/request.ts';
import { FAILOVER_STEPS } from '../../../../../functions/core/dr/failover/steps.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../../support/local-dynamodb.ts';
import { rejectionOf } from '../../../support/rejection.ts';

const drill: FailoverRequest = {
  mode: 'drill',
  reason: 'monthly drill',
  force: false,
  requestedBy: 'schedule',
};

describe('failover step journal (dynalite)', () => {
  const dynamo = useLocalDynamoDb();
  let now: Date;
  let table: JournalTable;
  let environment: string;
  let environmentNumber = 0;

  beforeEach(() => {
    now = new Date('2026-03-02T06:00:00Z');
    table = { dynamoDb: dynamo.client(), tableName: OPS_TABLE, clock: () => now };
    // Each test its own environment: an environment holds one unfinished failover at a time.
    environment = `staging-${++environmentNumber}`;
  });
  const later = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };

  async function openedFailover(owner = 'execution-a'): Promise<string> {
    return (await openFailover(table, { environment, request: drill, owner })).run.failoverId;
  }

  async function runStep(failoverId: string, step: (typeof FAILOVER_STEPS)[number], owner = 'execution-a') {
    const start = await startStep(table, { environment, failoverId, step, owner, leaseSeconds: 600 });
    if (!start.skip) {
      later(30);
      await finishStep(table, {
        environment,
        failoverId,
        step,
        owner,
        outcome: 'SUCCEEDED',
        output: { step },
      });
    }
    return start;
  }

  it('opens a new failover with a time-ordered id when none is unfinished', async () => {
    const opened = await openFailover(table, { environment, request: drill, owner: 'execution-a' });

    expect(opened.resumed).toBe(false);
    expect(opened.run).toMatchObject({
      environment,
      failoverId: expect.stringMatching(/^20260302T060000Z-[0-9a-f]{6}$/),
      mode: 'drill',
      reason: 'monthly drill',
      requestedBy: 'schedule',
      openedBy: 'execution-a',
      status: 'OPEN',
    });
    const journal = await readJournal(table, environment, opened.run.failoverId);
    expect(journal.steps).toEqual([]);
    expect(nextStep(journal)).toBe('check-gates');
  });

  it('continues the unfinished failover when a stopped one is re-run', async () => {
    const failoverId = await openedFailover('execution-a');
    await runStep(failoverId, 'check-gates');

    later(600);
    const reopened = await openFailover(table, { environment, request: drill, owner: 'execution-b' });

    expect(reopened).toMatchObject({ resumed: true, run: { failoverId, openedBy: 'execution-a' } });
    expect(nextStep(await readJournal(table, environment, failoverId))).toBe('approve-forced-failover');
  });

  it('puts two executions opening at once into one failover', async () => {
    const [first, second] = await Promise.all([
      openFailover(table, { environment, request: drill, owner: 'execution-a' }),
      openFailover(table, { environment, request: drill, owner: 'execution-b' }),
    ]);

    expect(first.run.failoverId).toBe(second.run.failoverId);
    expect([first.resumed, second.resumed].sort()).toEqual([false, true]);
  });

  it('refuses a real failover while a drill is unfinished, naming the drill', async () => {
    const failoverId = await openedFailover();

    const error = await rejectionOf(
      openFailover(table, { environment, request: { ...drill, mode: 'real' }, owner: 'execution-b' }),
    );

    expect(error).toBeInstanceOf(UnfinishedFailoverError);
    expect(error.message).toContain(`a drill failover (${failoverId}`);
    expect(error.message).toContain('abandon it');
  });

  it('skips a step recorded SUCCEEDED, with its output, when the failover is re-run', async () => {
    const failoverId = await openedFailover();
    await runStep(failoverId, 'check-gates');

    const again = await startStep(table, {
      environment,
      failoverId,
      step: 'check-gates',
      owner: 'execution-b',
      leaseSeconds: 600,
    });

    expect(again).toMatchObject({
      skip: true,
      step: { status: 'SUCCEEDED', owner: 'execution-a', attempts: 1, output: { step: 'check-gates' } },
    });
  });

  it('lets exactly one of two concurrent executions start a step', async () => {
    const failoverId = await openedFailover();
    const start = (owner: string) =>
      startStep(table, { environment, failoverId, step: 'fence-primary', owner, leaseSeconds: 600 });

    const outcomes = await Promise.allSettled([start('execution-a'), start('execution-b')]);

    const started = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const winner = (started[0] as PromiseFulfilledResult<{ skip: boolean; step: { owner: string } }>).value;
    expect(winner.skip).toBe(false);
    const error = (refused[0] as PromiseRejectedResult).reason as FailoverStepInProgressError;
    expect(error).toBeInstanceOf(FailoverStepInProgressError);
    expect(error.details).toMatchObject({ holder: winner.step.owner, retryAfterSeconds: 600 });
    const journal = await readJournal(table, environment, failoverId);
    expect(journal.steps).toEqual([expect.objectContaining({ step: 'fence-primary', attempts: 1 })]);
  });

  it('answers the same owner asking again (a lost answer) without a second attempt', async () => {
    const failoverId = await openedFailover();
    const start = () =>
      startStep(table, {
        environment,
        failoverId,
        step: 'fence-primary',
        owner: 'execution-a',
        leaseSeconds: 600,
      });

    await start();
    const again = await start();

    expect(again).toMatchObject({ skip: false, step: { status: 'STARTED', attempts: 1 } });
  });

  it('lets a re-run take over a step whose stopped execution lease has expired', async () => {
    const failoverId = await openedFailover();
    await startStep(table, {
      environment,
      failoverId,
      step: 'drain-replication',
      owner: 'execution-a',
      leaseSeconds: 600,
    });

    later(599);
    await expect(
      startStep(table, {
        environment,
        failoverId,
        step: 'drain-replication',
        owner: 'execution-b',
        leaseSeconds: 600,
      }),
    ).rejects.toBeInstanceOf(FailoverStepInProgressError);
    later(2);
    const takeover = await startStep(table, {
      environment,
      failoverId,
      step: 'drain-replication',
      owner: 'execution-b',
      leaseSeconds: 600,
    });

    expect(takeover).toMatchObject({
      skip: false,
      tookOverFrom: 'execution-a',
      step: { owner: 'execution-b', attempts: 2, firstStartedAt: '2026-03-02T06:00:00.000Z' },
    });
    // The stopped execution, if it was only slow, cannot record an outcome over the new owner's.
    await expect(
      finishStep(table, {
        environment,
        failoverId,
        step: 'drain-replication',
        owner: 'execution-a',
        outcome: 'SUCCEEDED',
      }),
    ).rejects.toBeInstanceOf(FailoverStepConflictError);
  });

  it('runs a FAILED step again on the next attempt and records the new outcome', async () => {
    const failoverId = await openedFailover();
    await startStep(table, {
      environment,
      failoverId,
      step: 'check-gates',
      owner: 'execution-a',
      leaseSeconds: 600,
    });
    await finishStep(table, {
      environment,
      failoverId,
      step: 'check-gates',
      owner: 'execution-a',
      outcome: 'FAILED',
      error: 'replication-lag failed',
    });

    const retried = await startStep(table, {
      environment,
      failoverId,
      step: 'check-gates',
      owner: 'execution-b',
      leaseSeconds: 600,
    });
    later(12);
    const finished = await finishStep(table, {
      environment,
      failoverId,
      step: 'check-gates',
      owner: 'execution-b',
      outcome: 'SUCCEEDED',
    });

    expect(retried).toMatchObject({ skip: false, step: { attempts: 2, status: 'STARTED' } });
    expect(retried.tookOverFrom).toBeUndefined();
    expect(finished).toMatchObject({ status: 'SUCCEEDED', owner: 'execution-b', durationSeconds: 12 });
    expect(finished.error).toBeUndefined();
  });

  it('accepts the same finish twice and refuses a finish of a step never started', async () => {
    const failoverId = await openedFailover();
    await runStep(failoverId, 'check-gates');

    const repeated = await finishStep(table, {
      environment,
      failoverId,
      step: 'check-gates',
      owner: 'execution-a',
      outcome: 'SUCCEEDED',
    });
    const error = await rejectionOf(
      finishStep(table, {
        environment,
        failoverId,
        step: 'report',
        owner: 'execution-a',
        outcome: 'SUCCEEDED',
      }),
    );

    expect(repeated.status).toBe('SUCCEEDED');
    expect(error).toBeInstanceOf(FailoverStepConflictError);
    expect(error.message).toContain('it was never started');
  });

  it('walks the plan with nextStep and isDone, and times each step for the RTO report', async () => {
    const failoverId = await openedFailover();
    await runStep(failoverId, 'check-gates');
    await runStep(failoverId, 'approve-forced-failover');
    await startStep(table, {
      environment,
      failoverId,
      step: 'fence-primary',
      owner: 'execution-a',
      leaseSeconds: 60,
    });

    const journal = await readJournal(table, environment, failoverId);

    expect(isDone(journal, 'check-gates')).toBe(true);
    expect(isDone(journal, 'fence-primary')).toBe(false);
    expect(nextStep(journal)).toBe('fence-primary');
    expect(stepTimings(journal).slice(0, 4)).toEqual([
      {
        step: 'check-gates',
        status: 'SUCCEEDED',
        attempts: 1,
        firstStartedAt: '2026-03-02T06:00:00.000Z',
        finishedAt: '2026-03-02T06:00:30.000Z',
        durationSeconds: 30,
        secondsSinceOpened: 30,
      },
      expect.objectContaining({
        step: 'approve-forced-failover',
        durationSeconds: 30,
        secondsSinceOpened: 60,
      }),
      { step: 'fence-primary', status: 'STARTED', attempts: 1, firstStartedAt: '2026-03-02T06:01:00.000Z' },
      { step: 'drain-replication', status: 'PENDING', attempts: 0 },
    ]);
  });

  it('completes a failover only once every planned step SUCCEEDED, then frees the environment', async () => {
    const failoverId = await openedFailover();
    await runStep(failoverId, 'check-gates');
    await expect(
      closeFailover(table, { environment, failoverId, owner: 'execution-a', status: 'COMPLETED' }),
    ).rejects.toThrow('step approve-forced-failover has not SUCCEEDED');

    for (const step of FAILOVER_STEPS) await runStep(failoverId, step);
    const closed = await closeFailover(table, {
      environment,
      failoverId,
      owner: 'execution-a',
      status: 'COMPLETED',
    });
    const next = await openFailover(table, { environment, request: drill, owner: 'execution-c' });

    expect(closed).toMatchObject({ status: 'COMPLETED', closedBy: 'execution-a' });
    expect(nextStep(await readJournal(table, environment, failoverId))).toBeUndefined();
    expect(next.resumed).toBe(false);
    expect(next.run.failoverId).not.toBe(failoverId);
  });

  it('opens a new failover when a close stopped before it freed the environment', async () => {
    const failoverId = await openedFailover();
    await closeFailover(table, { environment, failoverId, owner: 'execution-a', status: 'ABANDONED' });
    // The pointer as it was before the close deleted it.
    await dynamo.client().send(
      new PutItemCommand({
        TableName: OPS_TABLE,
        Item: {
          pk: { S: failoverPartitionKey(environment) },
          sk: { S: 'UNFINISHED' },
          failoverId: { S: failoverId },
          mode: { S: 'drill' },
          status: { S: 'OPEN' },
        },
      }),
    );

    const next = await openFailover(table, { environment, request: drill, owner: 'execution-b' });

    expect(next.resumed).toBe(false);
    expect(next.run.failoverId).not.toBe(failoverId);
  });

  it('refuses steps of an abandoned failover and of one that does not exist', async () => {
    const failoverId = await openedFailover();
    await closeFailover(table, { environment, failoverId, owner: 'execution-a', status: 'ABANDONED' });

    const closed = await rejectionOf(
      startStep(table, {
        environment,
        failoverId,
        step: 'check-gates',
        owner: 'execution-b',
        leaseSeconds: 60,
      }),
    );
    const unknown = await rejectionOf(
      startStep(table, {
        environment,
        failoverId: '20260302T060000Z-000000',
        step: 'check-gates',
        owner: 'execution-b',
        leaseSeconds: 60,
      }),
    );

    expect(closed).toBeInstanceOf(FailoverClosedError);
    expect(unknown).toBeInstanceOf(FailoverNotFoundError);
    await expect(
      closeFailover(table, { environment, failoverId, owner: 'execution-b', status: 'COMPLETED' }),
    ).rejects.toBeInstanceOf(FailoverClosedError);
    expect(
      await closeFailover(table, { environment, failoverId, owner: 'execution-b', status: 'ABANDONED' }),
    ).toMatchObject({ status: 'ABANDONED', closedBy: 'execution-a' });
  });
});
