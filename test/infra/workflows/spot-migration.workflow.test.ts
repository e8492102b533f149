import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SpotMigrationPlan } from '../../../functions/core/cost/spot/plan.ts';
import {
  buildSpotMigrationReport,
  type SpotMigrationReport,
  type SpotMigrationReportInput,
} from '../../../functions/core/cost/spot/report.ts';
import {
  SPOT_MIGRATION_FAILED_ERROR,
  SPOT_MIGRATION_HANDLERS,
  spotMigrationWorkflow,
} from '../../../workflows/spot-migration.workflow.ts';
import { samplePlan } from '../../functions/core/cost/spot/spot-cluster.ts';
import type { AslState, AslStateMachine } from '../template-helpers.ts';
import { runLocally, synthesizeBareWorkflow, VERB_NOUN_PASCAL_CASE } from './bare-workflow-stack.ts';

const INSTANT = { WaitForSpotNodeGroup: 0, WaitForRescheduling: 0, WaitForSourceRetirement: 0 };
const INPUT = { pool: 'compute', direction: 'to-spot', dryRun: false, requestedBy: 'ops@example.com' };

function failing(name: string, message: string): never {
  const error = new Error(message);
  error.name = name;
  throw error;
}

interface Scenario {
  plan?: Partial<SpotMigrationPlan>;
  /** Which step throws, with which error name. */
  fail?: { state: string; error: string; message: string };
  /** Drain calls that return blocked. */
  blockDrain?: boolean;
  verification?: boolean;
  notificationFails?: boolean;
}

