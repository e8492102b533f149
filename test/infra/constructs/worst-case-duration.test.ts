import { Duration } from 'aws-cdk-lib';
import {
  Choice,
  Condition,
  IntegrationPattern,
  JitterType,
  JsonPath,
  Map as MapState,
  Parallel,
  Pass,
  StateMachine,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import {
  formatSeconds,
  topContributors,
  type WorstCaseBounds,
  WorstCaseUnboundedError,
  worstCaseDuration,
} from '../../../infra/constructs/worst-case-duration.ts';
import { renderMachine, task, wait } from './worst-case-fixtures.ts';

const statesOf = (steps: readonly { state: string }[]) => steps.map((step) => step.state);

function refusal(
  build: (scope: Construct) => ReturnType<Parameters<typeof renderMachine>[0]>,
  bounds?: WorstCaseBounds,
) {
  try {
    worstCaseDuration(renderMachine(build), bounds);
  } catch (error) {
    expect(error).toBeInstanceOf(WorstCaseUnboundedError);
    return error as WorstCaseUnboundedError;
  }
  throw new Error('expected the worst case to be refused');
}

/** Ensure -> Wait 30 s -> Check -> ready? done : Wait again. */
function pollingLoop(scope: Construct) {
  const check = task(scope, 'CheckReady', 10);
  const poll = wait(scope, 'WaitForReady', 30);
  const isReady = new Choice(scope, 'IsReady')
    .when(Condition.booleanEquals('$.ready', true), new Succeed(scope, 'Ready'))
    .otherwise(poll);
  poll.next(check).next(isReady);
  return task(scope, 'EnsureThing', 20).next(poll);
}

describe('worstCaseDuration', () => {
  it('counts every attempt at its timeout and every retrier backoff at its cap, FULL jitter at its maximum', () => {
    const definition = renderMachine((scope) => {
      const work = task(scope, 'DoWork', 60);
      // 2, 4, then 8 capped to 5 s; then 1 and 3 s: each retrier counts its own attempts.
      work.addRetry({
        errors: ['TransientError'],
        interval: Duration.seconds(2),
        maxAttempts: 3,
        backoffRate: 2,
        maxDelay: Duration.seconds(5),
        jitterStrategy: JitterType.FULL,
      });
      work.addRetry({
        errors: ['Lambda.TooManyRequestsException'],
        interval: Duration.seconds(1),
        maxAttempts: 2,
        backoffRate: 3,
      });
      return work;
    });

    const worst = worstCaseDuration(definition);

    expect(worst.totalSeconds).toBe(6 * 60 + (2 + 4 + 5) + (1 + 3));
    expect(worst.criticalPath).toEqual([
      {
        state: 'DoWork',
        kind: 'Task',
        seconds: 375,
        detail: '6 attempts x TimeoutSeconds 60 + 15 s backoff',
        within: undefined,
      },
    ]);
  });

  it('takes the worst branch of a Choice and adds the states after it', () => {
    const definition = renderMachine((scope) =>
      new Choice(scope, 'IsQuick')
        .when(Condition.booleanEquals('$.quick', true), wait(scope, 'WaitBriefly', 30))
        .otherwise(task(scope, 'DoSlowly', 60).next(wait(scope, 'SettleDown', 10))),
    );

    const worst = worstCaseDuration(definition);

    expect(worst.totalSeconds).toBe(70);
    expect(statesOf(worst.criticalPath)).toEqual(['IsQuick', 'DoSlowly', 'SettleDown']);
  });

  it('counts a Parallel at its worst branch, retried as a whole', () => {
    const definition = renderMachine((scope) => {
      const both = new Parallel(scope, 'DoBoth')
        .branch(task(scope, 'DoOne', 100))
        .branch(wait(scope, 'WaitFirst', 40).next(wait(scope, 'WaitSecond', 70)));
      both.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(5), maxAttempts: 1 });
      return both;
    });

    const [parallel] = worstCaseDuration(definition).criticalPath;

    expect(parallel?.seconds).toBe(2 * 110 + 5);
    expect(statesOf(parallel?.within ?? [])).toEqual(['WaitFirst', 'WaitSecond']);
  });

  it('counts a Map as rounds of MaxConcurrency items, with the declared item count', () => {
    const definition = renderMachine((scope) =>
      new MapState(scope, 'ProcessItems', { itemsPath: '$.items', maxConcurrency: 4 }).itemProcessor(
        task(scope, 'ProcessItem', 30),
      ),
    );

    const worst = worstCaseDuration(definition, {
      maps: { ProcessItems: { maxIterations: 10, reason: 'at most 10 buckets' } },
    });

    expect(worst.totalSeconds).toBe(3 * 30);
    expect(worst.criticalPath[0]?.detail).toContain('at most 10 buckets');
  });

  it('refuses a Map without a declared item count, and an unlimited one without a declared concurrency', () => {
    const unlimited = (scope: Construct) =>
      new MapState(scope, 'ProcessItems', { itemsPath: '$.items' }).itemProcessor(
        task(scope, 'ProcessItem', 30),
      );

    expect(refusal(unlimited).problems).toEqual([
      expect.stringContaining('declare maps: { ProcessItems: { maxIterations'),
    ]);
    expect(
      refusal(unlimited, { maps: { ProcessItems: { maxIterations: 10, reason: 'ten' } } }).problems,
    ).toEqual([expect.stringContaining('has no MaxConcurrency')]);
    expect(
      worstCaseDuration(renderMachine(unlimited), {
        maps: { ProcessItems: { maxIterations: 10, concurrency: 5, reason: 'ten, five at a time' } },
      }).totalSeconds,
    ).toBe(2 * 30);
  });

  it('counts a Catch path as an alternative to the success path', () => {
    const definition = renderMachine((scope) => {
      const work = task(scope, 'DoWork', 60);
      work.addCatch(wait(scope, 'WaitBeforeCleanup', 500), { errors: ['States.ALL'] });
      return work.next(wait(scope, 'WaitAfterWork', 10));
    });

    const worst = worstCaseDuration(definition);

    expect(worst.totalSeconds).toBe(560);
    expect(statesOf(worst.criticalPath)).toEqual(['DoWork', 'WaitBeforeCleanup']);
  });

  it('bounds a loop by its declared deadline plus one pass over its states', () => {
    const worst = worstCaseDuration(renderMachine(pollingLoop), {
      loops: { WaitForReady: { deadline: Duration.minutes(20), reason: 'CheckReady fails past 20 min' } },
    });

    expect(worst.totalSeconds).toBe(20 + (1200 + 30 + 10 + 0) + 0);
    expect(statesOf(worst.criticalPath)).toEqual(['EnsureThing', 'WaitForReady', 'Ready']);
    expect(worst.criticalPath[1]).toMatchObject({ kind: 'Loop', seconds: 1240 });
    expect(statesOf(worst.criticalPath[1]?.within ?? [])).toEqual(['WaitForReady', 'CheckReady', 'IsReady']);
    expect(topContributors(worst, 1)).toEqual([worst.criticalPath[1]]);
  });

  it('bounds a loop by its rounds, each polling until its own deadline when both are declared', () => {
    const rounds = worstCaseDuration(renderMachine(pollingLoop), {
      loops: { IsReady: { rounds: 5, reason: 'five polls' } },
    });
    const both = worstCaseDuration(renderMachine(pollingLoop), {
      loops: { CheckReady: { rounds: 3, deadline: Duration.minutes(1), reason: 'three stages' } },
    });

    expect(rounds.totalSeconds).toBe(20 + 5 * 40);
    expect(both.totalSeconds).toBe(20 + 3 * (60 + 40));
  });

  it('refuses a loop without a declared bound, saying what to declare', () => {
    const { problems, message } = refusal(pollingLoop);

    expect(problems).toEqual([
      "the loop through WaitForReady, CheckReady, IsReady has no declared bound: declare loops: { WaitForReady: { deadline: <the deadline its Task checks>, reason: '...' } } (or rounds: <most rounds>)",
    ]);
    expect(message).toContain('the worst-case duration has no bound');
  });

  it('refuses a loop whose bound is declared twice, and a declaration naming no state', () => {
    const { problems } = refusal(pollingLoop, {
      loops: {
        WaitForReady: { deadline: Duration.minutes(1), reason: 'one' },
        IsReady: { rounds: 2, reason: 'two' },
        WaitForNothing: { rounds: 2, reason: 'renamed' },
      },
    });

    expect(problems).toEqual([
      'the loop through WaitForReady, CheckReady, IsReady has bounds declared under WaitForReady and IsReady: keep one',
      'loops.WaitForNothing is declared, but the workflow has no state "WaitForNothing"',
    ]);
  });

  it('refuses every Task without TimeoutSeconds at once, naming each', () => {
    const { problems } = refusal((scope) => task(scope, 'ReadInput').next(task(scope, 'WriteOutput')));

    expect(problems).toEqual([
      expect.stringMatching(/^Task "ReadInput" has no TimeoutSeconds.*taskTimeout: Timeout\.duration/),
      expect.stringMatching(/^Task "WriteOutput" has no TimeoutSeconds/),
    ]);
  });

  it('counts a Wait on a path only with a declared longest wait', () => {
    const fromInput = (scope: Construct) =>
      new Wait(scope, 'WaitForWindow', { time: WaitTime.secondsPath('$.seconds') });

    expect(refusal(fromInput).problems).toEqual([
      'Wait "WaitForWindow" waits for SecondsPath, which the input decides: declare inputTimes: { WaitForWindow: { atMost: <longest wait>, reason: \'...\' } }',
    ]);
    const worst = worstCaseDuration(renderMachine(fromInput), {
      inputTimes: { WaitForWindow: { atMost: Duration.minutes(5), reason: 'the request schema caps it' } },
    });
    expect(worst.totalSeconds).toBe(300);
  });

  it('counts a task-token approval at its TimeoutSeconds, and refuses one bounded by heartbeats only', () => {
    const approval = (timeout?: Duration) => (scope: Construct) =>
      task(scope, 'AwaitApproval', undefined, {
        integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: TaskInput.fromObject({ token: JsonPath.taskToken }),
        payloadResponseOnly: false,
        heartbeatTimeout: Timeout.duration(Duration.minutes(5)),
        taskTimeout: timeout && Timeout.duration(timeout),
      });

    expect(worstCaseDuration(renderMachine(approval(Duration.hours(1)))).totalSeconds).toBe(3600);
    expect(refusal(approval()).problems).toEqual([
      expect.stringContaining('HeartbeatSeconds alone does not end it'),
    ]);
  });

  it("counts a nested execution at the child's declared worst case, or at its TimeoutSeconds when shorter", () => {
    const nested = (timeout?: Duration) => (scope: Construct) =>
      new StepFunctionsStartExecution(scope, 'ValidatePlatform', {
        stateMachine: new StateMachine(scope, 'Child', { definitionBody: { bind: () => ({}) } as never }),
        integrationPattern: IntegrationPattern.RUN_JOB,
        taskTimeout: timeout && Timeout.duration(timeout),
      });
    const bounds = {
      childExecutions: { ValidatePlatform: { atMost: Duration.minutes(15), reason: 'its timeout' } },
    };

    expect(refusal(nested()).problems).toEqual([
      expect.stringContaining('declare childExecutions: { ValidatePlatform'),
    ]);
    expect(worstCaseDuration(renderMachine(nested()), bounds).totalSeconds).toBe(900);
    expect(worstCaseDuration(renderMachine(nested(Duration.minutes(10))), bounds).totalSeconds).toBe(600);
  });

  it('refuses a declared bound the definition does not use', () => {
    const { problems } = refusal((scope) => new Pass(scope, 'DoNothing'), {
      inputTimes: { DoNothing: { atMost: Duration.seconds(1), reason: 'stale' } },
    });

    expect(problems).toEqual([
      'inputTimes.DoNothing is declared, but "DoNothing" takes no time from its input: remove the declaration',
    ]);
  });

  it('reports the state machine timeout next to the worst case', () => {
    expect(
      worstCaseDuration({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } }, TimeoutSeconds: 600 }),
    ).toEqual({
      totalSeconds: 0,
      criticalPath: [{ state: 'Done', kind: 'Succeed', seconds: 0, detail: 'no waiting' }],
      machineTimeoutSeconds: 600,
    });
  });
});

describe('formatSeconds', () => {
  it('writes hours, minutes and seconds, leaving out the zero ones', () => {
    expect([0, 45, 60, 3725, 7200, 90.25].map(formatSeconds)).toEqual([
      '0 s',
      '45 s',
      '1 min',
      '1 h 2 min 5 s',
      '2 h',
      '1 min 30.3 s',
    ]);
  });
});
