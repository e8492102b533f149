import { App, Duration, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { renderedDefinition } from '../../infra/constructs/rendered-definition.ts';
import { worstCaseOf } from '../../infra/constructs/worst-case-budget.ts';
import {
  DR_FAILBACK_BOUNDS,
  DR_FAILBACK_HANDLERS,
  DR_FAILBACK_TIMEOUT,
  type DrFailbackHandler,
  drFailbackWorkflow,
} from '../../workflows/dr-failback.workflow.ts';

type State = {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string; StringEquals?: string; Variable?: string }[];
  Catch?: { Next: string }[];
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Parameters?: Record<string, unknown>;
  End?: boolean;
};

function synthesize() {
  const stack = new Stack(new App(), 'DrFailbackUnderTest');
  const functions = Object.fromEntries(
    DR_FAILBACK_HANDLERS.map((name) => [
      name,
      new LambdaFunction(stack, name, {
        runtime: Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: Code.fromInline('exports.handler = async (event) => event;'),
        timeout: Duration.minutes(name === 'invoke-primary-agent' ? 15 : 1),
      }),
    ]),
  ) as Record<DrFailbackHandler, LambdaFunction>;
  const workflow = drFailbackWorkflow(stack, 'DrFailback', {
    environmentName: 'test',
    functions,
    logRetention: RetentionDays.ONE_WEEK,
  });
  const definition = renderedDefinition(workflow.stateMachine) as unknown as {
    StartAt: string;
    States: Record<string, State>;
  };
  return { workflow, definition };
}

/** Every state one transition (Next, Default, a Choice, a Catch) away from `name`. */
function successors(states: Record<string, State>, name: string): string[] {
  const state = states[name];
  if (!state) throw new Error(`no state ${name}`);
  return [
    ...(state.Next ? [state.Next] : []),
    ...(state.Default ? [state.Default] : []),
    ...(state.Choices ?? []).map((choice) => choice.Next),
    ...(state.Catch ?? []).map((catcher) => catcher.Next),
  ];
}

function predecessors(states: Record<string, State>, target: string): string[] {
  return Object.keys(states).filter((name) => successors(states, name).includes(target));
}

describe('dr-failback workflow', () => {
  const { workflow, definition } = synthesize();
  const states = definition.States;

  it('runs the failback steps in order: resync, DR fence, final resync, switch, lift, standby, report', () => {
    const order = [
      'FindFailover',
      'BeginWarmResyncStep',
      'BeginFenceDrStep',
      'BeginFinalResyncStep',
      'BeginSwitchBackStep',
      'BeginLiftPrimaryFenceStep',
      'BeginDrStandbyStep',
      'BeginFailbackReportStep',
      'CloseFailover',
      'FailbackCompleted',
    ];
    expect(definition.StartAt).toBe('FindFailover');
    for (const [index, state] of order.slice(0, -1).entries()) {
      const next = order[index + 1] as string;
      // The next journaled step follows the finish (or the reuse of an earlier run's result).
      const finishes = Object.keys(states).filter(
        (name) => successors(states, name).includes(next) && /^(Finish|Reuse|Find|Close)/.test(name),
      );
      expect(finishes.length, `${state} -> ${next}`).toBeGreaterThan(0);
    }
  });

  it('reaches SwitchTrafficToPrimary only from a check that found a zero diff', () => {
    expect(predecessors(states, 'SwitchTrafficToPrimary')).toEqual(['IsDiffZero']);
    const choice = states.IsDiffZero;
    expect(choice?.Choices).toEqual([
      expect.objectContaining({
        Variable: '$.switchBack.check.status',
        StringEquals: 'zero-diff',
        Next: 'SwitchTrafficToPrimary',
      }),
    ]);
    expect(choice?.Default).toBe('RefuseSwitchBack');
    expect(states.CheckFailbackDiff?.Parameters).toMatchObject({
      agent: 'resync-from-replica',
      payload: { mode: 'check', maxPasses: 1, requireZeroDiff: true },
    });
    expect(states.SwitchTrafficToPrimary?.Parameters).toMatchObject({
      'failoverId.$': '$.failover.failoverId',
      direction: 'to-primary',
      'mode.$': '$.failover.run.mode',
    });
  });

  it('fences the DR side before the final resync, and the final resync requires a zero diff', () => {
    expect(states.FenceDrPrefect?.Parameters).toMatchObject({ step: 'prefect' });
    expect(states.FenceDrWriters?.Parameters).toMatchObject({ step: 'writers' });
    // The resync runs in the primary region, through invoke-primary-agent (docs/dr.md).
    expect(states.FinalResync?.Parameters).toMatchObject({
      agent: 'resync-from-replica',
      payload: { mode: 'repair', requireZeroDiff: true },
    });
    expect(states.ResyncFromReplica?.Parameters).toMatchObject({
      agent: 'resync-from-replica',
      payload: { mode: 'repair', requireZeroDiff: false },
    });
    expect(states.LiftPrimaryBucketFence?.Parameters).toMatchObject({
      agent: 'lift-fence',
      payload: { steps: ['buckets'] },
    });
  });

  it('looks at the switch back again while Route 53 applies it, as the failover does', () => {
    const retries = states.SwitchTrafficToPrimary?.Retry ?? [];
    expect(retries).toContainEqual(
      expect.objectContaining({
        ErrorEquals: ['DnsChangeNotInSyncError', 'DnsTargetNotYetHealthyError'],
        MaxAttempts: 5,
      }),
    );
  });

  it('records a failed step and ends in FailbackFailed', () => {
    expect(successors(states, 'RecordSwitchBackFailure')).toContain('SerializeFailbackFailure');
    expect(successors(states, 'RefuseSwitchBack')).toEqual(['RecordSwitchBackFailure']);
    expect(states.FailbackFailed).toMatchObject({ Type: 'Fail', Error: 'DrFailbackFailed' });
  });

  it('has a bounded worst case: every loop is declared', () => {
    const worst = worstCaseOf(workflow, DR_FAILBACK_BOUNDS);
    expect(worst.totalSeconds).toBeGreaterThan(0);
    expect(worst.machineTimeoutSeconds).toBe(DR_FAILBACK_TIMEOUT.toSeconds());
  });
});