describe('spotMigrationWorkflow definition', () => {
  let definition: AslStateMachine;
  let states: Record<string, AslState>;

  beforeAll(() => {
    ({ definition, states } = synthesizeBareWorkflow(
      'spot-migration',
      SPOT_MIGRATION_HANDLERS,
      (scope, functions) =>
        spotMigrationWorkflow(scope, 'SpotMigration', {
          environmentName: 'development',
          functions,
          logRetention: RetentionDays.ONE_WEEK,
        }),
    ));
  });

  function scenario(options: Scenario = {}) {
    const calls: string[] = [];
    const audits: { report: SpotMigrationReport; executionId: string }[] = [];
    const notifications: { subject: string; summary: string }[] = [];
    let groupChecks = 0;
    let retirements = 0;
    const step =
      <Input, Output>(state: string, run: (input: Input) => Output) =>
      (input: Input) => {
        calls.push(state);
        if (options.fail?.state === state) failing(options.fail.error, options.fail.message);
        return run(input);
      };
    const handlers = {
      PlanSpotMigration: step('PlanSpotMigration', (input: { dryRun: boolean }) =>
        samplePlan({ dryRun: input.dryRun, ...options.plan }),
      ),
      AcquireSpotMigrationLease: step('AcquireSpotMigrationLease', ({ owner }: { owner: string }) => ({
        owner,
      })),
      ReleaseSpotMigrationLease: step('ReleaseSpotMigrationLease', () => ({ released: true })),
      EnsureSpotNodeGroup: step('EnsureSpotNodeGroup', ({ plan }: { plan: SpotMigrationPlan }) => ({
        name: plan.target.name,
        created: !plan.target.exists,
        uncordoned: [],
        deadline: '2030-01-01T00:00:00.000Z',
      })),
      CheckSpotNodeGroup: step('CheckSpotNodeGroup', () => ({ ready: ++groupChecks > 1 })),
      DrainSourceNodes: step(
        'DrainSourceNodes',
        ({ plan, next, results }: { plan: SpotMigrationPlan; next: number; results: unknown[] }) => {
          const node = plan.sourceNodes[next] ?? 'none';
          const blocked = options.blockDrain === true && !plan.dryRun;
          const result = blocked
            ? {
                node,
                outcome: 'blocked',
                evicted: 0,
                left: [{ pod: 'prefect/worker-0', reason: 'blocked by PodDisruptionBudget prefect/worker' }],
              }
            : { node, outcome: 'drained', evicted: 2, left: [] };
          return {
            next: next + 1,
            done: !blocked && next + 1 >= plan.sourceNodes.length,
            blocked,
            cordoned: [],
            results: [...results, result],
          };
        },
      ),
      RetireSourceNodeGroup: step('RetireSourceNodeGroup', () => {
        retirements += 1;
        return {
          phase: ['scaling', 'deleting', 'deleted'][retirements - 1],
          deadline: '2030-01-01T00:00:00.000Z',
          detail: '',
        };
      }),
      VerifySpotMigration: step('VerifySpotMigration', () => ({
        passed: options.verification ?? true,
        checks: [],
      })),
      BuildSpotMigrationReport: (input: SpotMigrationReportInput) => buildSpotMigrationReport(input),
      RecordSpotMigrationAudit: step('RecordSpotMigrationAudit', (input: (typeof audits)[number]) => {
        audits.push(input);
        return { alreadyRecorded: false };
      }),
      NotifyOperators: (input: (typeof notifications)[number]) => {
        if (options.notificationFails) failing('TransientError', 'SNS is down');
        notifications.push(input);
        return { messageId: 'm-1' };
      },
    };
    return { handlers, calls, audits, notifications, retirements: () => retirements };
  }

  async function run(options: Scenario = {}, input: object = INPUT) {
    const current = scenario(options);
    // Retries at once: a TransientError is retried three times before the Catch sees it.
    const noBackoff = Object.fromEntries(Object.keys(states).map((name) => [name, 0]));
    const result = await runLocally(definition, input, current.handlers, INSTANT, noBackoff);
    const report = (result.output ?? JSON.parse(result.failure?.cause ?? '{}')) as SpotMigrationReport;
    return { ...current, ...result, report };
  }

  it('has verb-noun PascalCase states, an explicit timeout, and a poll loop for each wait', () => {
    expect(definition.StartAt).toBe('PlanSpotMigration');
    expect(definition.TimeoutSeconds).toBe(6 * 3600);
    for (const name of Object.keys(states)) expect(name).toMatch(VERB_NOUN_PASCAL_CASE);
    expect(states.WaitForSpotNodeGroup).toMatchObject({ Type: 'Wait', Next: 'CheckSpotNodeGroup' });
    expect(states.WaitForRescheduling).toMatchObject({ Type: 'Wait', Next: 'DrainSourceNodes' });
    expect(states.WaitForSourceRetirement).toMatchObject({ Type: 'Wait', Next: 'RetireSourceNodeGroup' });
    expect(states.ReportMigrationFailed).toMatchObject({ Type: 'Fail', Error: SPOT_MIGRATION_FAILED_ERROR });
  });

  it('creates the group, waits for it, drains node by node, retires the old group, verifies, and succeeds', async () => {
    const { output, failure, calls, audits, notifications } = await run({ plan: { batchSize: 1 } });

    expect(failure).toBeUndefined();
    expect(calls).toEqual([
      'PlanSpotMigration',
      'AcquireSpotMigrationLease',
      'EnsureSpotNodeGroup',
      'CheckSpotNodeGroup',
      'CheckSpotNodeGroup',
      'DrainSourceNodes',
      'DrainSourceNodes',
      'RetireSourceNodeGroup',
      'RetireSourceNodeGroup',
      'RetireSourceNodeGroup',
      'VerifySpotMigration',
      'ReleaseSpotMigrationLease',
      'RecordSpotMigrationAudit',
    ]);
    expect(output).toMatchObject({ status: 'MIGRATED', drain: { nodes: 2, drained: 2, evicted: 4 } });
    expect(audits).toEqual([
      { report: expect.objectContaining({ status: 'MIGRATED' }), executionId: 'execution-under-test' },
    ]);
    expect(notifications).toEqual([
      expect.objectContaining({
        subject: 'lakehouse-ops spot-migration compute to-spot: MIGRATED',
        summary:
          'pool compute to-spot: compute-spot created, 2 of 2 node(s) drained, 4 pod(s) evicted, compute removed',
      }),
    ]);
  });

  it('refuses in the preflight: no lease, no change; reports, audits, notifies and fails', async () => {
    const { calls, failure, report, notifications } = await run({
      fail: {
        state: 'PlanSpotMigration',
        error: 'SpotMigrationRefusedError',
        message: 'pool storage stays on on-demand capacity',
      },
    });

    expect(calls).toEqual(['PlanSpotMigration', 'RecordSpotMigrationAudit']);
    expect(failure?.error).toBe(SPOT_MIGRATION_FAILED_ERROR);
    expect(report).toMatchObject({
      status: 'REFUSED',
      pool: 'compute',
      failure: { error: 'SpotMigrationRefusedError' },
    });
    expect(notifications).toHaveLength(1);
  });

  it('changes nothing while another run holds the pool, and does not release its lease', async () => {
    const { calls, report } = await run({
      fail: { state: 'AcquireSpotMigrationLease', error: 'LockHeldError', message: 'held by other-run' },
    });

    expect(calls).toEqual(['PlanSpotMigration', 'AcquireSpotMigrationLease', 'RecordSpotMigrationAudit']);
    expect(report.status).toBe('REFUSED');
  });

  it('stops at a blocked drain: the old group stays, the lease is released, the report names the pods', async () => {
    const { calls, failure, report } = await run({ blockDrain: true });

    expect(calls).not.toContain('RetireSourceNodeGroup');
    expect(calls.slice(-2)).toEqual(['ReleaseSpotMigrationLease', 'RecordSpotMigrationAudit']);
    expect(failure?.error).toBe(SPOT_MIGRATION_FAILED_ERROR);
    expect(report).toMatchObject({ status: 'BLOCKED', drain: { blocked: [{ node: 'compute-0' }] } });
  });

  it.each([
    ['EnsureSpotNodeGroup', 'TransientError'],
    ['CheckSpotNodeGroup', 'SpotNodeGroupTimeoutError'],
    ['DrainSourceNodes', 'KubernetesApiError'],
    ['RetireSourceNodeGroup', 'SpotSourceNotDrainedError'],
    ['VerifySpotMigration', 'KubernetesApiError'],
  ])('reports a failure of %s (%s), releases the lease and fails', async (state, error) => {
    const { calls, failure, report } = await run({ fail: { state, error, message: `${state} went wrong` } });

    expect(calls.slice(-2)).toEqual(['ReleaseSpotMigrationLease', 'RecordSpotMigrationAudit']);
    expect(failure?.error).toBe(SPOT_MIGRATION_FAILED_ERROR);
    expect(report).toMatchObject({ status: 'FAILED', failure: { error, detail: `${state} went wrong` } });
  });

  it('fails with VERIFY_FAILED when the verification disagrees', async () => {
    const { report, failure } = await run({ verification: false });

    expect(failure?.error).toBe(SPOT_MIGRATION_FAILED_ERROR);
    expect(report.status).toBe('VERIFY_FAILED');
  });

  it('finishes on a re-run after a blocked one, using the group the first run created', async () => {
    await run({ blockDrain: true });

    const { output, report } = await run({
      plan: { target: { ...samplePlan().target, exists: true, status: 'ACTIVE' } },
    });

    expect(output).toMatchObject({ status: 'MIGRATED', target: { created: false } });
    expect(report.summary).toContain('compute-spot in place');
  });

  it('only verifies a pool already on the target capacity', async () => {
    const { calls, output } = await run({ plan: { alreadyMigrated: true, sourceNodes: [] } });

    expect(calls).toEqual([
      'PlanSpotMigration',
      'AcquireSpotMigrationLease',
      'VerifySpotMigration',
      'ReleaseSpotMigrationLease',
      'RecordSpotMigrationAudit',
    ]);
    expect(output?.status).toBe('ALREADY_MIGRATED');
  });

  it('dry-runs every Node without a lease, a new group, a wait or a notification', async () => {
    const { calls, output, notifications } = await run({ blockDrain: true }, { ...INPUT, dryRun: true });

    expect(calls).toEqual([
      'PlanSpotMigration',
      'DrainSourceNodes',
      'DrainSourceNodes',
      'RecordSpotMigrationAudit',
    ]);
    expect(output).toMatchObject({ status: 'DRY_RUN', dryRun: true });
    expect(notifications).toEqual([]);
  });

  it('still ends with its verdict when the notification fails', async () => {
    const { output } = await run({ notificationFails: true });

    expect(output?.status).toBe('MIGRATED');
  });

  it('still notifies when the audit record cannot be written', async () => {
    const { output, notifications } = await run({
      fail: { state: 'RecordSpotMigrationAudit', error: 'AuditRecordConflictError', message: 'conflict' },
    });

    expect(output?.status).toBe('MIGRATED');
    expect(notifications).toHaveLength(1);
  });
});
