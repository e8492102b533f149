import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { environmentManifests } from '../../../cluster-manifests/src/bundle.ts';
import { loadClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import { DEFAULT_RETIRE_TIMEOUT_SECONDS } from '../../../functions/core/cost/spot/retire.ts';
import { DEFAULT_NODE_GROUP_TIMEOUT_SECONDS as SPOT_NODE_GROUP_TIMEOUT_SECONDS } from '../../../functions/core/cost/spot/target-group.ts';
import {
  DEFAULT_NODE_GROUP_TIMEOUT_SECONDS,
  DEFAULT_ROLLOUT_TIMEOUT_SECONDS,
} from '../../../functions/core/provision/settings.ts';
import {
  type RenderedDefinition,
  renderedDefinition,
} from '../../../infra/constructs/rendered-definition.ts';
import type { Workflow } from '../../../infra/constructs/workflow.ts';
import { worstCaseOf } from '../../../infra/constructs/worst-case-budget.ts';
import {
  topContributors,
  type WorstCase,
  type WorstCaseBounds,
  WorstCaseUnboundedError,
  worstCaseDuration,
} from '../../../infra/constructs/worst-case-duration.ts';
import { allStates } from '../../../local/runner/definition.ts';
import { PROVISION_HANDLERS, provisionWorkflow } from '../../../workflows/provision.workflow.ts';
import {
  SPOT_MIGRATION_HANDLERS,
  spotMigrationWorkflow,
} from '../../../workflows/spot-migration.workflow.ts';
import {
  VALIDATE_PLATFORM_HANDLERS,
  VALIDATE_PLATFORM_TIMEOUT,
  validatePlatformWorkflow,
} from '../../../workflows/validate-platform.workflow.ts';
import { synthesizeBareWorkflow } from '../workflows/bare-workflow-stack.ts';

/*
 * The check on the project's own workflows. None of their Lambda tasks has a TimeoutSeconds
 * (invokeOpsFunction sets none), so each is refused as it is. What the refusal asks for is then
 * tried on a copy of the rendered ASL, every Lambda attempt bounded at LAMBDA_ATTEMPT_SECONDS, to
 * show the rest of the method (loops, catches, Parallel, nested executions) on the real graphs.
 * The declared bounds below come from the deadlines the workflows' Lambdas enforce; they would
 * live next to each workflow once it is put under a budget.
 */

const LAMBDA_ATTEMPT_SECONDS = 60;
/** invokeOpsFunction's retriers: 1 + 3 + 4 attempts; backoff 2 + 4 + 8 s and 1 + 2 + 4 + 8 s. */
const OPS_STEP_SECONDS = (1 + 3 + 4) * LAMBDA_ATTEMPT_SECONDS + (2 + 4 + 8) + (1 + 2 + 4 + 8);

/** provision applies one stage per manifest file at most. */
const MOST_MANIFEST_STAGES = environmentManifests(loadClusterEnvironment('production')).length;

const PROVISION_BOUNDS: WorstCaseBounds = {
  loops: {
    WaitForNodeGroups: {
      deadline: Duration.seconds(DEFAULT_NODE_GROUP_TIMEOUT_SECONDS),
      reason: 'CheckNodeGroups fails past the node groups deadline (default)',
    },
    WaitForRollout: {
      rounds: MOST_MANIFEST_STAGES,
      deadline: Duration.seconds(DEFAULT_ROLLOUT_TIMEOUT_SECONDS),
      reason: 'one round per manifest stage, each until its rollout deadline (default)',
    },
  },
  childExecutions: {
    ValidatePlatform: {
      atMost: VALIDATE_PLATFORM_TIMEOUT,
      reason: "validate-platform's state machine timeout",
    },
  },
};

const SPOT_MIGRATION_BOUNDS: WorstCaseBounds = {
  loops: {
    WaitForSpotNodeGroup: {
      deadline: Duration.seconds(SPOT_NODE_GROUP_TIMEOUT_SECONDS),
      reason: 'CheckSpotNodeGroup fails past the new group deadline (default)',
    },
    WaitForRescheduling: {
      rounds: 25,
      reason: 'a 50-node pool in batches of 2, as SPOT_MIGRATION_TIMEOUT assumes',
    },
    WaitForSourceRetirement: {
      deadline: Duration.seconds(DEFAULT_RETIRE_TIMEOUT_SECONDS),
      reason: 'RetireSourceNodeGroup fails past the retirement deadline (default)',
    },
  },
};

interface Built {
  readonly workflow: Workflow;
  readonly definition: RenderedDefinition;
}

function build<Handler extends string>(
  name: string,
  handlers: readonly Handler[],
  create: (scope: Construct, functions: Record<Handler, IFunction>) => Workflow,
): Built {
  let workflow: Workflow | undefined;
  synthesizeBareWorkflow(name, handlers, (scope, functions) => {
    workflow = create(scope, functions);
  });
  return { workflow: workflow!, definition: renderedDefinition(workflow!.stateMachine) };
}

const isLambdaTask = ([, state]: [string, { Type: string; Resource?: unknown }]) =>
  state.Type === 'Task' && !String(state.Resource).includes(':states:::');

function lambdaTasksOf(definition: RenderedDefinition): string[] {
  return [...allStates(definition as never)].filter(isLambdaTask as never).map(([name]) => name);
}

/** A copy whose Lambda tasks have the TimeoutSeconds the refusal asks for. */
function withLambdaTimeouts(definition: RenderedDefinition): RenderedDefinition {
  const copy = structuredClone(definition);
  for (const entry of allStates(copy as never)) {
    if (isLambdaTask(entry as never))
      (entry[1] as Record<string, unknown>).TimeoutSeconds = LAMBDA_ATTEMPT_SECONDS;
  }
  return copy;
}

function refusalOf(run: () => WorstCase): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof WorstCaseUnboundedError) return error.problems;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('worst case of the project workflows', () => {
  let provision: Built;
  let validatePlatform: Built;
  let spotMigration: Built;

  beforeAll(() => {
    provision = build('provision', PROVISION_HANDLERS, (scope, functions) =>
      provisionWorkflow(scope, 'Provision', {
        environmentName: 'development',
        functions,
        validatePlatform: new StateMachine(scope, 'ValidatePlatformMachine', {
          definitionBody: { bind: () => ({}) } as never,
        }),
        logRetention: RetentionDays.ONE_WEEK,
      }),
    );
    validatePlatform = build('validate-platform', VALIDATE_PLATFORM_HANDLERS, (scope, functions) =>
      validatePlatformWorkflow(scope, 'ValidatePlatform', {
        environmentName: 'development',
        functions,
        logRetention: RetentionDays.ONE_WEEK,
      }),
    );
    spotMigration = build('spot-migration', SPOT_MIGRATION_HANDLERS, (scope, functions) =>
      spotMigrationWorkflow(scope, 'SpotMigration', {
        environmentName: 'development',
        functions,
        logRetention: RetentionDays.ONE_WEEK,
      }),
    );
  });

  const noTimeout = (task: string) =>
    expect.stringMatching(new RegExp(`^Task "${task}" has no TimeoutSeconds`));

  it('refuses provision as it is, naming every Lambda task, both polling loops and the nested execution', () => {
    const problems = refusalOf(() => worstCaseOf(provision.workflow));

    expect(problems).toHaveLength(lambdaTasksOf(provision.definition).length + 3);
    expect(problems).toEqual(expect.arrayContaining(lambdaTasksOf(provision.definition).map(noTimeout)));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('declare childExecutions: { ValidatePlatform'),
        expect.stringContaining('declare loops: { WaitForNodeGroups'),
        expect.stringContaining('declare loops: { WaitForRollout'),
      ]),
    );
    // With its bounds declared, only the missing TimeoutSeconds remain.
    const withBounds = refusalOf(() => worstCaseOf(provision.workflow, PROVISION_BOUNDS));
    expect(withBounds).toHaveLength(lambdaTasksOf(provision.definition).length);
    expect(withBounds).toEqual(expect.arrayContaining(lambdaTasksOf(provision.definition).map(noTimeout)));
  });

  it('bounds provision once its Lambda tasks have TimeoutSeconds, led by the stage loop and the node groups', () => {
    const worst = worstCaseDuration(withLambdaTimeouts(provision.definition), PROVISION_BOUNDS);

    // 8 Lambda steps, the node-group loop (20 min + a check and a 30 s wait), 9 stages of
    // (10 min + apply + check + a 10 s wait), the nested validation (20 min).
    const expected =
      8 * OPS_STEP_SECONDS +
      (1200 + OPS_STEP_SECONDS + 30) +
      MOST_MANIFEST_STAGES * (600 + 2 * OPS_STEP_SECONDS + 10) +
      1200;
    expect(worst.totalSeconds).toBe(expected);
    expect(topContributors(worst).map((step) => step.state)).toEqual([
      'WaitForRollout',
      'WaitForNodeGroups',
      'ValidatePlatform',
    ]);
  });

  it('refuses validate-platform as it is, naming every Lambda task, its Parallel branches included', () => {
    expect(refusalOf(() => worstCaseOf(validatePlatform.workflow))).toEqual(
      expect.arrayContaining(lambdaTasksOf(validatePlatform.definition).map(noTimeout)),
    );
  });

  it('bounds validate-platform through its worst Parallel branch and the performance checks', () => {
    const worst = worstCaseDuration(withLambdaTimeouts(validatePlatform.definition));

    // Input, the checks in parallel, three performance checks, the report, the notification.
    expect(worst.totalSeconds).toBe(7 * OPS_STEP_SECONDS);
    const path = worst.criticalPath.map((step) => step.state);
    expect(path).toEqual(
      expect.arrayContaining([
        'RunPlatformChecks',
        'CheckS5cmdThroughput',
        'CheckFlowRunBurst',
        'NotifyOperators',
      ]),
    );
    const parallel = worst.criticalPath.find((step) => step.state === 'RunPlatformChecks');
    expect(parallel?.within?.[0]?.state).toMatch(/^Check/);
  });

  it('refuses spot-migration as it is, naming its three loops', () => {
    const problems = refusalOf(() => worstCaseOf(spotMigration.workflow));

    expect(problems).toHaveLength(lambdaTasksOf(spotMigration.definition).length + 3);
    for (const loop of ['WaitForSpotNodeGroup', 'WaitForRescheduling', 'WaitForSourceRetirement']) {
      expect(problems).toEqual(
        expect.arrayContaining([expect.stringContaining(`declare loops: { ${loop}:`)]),
      );
    }
  });

  it('bounds spot-migration once its Lambda tasks have TimeoutSeconds, led by the drain batches', () => {
    const worst = worstCaseDuration(withLambdaTimeouts(spotMigration.definition), SPOT_MIGRATION_BOUNDS);

    // 8 Lambda steps, the new group's loop (20 min), 25 batches of (drain + 30 s pause), the
    // old group's retirement loop (30 min).
    const expected =
      8 * OPS_STEP_SECONDS +
      (1200 + OPS_STEP_SECONDS + 30) +
      25 * (OPS_STEP_SECONDS + 30) +
      (1800 + OPS_STEP_SECONDS + 30);
    expect(worst.totalSeconds).toBe(expected);
    expect(topContributors(worst).map((step) => step.state)).toEqual([
      'WaitForRescheduling',
      'WaitForSourceRetirement',
      'WaitForSpotNodeGroup',
    ]);
  });
});
