/**
 * dr-failback: moves the lakehouse back from the DR side to the primary after a failover, losing
 * nothing the DR side wrote (docs/dr.md, "Failback"). Every step is journaled in the failover's own
 * journal (workflows/failover-journal.ts): a re-run continues where a stopped failback was.
 *
 * 1. FindFailover: the failover to fail back (input failoverId, else the environment's open one),
 *    OPEN and of the request's mode ($.failover).
 * 2. failback-resync: LiftPrimaryBucketFence lifts the primary's read-only bucket policies (the
 *    resync writes MinIO; writers and Prefect stay fenced), then ResyncFromReplica copies the
 *    replica back into MinIO while the DR side still serves, pass after pass, until a pass finds
 *    no difference or 3 passes are spent ($.resync).
 *    It only shortens step 4, whose window is fenced.
 * 3. failback-fence-dr: FenceDrPrefect, FenceDrWriters: the DR side's work pools and schedules
 *    paused, its writers scaled to zero (the fence core, side `dr`) ($.drFence).
 * 4. failback-final-resync: FinalResync passes until one finds zero differences, at most 5
 *    (FailbackDiffNotEmptyError past them) ($.finalResync).
 * 5. failback-switch-traffic: CheckFailbackDiff, a full read-only pass that must find zero
 *    differences (else FailbackDiffNotEmptyError: the switch is refused), then
 *    SwitchTrafficToPrimary ($.switchBack: {check, switch}).
 * 6. failback-lift-primary-fence: LiftPrimaryFence gives the primary back what its fence saved
 *    (bucket policies, writers, work pools); anything but `lifted` is a failure ($.primaryLift).
 * 7. failback-standby: ScaleDrToStandby (Prefect's server and the DR PostgreSQL to zero, the
 *    database's claims and restore record deleted, node groups to their minimum), polled by
 *    WaitForDrStandby ($.standby).
 * 8. failback-report: BuildFailbackReport (time taken, objects resynced, the diff at the switch)
 *    ($.report); CloseFailover closes the failover COMPLETED. FailbackCompleted outputs the report.
 *
 * Any failure goes to FailbackFailed with the error (after the step is recorded FAILED).
 */

import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Chain,
  Choice,
  Condition,
  Fail,
  JsonPath,
  Pass,
  Result,
  Succeed,
  TaskInput,
  type TaskStateBase,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { PrimaryAgent } from '../functions/core/dr/primary-agent/invoke-agent.ts';
import { invokeOpsFunction, Workflow } from '../infra/constructs/workflow.ts';
import type { WorstCaseBounds } from '../infra/constructs/worst-case-duration.ts';
import { retryWhileDnsPending } from './dr-failover.workflow.ts';
import { FailoverJournal } from './failover-journal.ts';

export const DR_FAILBACK_WORKFLOW = 'dr-failback';
export const DR_FAILBACK_FAILED_ERROR = 'DrFailbackFailed';

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const DR_FAILBACK_HANDLERS = [
  'record-failback-step',
  'invoke-primary-agent',
  'fence-dr',
  'switch-traffic',
  'scale-dr-to-standby',
] as const;
export type DrFailbackHandler = (typeof DR_FAILBACK_HANDLERS)[number];

/** Passes of the resync before the DR fence: they only shorten the fenced window. */
export const WARM_RESYNC_PASSES = 3;
/** Passes with the DR side fenced before the failback gives up (FailbackDiffNotEmptyError). */
export const FINAL_RESYNC_PASSES = 5;
/** Resync calls per loop at most: each is one Lambda run, so this bounds the loop's time. */
export const RESYNC_MAX_CALLS = 40;
const STANDBY_POLL = Duration.seconds(15);
const STANDBY_ROUNDS = 40;
/**
 * resync-from-replica's Lambda timeout: under invoke-primary-agent's 15 min (Lambda's limit), which
 * waits for it from the DR region; the resync stops taking keys before it (`in-pass`).
 */
export const RESYNC_FUNCTION_TIMEOUT = Duration.minutes(14);
/** Three resync loops of up to 40 calls of 15 min would be 30 h; the machine stops far earlier. */
export const DR_FAILBACK_TIMEOUT = Duration.hours(12);
const STEP_LEASE = Duration.hours(12);
const JOURNAL_CALL_TIMEOUT = Duration.seconds(30);

/** What the definition cannot say about its loops (infra/constructs/worst-case-duration.ts). */
export const DR_FAILBACK_BOUNDS: WorstCaseBounds = {
  loops: {
    ResyncFromReplica: {
      rounds: RESYNC_MAX_CALLS,
      reason: 'resync-from-replica reports passes-exhausted after maxCalls calls',
    },
    FinalResync: {
      rounds: RESYNC_MAX_CALLS,
      reason: 'resync-from-replica fails (FailbackDiffNotEmptyError) after maxCalls calls',
    },
    CheckFailbackDiff: {
      rounds: RESYNC_MAX_CALLS,
      reason: 'resync-from-replica fails (FailbackDiffNotEmptyError) after maxCalls calls',
    },
    WaitForDrStandby: {
      rounds: STANDBY_ROUNDS,
      reason: 'the DR PostgreSQL pods terminate within their grace period; 40 polls of 15 s',
    },
  },
};

