import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActResult } from '../../../functions/core/cost/off-hours/act.ts';
import type { OffHoursPlan } from '../../../functions/core/cost/off-hours/plan.ts';
import type { OffHoursRun } from '../../../functions/core/cost/off-hours/preflight.ts';
import { buildOffHoursReport, type OffHoursOutcome } from '../../../functions/core/cost/off-hours/report.ts';
import { offHoursRequestSchema } from '../../../functions/core/cost/off-hours/request.ts';
import {
  OFF_HOURS_FAILED_ERROR,
  OFF_HOURS_HANDLERS,
  OFF_HOURS_LEASE_TTL,
  OFF_HOURS_TIMEOUT,
  offHoursWorkflow,
} from '../../../workflows/off-hours.workflow.ts';
import type { AslState, AslStateMachine } from '../template-helpers.ts';
import { runLocally, synthesizeBareWorkflow, VERB_NOUN_PASCAL_CASE } from './bare-workflow-stack.ts';

const INSTANT = { WaitForSleep: 0, WaitForNodeGroups: 0, WaitForRollouts: 0 };
const ENVIRONMENT = 'staging';

function planFor(run: OffHoursRun, noop?: string): OffHoursPlan {
  return {
    ...run,
    plannedAt: '2026-03-02T19:00:00.000Z',
    stateBefore: run.action === 'sleep' ? 'awake' : 'asleep',
    ...(run.action === 'wake' ? { snapshotVersion: 1 } : {}),
    ...(noop ? { noop } : {}),
    saved: {
      workloads: [{ kind: 'Deployment', namespace: 'prefect', name: 'worker', replicas: 2 }],
      cronJobs: [],
      nodeGroups: [{ name: 'compute', minSize: 1, desiredSize: 3, maxSize: 10 }],
    },
    changes: noop
      ? { workloads: [], cronJobs: [], nodeGroups: [] }
      : {
          workloads: [
            {
              kind: 'Deployment',
              namespace: 'prefect',
              name: 'worker',
              ...(run.action === 'sleep' ? { from: 2, to: 0 } : { from: 0, to: 2 }),
            },
          ],
          cronJobs: [],
          nodeGroups: [
            {
              name: 'compute',
              from: { minSize: 1, desiredSize: 3, maxSize: 10 },
              to: { minSize: 0, desiredSize: 0, maxSize: 10 },
            },
          ],
        },
    kept: [{ kind: 'StatefulSet', namespace: 'minio', name: 'minio', reason: 'stateful tier: MinIO' }],
    missing: [],
    interrupted: [],
  };
}

function failWith(name: string, message: string): never {
  const error = new Error(message);
  error.name = name;
  throw error;
}

interface ScenarioOptions {
  leaseHeld?: boolean;
  noop?: string;
  settleAfter?: number;
  neverSettles?: boolean;
}

