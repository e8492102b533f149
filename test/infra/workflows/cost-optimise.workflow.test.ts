import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  COST_OPTIMISE_BUSY_ERROR,
  COST_OPTIMISE_FAILED_ERROR,
  COST_OPTIMISE_HANDLERS,
  costOptimiseLeaseTtl,
  costOptimiseWorkflow,
} from '../../../workflows/cost-optimise.workflow.ts';
import type { AslState, AslStateMachine } from '../template-helpers.ts';
import { runLocally, synthesizeBareWorkflow, VERB_NOUN_PASCAL_CASE } from './bare-workflow-stack.ts';

const namedError = (name: string, message = name) => Object.assign(new Error(message), { name });

const WORKLOAD = { namespace: 'prefect', kind: 'Deployment', name: 'prefect-worker', container: 'worker' };
const APPLIED = {
  workload: WORKLOAD,
  replicas: 2,
  before: { requests: { cpu: '1' }, limits: {} },
  after: { requests: { cpu: '700m' }, limits: {} },
  change: 'cpu 1 -> 700m (requests)',
  patch: {},
  dryRun: false,
};

interface Scenario {
  input?: object;
  mode?: 'off' | 'dry-run' | 'on';
  approvalRequired?: boolean;
  approval?: { approved: true; approver: string } | Error;
  /** What the apply step reports: real changes, dry-run ones, or nothing. */
  applied?: 'real' | 'dry-run' | 'none';
  watch?: { rollbackNeeded: boolean; reasons?: string[] } | Error;
  leaseHeld?: boolean;
  recommendFails?: boolean;
}