export interface DrFailbackWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<DrFailbackHandler, IFunction>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
}

export function drFailbackWorkflow(scope: Construct, id: string, props: DrFailbackWorkflowProps): Workflow {
  return new Workflow(scope, id, {
    workflowName: DR_FAILBACK_WORKFLOW,
    environmentName: props.environmentName,
    timeout: DR_FAILBACK_TIMEOUT,
    logRetention: props.logRetention,
    logRemovalPolicy: props.logRemovalPolicy,
    comment:
      'Resyncs the replica into MinIO to a zero diff, fences the DR side, switches back, DR to standby',
    definition: (definitionScope) => defineDrFailback(definitionScope, props.functions),
  });
}

const failoverId = JsonPath.stringAt('$.failover.failoverId');

function defineDrFailback(scope: Construct, functions: DrFailbackWorkflowProps['functions']) {
  const serializeFailure = new Pass(scope, 'SerializeFailbackFailure', {
    parameters: { cause: JsonPath.jsonToString(JsonPath.objectAt('$.failure')) },
    resultPath: '$.verdict',
  });
  serializeFailure.next(
    new Fail(scope, 'FailbackFailed', { error: DR_FAILBACK_FAILED_ERROR, causePath: '$.verdict.cause' }),
  );
  const journal = new FailoverJournal(scope, {
    record: functions['record-failback-step'],
    callTimeout: JOURNAL_CALL_TIMEOUT,
    onFailure: serializeFailure,
  });
  const invoke = (id: string, fn: DrFailbackHandler, payload: Record<string, unknown>, resultPath: string) =>
    invokeOpsFunction(scope, id, functions[fn], { payload: TaskInput.fromObject(payload), resultPath });
  // The agents that act on the primary run in its region (docs/dr.md, "Where the failover runs").
  const onPrimary = (id: string, agent: PrimaryAgent, payload: Record<string, unknown>, resultPath: string) =>
    invoke(id, 'invoke-primary-agent', { agent, payload }, resultPath);

  // 1. The failover to fail back.
  const find = journal.call(
    'FindFailover',
    { action: 'find', request: JsonPath.objectAt('$') },
    '$.failover',
  );

  // 2 and 4. A resync loop: call again until the answer says the loop is over.
  const resyncLoop = (
    name: string,
    resultPath: string,
    settings: { mode: 'repair' | 'check'; maxPasses: number; requireZeroDiff: boolean },
    guard: (task: TaskStateBase) => void,
  ) => {
    const start = new Pass(scope, `Start${name}`, {
      result: Result.fromObject({ status: 'new' }),
      resultPath,
    });
    const call = onPrimary(
      name,
      'resync-from-replica',
      { failoverId, ...settings, maxCalls: RESYNC_MAX_CALLS, state: JsonPath.objectAt(resultPath) },
      resultPath,
    );
    guard(call);
    const done = new Pass(scope, `${name}Done`);
    const isDone = new Choice(scope, `Is${name}Done`)
      .when(
        Condition.or(
          Condition.stringEquals(`${resultPath}.status`, 'in-pass'),
          Condition.stringEquals(`${resultPath}.status`, 'next-pass'),
        ),
        call,
      )
      .otherwise(done);
    start.next(call).next(isDone);
    return Chain.custom(start, [done], done);
  };

  const warmResync = journal.step({
    step: 'failback-resync',
    name: 'WarmResync',
    resultPath: '$.resync',
    lease: STEP_LEASE,
    body: ({ guard }) => {
      // The resync writes into MinIO: the primary's read-only bucket policies go first; its
      // writers and Prefect stay fenced until traffic is back (step 6).
      const liftBuckets = onPrimary(
        'LiftPrimaryBucketFence',
        'lift-fence',
        { failoverId, steps: ['buckets'] },
        '$.primaryBucketLift',
      );
      guard(liftBuckets);
      return Chain.start(liftBuckets).next(
        resyncLoop(
          'ResyncFromReplica',
          '$.resync',
          { mode: 'repair', maxPasses: WARM_RESYNC_PASSES, requireZeroDiff: false },
          guard,
        ),
      );
    },
  });

  // 3. The DR side's fence.
  const fenceDr = journal.step({
    step: 'failback-fence-dr',
    name: 'FenceDr',
    resultPath: '$.drFence',
    lease: STEP_LEASE,
    body: ({ guard }) => {
      const prefect = invoke(
        'FenceDrPrefect',
        'fence-dr',
        { failoverId, step: 'prefect' },
        '$.drFence.prefect',
      );
      const writers = invoke(
        'FenceDrWriters',
        'fence-dr',
        { failoverId, step: 'writers' },
        '$.drFence.writers',
      );
      guard(prefect);
      guard(writers);
      const start = new Pass(scope, 'StartDrFence', {
        result: Result.fromObject({}),
        resultPath: '$.drFence',
      });
      return start.next(prefect).next(writers);
    },
  });

  const finalResync = journal.step({
    step: 'failback-final-resync',
    name: 'FinalResync',
    resultPath: '$.finalResync',
    lease: STEP_LEASE,
    body: ({ guard }) =>
      resyncLoop(
        'FinalResync',
        '$.finalResync',
        { mode: 'repair', maxPasses: FINAL_RESYNC_PASSES, requireZeroDiff: true },
        guard,
      ),
  });

  // 5. The switch, only behind a zero diff.
  const switchBack = journal.step({
    step: 'failback-switch-traffic',
    name: 'SwitchBack',
    resultPath: '$.switchBack',
    lease: STEP_LEASE,
    body: ({ guard, failUnless }) => {
      const check = resyncLoop(
        'CheckFailbackDiff',
        '$.switchBack.check',
        { mode: 'check', maxPasses: 1, requireZeroDiff: true },
        guard,
      );
      const switchTraffic = invoke(
        'SwitchTrafficToPrimary',
        'switch-traffic',
        { failoverId, direction: 'to-primary', mode: JsonPath.stringAt('$.failover.run.mode') },
        '$.switchBack.switch',
      );
      retryWhileDnsPending(switchTraffic);
      guard(switchTraffic);
      const start = new Pass(scope, 'StartSwitchBack', {
        result: Result.fromObject({}),
        resultPath: '$.switchBack',
      });
      start.next(check).next(
        failUnless({
          choice: 'IsDiffZero',
          condition: Condition.stringEquals('$.switchBack.check.status', 'zero-diff'),
          next: switchTraffic,
          failure: {
            id: 'RefuseSwitchBack',
            error: 'FailbackDiffNotEmptyError',
            cause: 'the check before the switch did not find a zero diff',
          },
        }),
      );
      return Chain.custom(start, [switchTraffic], switchTraffic);
    },
  });

  // 6. The primary takes writes again.
  const liftPrimary = journal.step({
    step: 'failback-lift-primary-fence',
    name: 'LiftPrimaryFence',
    resultPath: '$.primaryLift',
    lease: STEP_LEASE,
    body: ({ guard, failUnless }) => {
      const lift = onPrimary('LiftPrimaryFence', 'lift-fence', { failoverId }, '$.primaryLift');
      guard(lift);
      const lifted = new Pass(scope, 'PrimaryFenceLifted');
      lift.next(
        failUnless({
          choice: 'IsPrimaryFenceLifted',
          condition: Condition.stringEquals('$.primaryLift.status', 'lifted'),
          next: lifted,
          failure: {
            id: 'ReportPrimaryFenceNotLifted',
            error: 'PrimaryFenceNotLifted',
            cause: 'lift-fence answered incomplete: part of the primary did not answer',
          },
        }),
      );
      return Chain.custom(lift, [lifted], lifted);
    },
  });

  // 7. The DR side back to standby.
  const standby = journal.step({
    step: 'failback-standby',
    name: 'DrStandby',
    resultPath: '$.standby',
    lease: STEP_LEASE,
    body: ({ guard }) => {
      const scale = invoke('ScaleDrToStandby', 'scale-dr-to-standby', { failoverId }, '$.standby');
      guard(scale);
      const wait = new Wait(scope, 'WaitForDrStandby', { time: WaitTime.duration(STANDBY_POLL) });
      wait.next(scale);
      const done = new Pass(scope, 'DrStandbyReached');
      scale.next(
        new Choice(scope, 'IsDrStandby')
          .when(Condition.stringEquals('$.standby.state', 'standby'), done)
          .otherwise(wait),
      );
      return Chain.custom(scale, [done], done);
    },
  });

  // 8. Report and close.
  const report = journal.step({
    step: 'failback-report',
    name: 'FailbackReport',
    resultPath: '$.report',
    lease: STEP_LEASE,
    body: ({ guard }) => {
      const build = invoke(
        'BuildFailbackReport',
        'record-failback-step',
        { action: 'report', failoverId },
        '$.report',
      );
      guard(build);
      return Chain.start(build);
    },
  });
  const close = journal.call(
    'CloseFailover',
    { action: 'close', failoverId, owner: JsonPath.executionName },
    '$.closed',
  );

  return find
    .next(warmResync)
    .next(fenceDr)
    .next(finalResync)
    .next(switchBack)
    .next(liftPrimary)
    .next(standby)
    .next(report)
    .next(close)
    .next(new Succeed(scope, 'FailbackCompleted', { outputPath: '$.report' }));
}