describe('offHoursWorkflow definition', () => {
  let definition: AslStateMachine;
  let states: Record<string, AslState>;

  beforeAll(() => {
    ({ definition, states } = synthesizeBareWorkflow('off-hours', OFF_HOURS_HANDLERS, (scope, functions) =>
      offHoursWorkflow(scope, 'OffHours', {
        environmentName: ENVIRONMENT,
        functions,
        logRetention: RetentionDays.ONE_WEEK,
      }),
    ));
  });

  function scenario(options: ScenarioOptions = {}) {
    const calls: string[] = [];
    const records: OffHoursOutcome[] = [];
    const notifications: { subject: string; summary: string }[] = [];
    let checks = 0;
    const act =
      (name: string) =>
      ({ plan }: { plan: OffHoursPlan }): ActResult => {
        calls.push(`${name}${plan.dryRun ? ' (dry run)' : ''}`);
        return {
          results: [
            {
              kind: 'Deployment',
              namespace: 'prefect',
              name: 'worker',
              change: 'replicas',
              outcome: plan.dryRun ? 'dry-run' : 'changed',
            },
          ],
          deadline: '2030-01-01T00:00:00.000Z',
        };
      };
    const check =
      (name: string) =>
      ({ phase }: { phase: string }) => {
        calls.push(`${name} ${phase}`);
        checks += 1;
        if (options.neverSettles) failWith('OffHoursNotSettledError', 'node group compute: UPDATING');
        return { complete: checks % (options.settleAfter ?? 2) === 0, waiting: [] };
      };
    const handlers = {
      PreflightOffHours: (request: unknown): OffHoursRun => {
        calls.push('PreflightOffHours');
        const parsed = offHoursRequestSchema.safeParse(request);
        if (!parsed.success)
          failWith(
            'InvalidInputError',
            'preflight-off-hours: invalid event: action: expected one of "sleep", "wake"',
          );
        return { ...parsed.data, environment: ENVIRONMENT, clusterName: 'lakehouse-staging' };
      },
      AcquireOffHoursLease: ({ environment, owner }: { environment: string; owner: string }) => {
        calls.push(`AcquireOffHoursLease ${environment}`);
        if (options.leaseHeld)
          failWith(
            'LockHeldError',
            `off-hours lock ${environment} is held by other-run until 2030-01-01T00:00:00.000Z`,
          );
        return {
          scope: 'off-hours',
          name: environment,
          owner,
          acquiredAt: '2026-03-02T19:00:00.000Z',
          expiresAt: 1,
        };
      },
      PlanOffHours: (run: OffHoursRun) => {
        calls.push('PlanOffHours');
        return planFor(run, options.noop);
      },
      SaveOffHoursSnapshot: ({ executionId }: { executionId: string }) => {
        calls.push(`SaveOffHoursSnapshot ${executionId}`);
        return { version: 1, savedAt: '2026-03-02T19:00:00.000Z', phase: 'falling-asleep' };
      },
      ScaleDownWorkloads: act('ScaleDownWorkloads'),
      ShrinkNodeGroups: act('ShrinkNodeGroups'),
      CheckSleepProgress: check('CheckSleepProgress'),
      MarkEnvironmentAsleep: ({ savedVersion }: { savedVersion: number }) => {
        calls.push(`MarkEnvironmentAsleep ${savedVersion}`);
        return { phase: 'asleep', at: '2026-03-02T19:10:00.000Z' };
      },
      RestoreNodeGroups: act('RestoreNodeGroups'),
      CheckNodeGroupsRestored: check('CheckNodeGroupsRestored'),
      RestoreWorkloads: act('RestoreWorkloads'),
      CheckRollouts: check('CheckRollouts'),
      ClearOffHoursSnapshot: () => {
        calls.push('ClearOffHoursSnapshot');
        return { phase: 'awake' };
      },
      ReleaseOffHoursLease: ({ environment }: { environment: string }) => {
        calls.push(`ReleaseOffHoursLease ${environment}`);
        return { scope: 'off-hours', name: environment, released: true };
      },
      RecordOffHoursOutcome: (state: Omit<OffHoursOutcome, 'environment'>) => {
        const outcome = { ...state, environment: ENVIRONMENT };
        records.push(outcome);
        return buildOffHoursReport(outcome);
      },
      NotifyOperators: (input: { subject: string; summary: string }) => {
        notifications.push(input);
        return { messageId: 'm-1' };
      },
    };
    return { handlers, calls, records, notifications };
  }

  const execute = (input: object, handlers: ReturnType<typeof scenario>['handlers']) =>
    runLocally(definition, input, handlers, INSTANT);

  it('has verb-noun PascalCase states, an explicit timeout and a lease that outlives it', () => {
    expect(definition.StartAt).toBe('StartOffHoursRun');
    expect(definition.TimeoutSeconds).toBe(OFF_HOURS_TIMEOUT.toSeconds());
    expect(OFF_HOURS_LEASE_TTL.toSeconds()).toBeGreaterThan(OFF_HOURS_TIMEOUT.toSeconds());
    for (const name of Object.keys(states)) expect(name).toMatch(VERB_NOUN_PASCAL_CASE);
    expect(states.ReportOffHoursFailed).toMatchObject({ Type: 'Fail', Error: OFF_HOURS_FAILED_ERROR });
  });

  it('sleeps in order: lease, plan, save before any change, workloads, node groups, verify, mark asleep', async () => {
    const run = scenario();
    const { output, failure } = await execute({ action: 'sleep', requestedBy: 'schedule' }, run.handlers);

    expect(failure).toBeUndefined();
    expect(run.calls).toEqual([
      'PreflightOffHours',
      'AcquireOffHoursLease staging',
      'PlanOffHours',
      'SaveOffHoursSnapshot execution-under-test',
      'ScaleDownWorkloads',
      'ShrinkNodeGroups',
      'CheckSleepProgress all',
      'CheckSleepProgress all',
      'MarkEnvironmentAsleep 1',
      'ReleaseOffHoursLease staging',
    ]);
    expect(output).toMatchObject({
      status: 'ASLEEP',
      action: 'sleep',
      requestedBy: 'schedule',
      notify: true,
    });
    expect(run.records[0]).toMatchObject({
      executionId: 'execution-under-test',
      request: { action: 'sleep' },
    });
    expect(run.notifications).toEqual([
      expect.objectContaining({
        subject: 'off-hours sleep: ASLEEP',
        summary: expect.stringContaining('lakehouse-ops wake staging'),
      }),
    ]);
  });

  it('wakes node groups first, waits for their nodes, then restores workloads, waits for rollouts and clears the snapshot', async () => {
    const run = scenario();
    const { output } = await execute({ action: 'wake', requestedBy: 'alice', reason: 'demo' }, run.handlers);

    expect(run.calls).toEqual([
      'PreflightOffHours',
      'AcquireOffHoursLease staging',
      'PlanOffHours',
      'RestoreNodeGroups',
      'CheckNodeGroupsRestored node-groups',
      'CheckNodeGroupsRestored node-groups',
      'RestoreWorkloads',
      'CheckRollouts workloads',
      'CheckRollouts workloads',
      'ClearOffHoursSnapshot',
      'ReleaseOffHoursLease staging',
    ]);
    expect(output).toMatchObject({ status: 'AWAKE', reason: 'demo' });
  });

  it('refuses to act when another run holds the lease: nothing planned, nothing released, FAILED notified', async () => {
    const run = scenario({ leaseHeld: true });
    const { failure } = await execute({ action: 'wake', requestedBy: 'alice' }, run.handlers);

    expect(run.calls).toEqual(['PreflightOffHours', 'AcquireOffHoursLease staging']);
    expect(failure).toEqual({
      error: OFF_HOURS_FAILED_ERROR,
      cause: expect.stringContaining('held by other-run'),
    });
    expect(run.notifications).toEqual([expect.objectContaining({ subject: 'off-hours wake: FAILED' })]);
  });

  it('runs a dry run without a lease, a snapshot or waits, acting with dry-run plans only', async () => {
    const run = scenario();
    const { output } = await execute({ action: 'sleep', dryRun: true, requestedBy: 'alice' }, run.handlers);

    expect(run.calls).toEqual([
      'PreflightOffHours',
      'PlanOffHours',
      'ScaleDownWorkloads (dry run)',
      'ShrinkNodeGroups (dry run)',
    ]);
    expect(output).toMatchObject({ status: 'DRY_RUN', notify: false });
    expect(((output?.changes ?? []) as { outcome: string }[]).map((change) => change.outcome)).toEqual([
      'dry-run',
      'dry-run',
    ]);
    expect(run.notifications).toEqual([]);
  });

  it('ends a wake of an environment that is not asleep right after the plan, saying so, without notifying', async () => {
    const run = scenario({ noop: 'staging is not asleep (no saved off-hours state): nothing to wake' });
    const { output } = await execute({ action: 'wake', requestedBy: 'alice' }, run.handlers);

    expect(run.calls).toEqual([
      'PreflightOffHours',
      'AcquireOffHoursLease staging',
      'PlanOffHours',
      'ReleaseOffHoursLease staging',
    ]);
    expect(output).toMatchObject({
      status: 'NOT_ASLEEP',
      message: expect.stringContaining('not asleep'),
      notify: false,
    });
  });

  it('reports what it changed before a verification timed out, releases the lease, notifies and fails', async () => {
    const run = scenario({ neverSettles: true });
    const { failure } = await execute({ action: 'sleep', requestedBy: 'schedule' }, run.handlers);

    expect(run.calls.slice(-2)).toEqual(['CheckSleepProgress all', 'ReleaseOffHoursLease staging']);
    expect(failure).toEqual({
      error: OFF_HOURS_FAILED_ERROR,
      cause: expect.stringContaining('failed after 2 changes: node group compute: UPDATING'),
    });
    expect(run.notifications).toHaveLength(1);
  });

  it('fails a bad input in preflight and records it with the raw request', async () => {
    const run = scenario();
    const { failure } = await execute({ action: 'nap' }, run.handlers);

    expect(run.calls).toEqual(['PreflightOffHours']);
    expect(failure?.error).toBe(OFF_HOURS_FAILED_ERROR);
    expect(failure?.cause).toContain('action: expected one of');
    expect(run.records[0]?.request).toEqual({ action: 'nap' });
  });
});
