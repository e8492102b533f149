import { App, Duration, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Choice, Condition, Succeed } from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { Workflow } from '../../../infra/constructs/workflow.ts';
import { requireWorstCaseWithin, worstCaseOf } from '../../../infra/constructs/worst-case-budget.ts';
import type { WorstCaseBounds } from '../../../infra/constructs/worst-case-duration.ts';
import { task, wait } from './worst-case-fixtures.ts';

const BOUNDS: WorstCaseBounds = {
  loops: { WaitForCluster: { deadline: Duration.minutes(20), reason: 'CheckCluster fails past 20 min' } },
};

/** ScaleCluster (2 min) -> poll every 30 s until ready (20 min deadline, CheckCluster 1 min) -> SwitchTraffic (3 min). */
function failoverUnderBudget(
  budget: Duration,
  options: { checkTimeoutSeconds?: number; bounds?: WorstCaseBounds } = { bounds: BOUNDS },
) {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'BudgetUnderTest');
  const workflow = new Workflow(stack, 'Failover', {
    workflowName: 'failover-like',
    environmentName: 'development',
    timeout: Duration.hours(1),
    logRetention: RetentionDays.ONE_WEEK,
    definition: (scope) => {
      const poll = wait(scope, 'WaitForCluster', 30);
      const isReady = new Choice(scope, 'IsClusterReady')
        .when(
          Condition.booleanEquals('$.ready', true),
          task(scope, 'SwitchTraffic', 180).next(new Succeed(scope, 'FailedOver')),
        )
        .otherwise(poll);
      poll
        .next(
          task(scope, 'CheckCluster', 'checkTimeoutSeconds' in options ? options.checkTimeoutSeconds : 60),
        )
        .next(isReady);
      return task(scope, 'ScaleCluster', 120).next(poll);
    },
  });
  requireWorstCaseWithin(workflow, { budget, label: 'RTO of development', bounds: options.bounds });
  return { app, workflow };
}

describe('requireWorstCaseWithin', () => {
  it('lets synth pass when the worst case is within the budget', () => {
    const { app, workflow } = failoverUnderBudget(Duration.minutes(30));

    expect(() => app.synth()).not.toThrow();
    expect(worstCaseOf(workflow, BOUNDS).totalSeconds).toBe(120 + (1200 + 30 + 60 + 0) + 180);
  });

  it('fails synth naming the budget, the worst case and the top contributors when it is over', () => {
    const { app } = failoverUnderBudget(Duration.minutes(20));

    expect(() => app.synth()).toThrow(
      'RTO of development: BudgetUnderTest/Failover/StateMachine may take 26 min 30 s in the worst case, over its budget of 20 min. Top contributors: WaitForCluster 21 min 30 s (loop of WaitForCluster, CheckCluster, IsClusterReady: 20 min deadline + one pass of 1 min 30 s (CheckCluster fails past 20 min)); SwitchTraffic 3 min (TimeoutSeconds 180); ScaleCluster 2 min (TimeoutSeconds 120)',
    );
  });

  it('fails synth saying what to add when the worst case has no bound', () => {
    const { app } = failoverUnderBudget(Duration.minutes(30), { checkTimeoutSeconds: undefined });

    expect(() => app.synth()).toThrow(
      /RTO of development: BudgetUnderTest\/Failover\/StateMachine cannot be checked against its budget of 30 min: the worst-case duration has no bound:\n.*Task "CheckCluster" has no TimeoutSeconds.*\n.*the loop through WaitForCluster, CheckCluster, IsClusterReady has no declared bound: declare loops: \{ WaitForCluster: /,
    );
  });
});
