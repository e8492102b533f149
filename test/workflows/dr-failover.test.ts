import { App, Duration, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../functions/core/dr/failover/journal.ts';
import {
  failoverJournalEventSchema,
  recordFailoverStep,
} from '../../functions/core/dr/failover/journal-event.ts';
import { FAILOVER_STEPS } from '../../functions/core/dr/failover/steps.ts';
import type { Workflow } from '../../infra/constructs/workflow.ts';
import { requireWorstCaseWithin, worstCaseOf } from '../../infra/constructs/worst-case-budget.ts';
import { formatSeconds } from '../../infra/constructs/worst-case-duration.ts';
import {
  DR_FAILOVER_BOUNDS,
  DR_FAILOVER_FAILED_ERROR,
  DR_FAILOVER_HANDLERS,
  DR_FAILOVER_STOPPED_ERROR,
  type DrFailoverWorkflowProps,
  drFailoverWorkflow,
} from '../../workflows/dr-failover.workflow.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../functions/support/local-dynamodb.ts';
import type { AslState, AslStateMachine } from '../infra/template-helpers.ts';
import {
  runLocally,
  synthesizeBareWorkflow,
  VERB_NOUN_PASCAL_CASE,
} from '../infra/workflows/bare-workflow-stack.ts';

const namedError = (name: string, message = name) => Object.assign(new Error(message), { name });
const RTO = Duration.minutes(30);

function build(overrides: Partial<DrFailoverWorkflowProps> = {}) {
  let workflow: Workflow | undefined;
  const synthesized = synthesizeBareWorkflow('dr-failover', DR_FAILOVER_HANDLERS, (scope, functions) => {
    workflow = drFailoverWorkflow(scope, 'DrFailover', {
      environmentName: 'staging',
      functions,
      approveEveryFailover: false,
      approvalTimeout: Duration.minutes(5),
      logRetention: RetentionDays.ONE_WEEK,
      ...overrides,
    });
  });
  return { ...synthesized, workflow: workflow! };
}

/** The action states and what each returns when the run goes well. */
const ACTIONS = {
  ValidateFailoverRequest: (event: Record<string, unknown>) => ({ force: false, ...event }),
  CheckFailoverGates: () => ({ verdicts: [], decision: { status: 'PASSED' } }),
  RequestFailoverApproval: () => ({ approver: 'alice' }),
  FencePrefect: () => ({ step: 'prefect', status: 'fenced' }),
  FenceWriters: () => ({ step: 'writers', status: 'fenced' }),
  FenceBuckets: () => ({ step: 'buckets', status: 'fenced' }),
  CheckReplicationDrain: () => ({
    status: 'drained',
    deadline: '2026-03-02T06:02:00.000Z',
    lagSeconds: 0,
    rpo: {
      seconds: 42,
      basis: 'replication lag when the buckets were fenced',
      measuredAt: '2026-03-02T06:01:00.000Z',
    },
  }),
  ScaleDrNodeGroups: () => ({
    changes: [],
    deadline: '2026-03-02T06:10:00.000Z',
    readiness: { ready: true },
  }),
  ApplyDrPlatformStage: (event: { next: number; applied: unknown[] }) => ({
    phase: 'platform',
    stages: [
      ...event.applied,
      {
        stage: `stage-${event.next}`,
        rollouts: [{ kind: 'StatefulSet', namespace: 'prefect', name: `pg-${event.next}` }],
      },
    ],
    current: { stage: `stage-${event.next}`, rollouts: [], rolloutDeadline: '2026-03-02T06:10:00.000Z' },
    next: event.next + 1,
    done: event.next + 1 >= 2,
  }),
  CheckDrPlatformRollout: () => ({ complete: true, failed: false, workloads: [] }),
  RestoreDrDatabase: () => ({
    action: 'restored',
    dump: { bucket: 'backups', key: 'postgres/prefect/1.dump' },
  }),
  ApplyDrPrefectStage: (event: { next: number; applied: unknown[] }) => ({
    phase: 'prefect',
    stages: [
      ...event.applied,
      {
        stage: '55-prefect.yaml',
        rollouts: [{ kind: 'Deployment', namespace: 'prefect', name: 'prefect-server' }],
      },
    ],
    current: { stage: '55-prefect.yaml', rollouts: [], rolloutDeadline: '2026-03-02T06:10:00.000Z' },
    next: 1,
    done: true,
  }),
  CheckDrPrefectRollout: () => ({ complete: true, failed: false, workloads: [] }),
  SwitchTrafficToDr: () => ({
    changed: true,
    records: [{ name: 'prefect-api', before: 'primary', after: 'dr' }],
    insync: true,
  }),
  ValidateDrPlatform: () => ({
    status: 'HEALTHY',
    checks: [{ name: 'prefect', passed: true, detail: 'ok' }],
  }),
  BuildFailoverReport: () => ({ notify: false, subject: 's', summary: 'report' }),
  BuildStoppedReport: () => ({ notify: true, subject: 'stopped', summary: 'gates failed' }),
  BuildFailureReport: () => ({ notify: true, subject: 'failed', summary: 'failed' }),
  NotifyFailoverReport: () => ({ messageId: 'm1' }),
  NotifyFailoverStopped: () => ({ messageId: 'm2' }),
  NotifyFailoverFailure: () => ({ messageId: 'm3' }),
} as const;
type ActionState = keyof typeof ACTIONS;

const JOURNAL_STATE = /^(OpenFailover|Begin\w+Step|Finish\w+Step|Record\w+Failure|CloseAbandonedFailover)$/;

describe('drFailoverWorkflow definition', () => {
  let definition: AslStateMachine;
  let states: Record<string, AslState>;
  let workflow: Workflow;

  beforeAll(() => {
    ({ definition, states, workflow } = build());
  });

  it('names every state verb-noun in PascalCase', () => {
    const badNames = Object.keys(states).filter((name) => !VERB_NOUN_PASCAL_CASE.test(name));
    expect(badNames).toEqual([]);
  });

  it('journals each of the planned steps once: a begin, a finish and a failure record', () => {
    const stepsOf = (prefix: string) =>
      Object.entries(states)
        .filter(([name]) => name.startsWith(prefix))
        .map(([, state]) => (state.Parameters as { step: string }).step);
    for (const prefix of ['Begin', 'Finish', 'Record']) {
      expect(stepsOf(prefix).sort()).toEqual([...FAILOVER_STEPS].sort());
    }
  });

  it('retries the traffic switch on the pending-DNS errors within a bound, and catches every task', () => {
    const retry = (states.SwitchTrafficToDr?.Retry ?? []) as { ErrorEquals: string[]; MaxAttempts: number }[];
    expect(retry).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          ErrorEquals: ['DnsChangeNotInSyncError', 'DnsTargetNotYetHealthyError'],
          MaxAttempts: 5,
        }),
      ]),
    );
    const uncaught = Object.entries(states).filter(
      ([name, state]) =>
        state.Type === 'Task' &&
        !name.startsWith('Notify') &&
        !(state.Catch as unknown[] | undefined)?.length,
    );
    expect(uncaught.map(([name]) => name)).toEqual([]);
  });

  it('retries its steps less than other workflows: each retry counts at its full timeout in the RTO', () => {
    const retriesOf = (state: string) =>
      ((states[state]?.Retry ?? []) as { ErrorEquals: string[]; MaxAttempts: number }[]).map(
        (retry) => `${retry.ErrorEquals[0]} x${retry.MaxAttempts}`,
      );
    expect(retriesOf('BeginGatesStep')).toEqual(['TransientError x1', 'Lambda.ServiceException x1']);
    expect(retriesOf('ApplyDrPlatformStage')).toEqual(['Lambda.ServiceException x1']);
    expect(retriesOf('RestoreDrDatabase')).toEqual(['PostgresJobTimeoutError x1']);
    expect(retriesOf('RequestFailoverApproval')).toEqual([]);
    expect(states.BeginGatesStep?.TimeoutSeconds).toBe(4);
  });

  it('fits the 30 min RTO in the worst case, with the bring-up branch leading', () => {
    const worst = worstCaseOf(workflow, DR_FAILOVER_BOUNDS);
    const breakdown = worst.criticalPath
      .filter((step) => step.seconds > 0)
      .map((step) => `${step.state} ${formatSeconds(step.seconds)}`)
      .join('; ');

    expect(worst.totalSeconds, breakdown).toBeLessThanOrEqual(RTO.toSeconds());
    const parallel = worst.criticalPath.find((step) => step.state === 'PrepareFailover');
    expect(parallel?.within?.map((step) => step.state)).toEqual(
      expect.arrayContaining(['WaitForDrPlatformRollout', 'RestoreDrDatabase']),
    );
    expect(worst.criticalPath.map((step) => step.state)).toEqual(
      expect.arrayContaining([
        'CheckFailoverGates',
        'WaitForDrPrefectRollout',
        'SwitchTrafficToDr',
        'ValidateDrPlatform',
      ]),
    );
  });

  it('fits the RTO in production too, where every failover waits for its approval', () => {
    const production = build({ environmentName: 'production', approveEveryFailover: true });
    expect(worstCaseOf(production.workflow, DR_FAILOVER_BOUNDS).totalSeconds).toBeLessThanOrEqual(
      RTO.toSeconds(),
    );
    expect(production.states.NeedsFailoverApproval).toBeUndefined();
    expect(production.states.RequestFailoverApproval?.TimeoutSeconds).toBe(300);
  });

  it('lets requireWorstCaseWithin pass at 30 min and fail at 10 min naming the top contributors', () => {
    const underBudget = (budget: Duration) => {
      const app = new App({
        builtinCloudFormationValidation: false,
        context: { 'aws:cdk:bundling-stacks': [] },
      });
      const stack = new Stack(app, 'DrBudget');
      const functions = inlineFunctions(stack);
      const built = drFailoverWorkflow(stack, 'DrFailover', {
        environmentName: 'production',
        functions,
        approveEveryFailover: true,
        approvalTimeout: Duration.minutes(5),
        logRetention: RetentionDays.ONE_WEEK,
      });
      requireWorstCaseWithin(built, { budget, label: 'RTO of production', bounds: DR_FAILOVER_BOUNDS });
      return app;
    };
    expect(() => underBudget(RTO).synth()).not.toThrow();
    expect(() => underBudget(Duration.minutes(10)).synth()).toThrow(
      /RTO of production: DrBudget\/DrFailover\/StateMachine may take .* over its budget of 10 min\. Top contributors: PrepareFailover/,
    );
  });

  describe('on the local engine, with the journal on dynalite', () => {
    const dynamo = useLocalDynamoDb();
    let environment: string;
    let environmentNumber = 0;

    beforeEach(() => {
      environment = `staging-${++environmentNumber}`;
    });

    async function run(input: object, faults: Partial<Record<ActionState, () => unknown>> = {}) {
      const machine = definition;
      const calls: string[] = [];
      const events: Record<string, unknown> = {};
      const table = { dynamoDb: dynamo.client(), tableName: OPS_TABLE };
      const handlers: Record<string, (event: never) => unknown> = {};
      for (const name of Object.keys(states)) {
        if (JOURNAL_STATE.test(name)) {
          handlers[name] = (event: unknown) => {
            calls.push(name);
            return recordFailoverStep(table, environment, failoverJournalEventSchema.parse(event));
          };
        }
      }
      for (const [name, act] of Object.entries(ACTIONS)) {
        handlers[name] = (event: never) => {
          calls.push(name);
          events[name] = event;
          const fault = faults[name as ActionState];
          const value = fault ? fault() : (act as (event: never) => unknown)(event);
          if (value instanceof Error) throw value;
          return value;
        };
      }
      const result = await runLocally(
        machine,
        input,
        handlers,
        {
          WaitForReplicationDrain: 0,
          WaitForDrNodeGroups: 0,
          WaitForDrPlatformRollout: 0,
          WaitForDrPrefectRollout: 0,
        },
        Object.fromEntries(Object.keys(handlers).map((name) => [name, 0])),
      );
      return { ...result, calls, events };
    }
    const request = { mode: 'drill', reason: 'monthly drill', requestedBy: 'vitest' };

    it('fails over through every step, journals each SUCCEEDED and leaves the failover OPEN for the failback', async () => {
      const result = await run(request);

      expect(result.failure).toBeUndefined();
      expect(result.calls).toEqual(
        expect.arrayContaining(['FenceBuckets', 'RestoreDrDatabase', 'SwitchTrafficToDr']),
      );
      expect(result.calls).not.toContain('RequestFailoverApproval');
      expect(result.events.SwitchTrafficToDr).toMatchObject({ direction: 'to-dr', mode: 'drill' });
      expect(result.events.BuildFailoverReport).toMatchObject({
        outcome: 'COMPLETED',
        steps: { drain: { rpo: { seconds: 42 } }, approval: { status: 'NOT_REQUIRED' } },
      });
      // Two platform stages applied, then one look at all their rollouts.
      expect(result.calls.filter((call) => call === 'ApplyDrPlatformStage')).toHaveLength(2);
      expect(result.events.CheckDrPlatformRollout).toMatchObject({
        stage: 'platform',
        rollouts: [expect.objectContaining({ name: 'pg-0' }), expect.objectContaining({ name: 'pg-1' })],
      });
      const failoverId = (result.events.BuildFailoverReport as { failoverId: string }).failoverId;
      const journal = await readJournal(
        { dynamoDb: dynamo.client(), tableName: OPS_TABLE },
        environment,
        failoverId,
      );
      expect(journal.run.status).toBe('OPEN');
      expect(journal.steps.map((step) => step.status)).toEqual(FAILOVER_STEPS.map(() => 'SUCCEEDED'));
    });

    it('stops with DrFailoverStopped and closes the failover ABANDONED when the gates failed', async () => {
      const result = await run(request, {
        CheckFailoverGates: () => ({
          verdicts: [],
          decision: { status: 'FAILED', failedGates: ['replication-lag'] },
        }),
      });

      expect(result.failure).toEqual({ error: DR_FAILOVER_STOPPED_ERROR, cause: 'gates failed' });
      expect(result.calls).not.toContain('FencePrefect');
      expect(result.calls).not.toContain('ScaleDrNodeGroups');
      expect(result.calls).toEqual(
        expect.arrayContaining(['CloseAbandonedFailover', 'BuildStoppedReport', 'NotifyFailoverStopped']),
      );
      expect(result.events.BuildStoppedReport).toMatchObject({ outcome: 'ABANDONED' });
    });

    it('asks a person when the gates were forced, and records who approved', async () => {
      const result = await run(
        { ...request, force: true },
        {
          CheckFailoverGates: () => ({
            verdicts: [],
            decision: { status: 'FORCED', approvalRequired: true },
          }),
        },
      );

      expect(result.failure).toBeUndefined();
      // A task-token Task hands its function the payload under Payload.
      expect((result.events.RequestFailoverApproval as { Payload: unknown }).Payload).toMatchObject({
        kind: 'change',
        taskToken: 'task-token-under-test',
        workflow: 'dr-failover',
        timeoutMinutes: 5,
      });
      expect(result.events.BuildFailoverReport).toMatchObject({
        steps: { approval: { status: 'APPROVED', approver: 'alice' } },
      });
    });

    it('fails with DrFailoverFailed and a failure report when the approval is rejected', async () => {
      const result = await run(
        { ...request, force: true },
        {
          CheckFailoverGates: () => ({
            verdicts: [],
            decision: { status: 'FORCED', approvalRequired: true },
          }),
          RequestFailoverApproval: () => namedError('ApprovalRejected', 'rejected by bob'),
        },
      );

      expect(result.failure?.error).toBe(DR_FAILOVER_FAILED_ERROR);
      expect(result.failure?.cause).toContain('ApprovalRejected');
      expect(result.calls).not.toContain('FencePrefect');
      expect(result.events.BuildFailureReport).toMatchObject({
        outcome: 'FAILED',
        failure: { Error: 'ApprovalRejected' },
      });
    });

    it('treats an UNHEALTHY validation as a failure of its step', async () => {
      const result = await run(request, {
        ValidateDrPlatform: () => ({
          status: 'UNHEALTHY',
          checks: [{ name: 'prefect', passed: false, detail: 'down' }],
        }),
      });

      expect(result.failure?.error).toBe(DR_FAILOVER_FAILED_ERROR);
      expect(result.events.BuildFailureReport).toMatchObject({ failure: { Error: 'DrPlatformUnhealthy' } });
      expect(result.calls).toContain('RecordValidationFailure');
    });

    /** The journaled step each action belongs to: a FAILED step runs again as a whole, its actions being idempotent. */
    const STEP_OF: Partial<Record<ActionState, string>> = {
      CheckFailoverGates: 'check-gates',
      FencePrefect: 'fence-primary',
      FenceWriters: 'fence-primary',
      FenceBuckets: 'fence-primary',
      CheckReplicationDrain: 'drain-replication',
      ScaleDrNodeGroups: 'scale-dr-node-groups',
      ApplyDrPlatformStage: 'apply-dr-manifests',
      CheckDrPlatformRollout: 'apply-dr-manifests',
      RestoreDrDatabase: 'restore-prefect-database',
      ApplyDrPrefectStage: 'await-dr-rollouts',
      CheckDrPrefectRollout: 'await-dr-rollouts',
      SwitchTrafficToDr: 'switch-traffic',
      ValidateDrPlatform: 'validate-dr-platform',
      BuildFailoverReport: 'report',
    };
    const FAILING_ACTIONS: [string, ActionState][] = [
      ['check-gates', 'CheckFailoverGates'],
      ['fence-primary', 'FenceWriters'],
      ['drain-replication', 'CheckReplicationDrain'],
      ['scale-dr-node-groups', 'ScaleDrNodeGroups'],
      ['apply-dr-manifests', 'CheckDrPlatformRollout'],
      ['restore-prefect-database', 'RestoreDrDatabase'],
      ['await-dr-rollouts', 'ApplyDrPrefectStage'],
      ['switch-traffic', 'SwitchTrafficToDr'],
      ['validate-dr-platform', 'ValidateDrPlatform'],
      ['report', 'BuildFailoverReport'],
    ];
    it.each(FAILING_ACTIONS)(
      'continues a failover that failed in %s without running a done step again',
      async (step, action) => {
        const failed = await run(request, {
          [action]: () => namedError('KubernetesApiError', `${action} broke`),
        });
        expect(failed.failure?.error).toBe(DR_FAILOVER_FAILED_ERROR);
        expect(failed.events.BuildFailureReport).toMatchObject({ failure: { Error: 'KubernetesApiError' } });

        const rerun = await run(request);
        expect(rerun.failure).toBeUndefined();
        const journaled = Object.keys(STEP_OF) as ActionState[];
        const repeated = journaled.filter(
          (state) => STEP_OF[state] !== step && failed.calls.includes(state) && rerun.calls.includes(state),
        );
        expect(repeated, `repeated after a failure in ${step}`).toEqual([]);
        expect(rerun.calls).toContain(action);
        // A skipped step's recorded result stands in for it: the report still gets the drain's RPO.
        expect(rerun.events.BuildFailoverReport).toMatchObject({
          steps: { drain: { rpo: { seconds: 42 } } },
        });
      },
    );
  });
});

function inlineFunctions(scope: Stack): DrFailoverWorkflowProps['functions'] {
  return Object.fromEntries(
    DR_FAILOVER_HANDLERS.map((name) => [
      name,
      new LambdaFunction(scope, name, {
        runtime: Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: Code.fromInline('exports.handler = async (event) => event;'),
        timeout: Duration.seconds(10),
      }),
    ]),
  ) as unknown as DrFailoverWorkflowProps['functions'];
}