describe('costOptimiseWorkflow definition', () => {
  let definition: AslStateMachine;
  let states: Record<string, AslState>;

  beforeAll(() => {
    ({ definition, states } = synthesizeBareWorkflow(
      'cost-optimise',
      COST_OPTIMISE_HANDLERS,
      (scope, functions) =>
        costOptimiseWorkflow(scope, 'CostOptimise', {
          environmentName: 'production',
          functions,
          approvalTimeout: Duration.hours(4),
          watchPeriod: Duration.hours(6),
          logRetention: RetentionDays.ONE_WEEK,
        }),
    ));
  });

  async function run(scenario: Scenario) {
    const calls: string[] = [];
    const events: Record<string, unknown> = {};
    const record = (state: string, result: unknown | (() => unknown)) => (event: unknown) => {
      calls.push(state);
      events[state] = event;
      const value = typeof result === 'function' ? (result as () => unknown)() : result;
      if (value instanceof Error) throw value;
      return value;
    };
    const appliedChanges =
      scenario.applied === 'real'
        ? [APPLIED]
        : scenario.applied === 'dry-run'
          ? [{ ...APPLIED, dryRun: true }]
          : [];
    const verdict = (rollback: boolean, reasons: string[]) => ({
      workload: WORKLOAD,
      rollback,
      reasons,
      before: { oomKills: 0, throttling: 0 },
      after: { oomKills: rollback ? 2 : 0, throttling: 0 },
      observedRequests: { cpuCores: 0.7 },
    });
    const handlers = {
      ValidateRightsizingRequest: record('ValidateRightsizingRequest', () => ({
        requestedBy: 'schedule',
        dryRun: false,
        namespaces: [],
        ...(scenario.input ?? {}),
      })),
      AcquireEnvironmentLease: record('AcquireEnvironmentLease', () =>
        scenario.leaseHeld
          ? namedError('LockHeldError', 'cost-optimise lock "production" is held by run-1')
          : {},
      ),
      RecommendRightsizing: record('RecommendRightsizing', () =>
        scenario.recommendFails
          ? namedError('PrometheusQueryError', 'Prometheus is down')
          : { recommendations: [{ workload: WORKLOAD }], skipped: [], generatedAt: 'now', historyDays: 14 },
      ),
      PlanRightsizing: record('PlanRightsizing', {
        mode: scenario.mode ?? 'on',
        dryRun: scenario.mode !== 'on',
        approvalRequired: scenario.approvalRequired ?? false,
        approvalChanges: ['Deployment prefect/prefect-worker (container worker): cpu 1 -> 700m (requests)'],
        watch: { maxOomKillIncrease: 0, maxThrottlingIncrease: 0.1 },
        changes: [],
        gitOps: [],
        skipped: [],
      }),
      RequestApproval: record('RequestApproval', () => scenario.approval),
      ApplyRightsizing: record('ApplyRightsizing', {
        dryRun: scenario.applied !== 'real',
        appliedAt: '2026-11-30T02:00:00.000Z',
        applied: appliedChanges,
        skipped: [],
        anyApplied: scenario.applied === 'real',
      }),
      WatchRightsizing: record('WatchRightsizing', () =>
        scenario.watch instanceof Error
          ? scenario.watch
          : {
              rollbackNeeded: scenario.watch?.rollbackNeeded ?? false,
              verdicts: [verdict(scenario.watch?.rollbackNeeded ?? false, scenario.watch?.reasons ?? [])],
            },
      ),
      RollbackRightsizing: record('RollbackRightsizing', {
        summary: 'Rolled back prefect/prefect-worker',
        rolledBack: [],
      }),
      RollbackAfterWatchFailure: record('RollbackAfterWatchFailure', {
        summary: 'Rolled back everything',
        rolledBack: [],
      }),
      NotifyRollback: record('NotifyRollback', { messageId: 'm-rollback' }),
      BuildCostReport: record('BuildCostReport', {
        bucket: 'reports',
        reportKey: 'cost-optimise/production/r/report.json',
        chartKey: 'cost-optimise/production/r/usage-vs-requests.svg',
        gitOpsPatchKeys: [],
        summary: { recommendations: 1 },
        subject: 'Right-sizing on',
        text: 'report text',
      }),
      NotifyCostReport: record('NotifyCostReport', { messageId: 'm-report' }),
      ReleaseEnvironmentLease: record('ReleaseEnvironmentLease', { released: true }),
      ReleaseLeaseAfterFailure: record('ReleaseLeaseAfterFailure', { released: true }),
      NotifyFailure: record('NotifyFailure', { messageId: 'm-failure' }),
    };
    const result = await runLocally(definition, scenario.input ?? { requestedBy: 'schedule' }, handlers, {
      WaitForWatchPeriod: 0,
    });
    return { ...result, calls, events };
  }

  it('has verb-noun PascalCase states, a timeout covering approval and watch, and a task-token approval', () => {
    expect(definition.StartAt).toBe('StartCostOptimiseRun');
    expect(definition.TimeoutSeconds).toBe((4 + 6 + 1) * 3600);
    for (const name of Object.keys(states)) expect(name).toMatch(VERB_NOUN_PASCAL_CASE);
    expect(states.RequestApproval).toMatchObject({
      Resource: expect.stringMatching(/:states:::lambda:invoke\.waitForTaskToken$/),
      TimeoutSeconds: 4 * 3600,
    });
    expect(states.WaitForWatchPeriod).toMatchObject({ Type: 'Wait', Seconds: 6 * 3600 });
    expect(
      costOptimiseLeaseTtl({
        approvalTimeout: Duration.hours(4),
        watchPeriod: Duration.hours(6),
      }).toMinutes(),
    ).toBe(11 * 60 + 15);
  });

  it('only recommends and reports when applying is off', async () => {
    const { output, failure, calls } = await run({ mode: 'off' });
    expect(failure).toBeUndefined();
    expect(calls).toEqual([
      'ValidateRightsizingRequest',
      'AcquireEnvironmentLease',
      'RecommendRightsizing',
      'PlanRightsizing',
      'BuildCostReport',
      'NotifyCostReport',
      'ReleaseEnvironmentLease',
    ]);
    expect(output).toMatchObject({ mode: 'off', reportKey: 'cost-optimise/production/r/report.json' });
  });

  it('shows the patches in a dry run without asking for approval or watching', async () => {
    const { failure, calls, events } = await run({ mode: 'dry-run', applied: 'dry-run' });
    expect(failure).toBeUndefined();
    expect(calls).not.toContain('RequestApproval');
    expect(calls).not.toContain('WatchRightsizing');
    expect(events.ApplyRightsizing).toMatchObject({
      approval: { status: 'NOT_REQUIRED' },
      requestedBy: 'schedule',
    });
    expect(calls.slice(-4)).toEqual([
      'ApplyRightsizing',
      'BuildCostReport',
      'NotifyCostReport',
      'ReleaseEnvironmentLease',
    ]);
  });

  it('asks for approval with the changes and applies with the approver when approved', async () => {
    const { failure, calls, events } = await run({
      approvalRequired: true,
      approval: { approved: true, approver: 'alice@example.com' },
      applied: 'real',
    });
    expect(failure).toBeUndefined();
    expect(events.RequestApproval).toMatchObject({
      Payload: {
        kind: 'change',
        workflow: 'cost-optimise',
        title: 'apply right-sizing in production',
        taskToken: 'task-token-under-test',
        timeoutMinutes: 240,
        changes: ['Deployment prefect/prefect-worker (container worker): cpu 1 -> 700m (requests)'],
      },
    });
    expect(events.ApplyRightsizing).toMatchObject({
      approval: { status: 'APPROVED', approver: 'alice@example.com' },
    });
    expect(calls).toContain('WatchRightsizing');
  });

  it('applies with the approval marked REJECTED (the change is skipped there) when rejected', async () => {
    const { failure, events, calls } = await run({
      approvalRequired: true,
      approval: namedError('ApprovalRejected', '{"approver":"bob","reason":"quarter end"}'),
      applied: 'none',
    });
    expect(failure).toBeUndefined();
    expect(events.ApplyRightsizing).toMatchObject({
      approval: { status: 'REJECTED', detail: '{"approver":"bob","reason":"quarter end"}' },
    });
    expect(calls).not.toContain('WatchRightsizing');
    expect(calls.at(-1)).toBe('ReleaseEnvironmentLease');
  });

  it('applies with the approval marked EXPIRED when nobody decides in time', async () => {
    const { failure, events } = await run({
      approvalRequired: true,
      approval: namedError('States.Timeout', 'the task timed out'),
      applied: 'none',
    });
    expect(failure).toBeUndefined();
    expect(events.ApplyRightsizing).toMatchObject({ approval: { status: 'EXPIRED' } });
  });

  it('waits, watches and keeps a change that did not make things worse', async () => {
    const { failure, calls, events } = await run({ applied: 'real', watch: { rollbackNeeded: false } });
    expect(failure).toBeUndefined();
    expect(calls).toEqual([
      'ValidateRightsizingRequest',
      'AcquireEnvironmentLease',
      'RecommendRightsizing',
      'PlanRightsizing',
      'ApplyRightsizing',
      'WatchRightsizing',
      'BuildCostReport',
      'NotifyCostReport',
      'ReleaseEnvironmentLease',
    ]);
    expect(events.WatchRightsizing).toEqual({
      applied: [APPLIED],
      appliedAt: '2026-11-30T02:00:00.000Z',
      maxOomKillIncrease: 0,
      maxThrottlingIncrease: 0.1,
    });
    expect(events.BuildCostReport).toMatchObject({
      executionId: 'execution-under-test',
      watch: { rollbackNeeded: false },
    });
  });

  it.each([
    ['OOM kills', 'OOM kills rose from 0 to 2 (at most +0 allowed)'],
    ['CPU throttling', 'CPU throttling rose from 1.0% to 35.0% of CFS periods (at most +10.0% allowed)'],
  ])('rolls back and notifies when %s rise', async (_what, reason) => {
    const { failure, calls, events } = await run({
      applied: 'real',
      watch: { rollbackNeeded: true, reasons: [reason] },
    });
    expect(failure).toBeUndefined();
    expect(calls.slice(-6)).toEqual([
      'WatchRightsizing',
      'RollbackRightsizing',
      'NotifyRollback',
      'BuildCostReport',
      'NotifyCostReport',
      'ReleaseEnvironmentLease',
    ]);
    expect(events.RollbackRightsizing).toMatchObject({
      applied: [APPLIED],
      verdicts: [{ workload: WORKLOAD, rollback: true, reasons: [reason] }],
      executionId: 'execution-under-test',
    });
    expect(events.NotifyRollback).toMatchObject({
      subject: 'Right-sizing rolled back',
      summary: 'Rolled back prefect/prefect-worker',
    });
  });

  it('rolls back every change when the watch itself fails', async () => {
    const { failure, calls, events } = await run({
      applied: 'real',
      watch: namedError('PrometheusQueryError', 'no data'),
    });
    expect(failure).toBeUndefined();
    expect(calls).toContain('RollbackAfterWatchFailure');
    expect(events.RollbackAfterWatchFailure).toMatchObject({
      rollbackAllReason:
        'the watch could not judge the change (PrometheusQueryError): it is not kept unjudged',
    });
  });

  it('ends CostOptimiseBusy, touching nothing, when another run holds the environment', async () => {
    const { failure, calls } = await run({ leaseHeld: true });
    expect(failure?.error).toBe(COST_OPTIMISE_BUSY_ERROR);
    expect(calls).toEqual(['ValidateRightsizingRequest', 'AcquireEnvironmentLease']);
  });

  it('releases the lease, notifies and fails CostOptimiseFailed when a step fails', async () => {
    const { failure, calls } = await run({ recommendFails: true });
    expect(failure?.error).toBe(COST_OPTIMISE_FAILED_ERROR);
    expect(failure?.cause).toBe('Prometheus is down');
    expect(calls.slice(-2)).toEqual(['ReleaseLeaseAfterFailure', 'NotifyFailure']);
  });
});
