import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StageResult } from '../../../functions/core/provision/apply.ts';
import type { ProvisionPlan } from '../../../functions/core/provision/plan.ts';
import { buildProvisionReport, type ProvisionReportInput } from '../../../functions/core/provision/report.ts';
import { validatePlatformRequestSchema } from '../../../functions/core/validation/request.ts';
import {
  NESTED_VALIDATION_INPUT,
  PROVISION_FAILED_ERROR,
  PROVISION_HANDLERS,
  provisionWorkflow,
} from '../../../workflows/provision.workflow.ts';
import type { AslState, AslStateMachine } from '../template-helpers.ts';
import { runLocally, synthesizeBareWorkflow, VERB_NOUN_PASCAL_CASE } from './bare-workflow-stack.ts';

const plan = (dryRun = false): ProvisionPlan => ({
  environment: 'development',
  cluster: 'lakehouse-development',
  components: ['infrastructure', 'minio'],
  dryRun,
  requestedBy: 'test',
  nodeGroups: true,
  buckets: true,
  stages: [
    { name: '00-namespaces', objectCount: 1 },
    { name: '60-minio', objectCount: 1 },
  ],
});

function stageResult(stage: string, dryRun: boolean): StageResult {
  const workload = stage === '60-minio' && !dryRun;
  return {
    stage,
    dryRun,
    objects: [{ object: `Thing ${stage}`, action: 'created' }],
    rollouts: workload ? [{ kind: 'StatefulSet', namespace: 'minio', name: 'minio' }] : [],
  };
}

const INSTANT = { WaitForNodeGroups: 0, WaitForRollout: 0 };

describe('provisionWorkflow definition', () => {
  let definition: AslStateMachine;
  let states: Record<string, AslState>;

  beforeAll(() => {
    ({ definition, states } = synthesizeBareWorkflow('provision', PROVISION_HANDLERS, (scope, functions) => {
      const validatePlatform = new StateMachine(scope, 'ValidatePlatformMachine', {
        definitionBody: { bind: () => ({}) } as never,
      });
      return provisionWorkflow(scope, 'Provision', {
        environmentName: 'development',
        functions,
        validatePlatform,
        logRetention: RetentionDays.ONE_WEEK,
      });
    }));
  });

  function scenario(
    options: {
      dryRun?: boolean;
      failStage?: string;
      validation?: 'HEALTHY' | 'UNHEALTHY';
      lockHeld?: boolean;
    } = {},
  ) {
    const calls: string[] = [];
    const lockEvents: string[] = [];
    const audits: { plan: ProvisionPlan; report: { status: string }; executionId: string }[] = [];
    const notifications: unknown[] = [];
    let rolloutChecks = 0;
    let nodeGroupChecks = 0;
    const handlers = {
      PlanProvision: () => plan(options.dryRun),
      AcquireProvisionLock: ({ cluster, owner }: { cluster: string; owner: string }) => {
        lockEvents.push(`acquire ${cluster}`);
        if (options.lockHeld) {
          // No quotes: this bare engine lacks the runner's JsonToString bridge (local/runner/engine-gaps.ts).
          const error = new Error(
            `provision lock ${cluster} is held by other-run until 2030-01-01T00:00:00.000Z`,
          );
          error.name = 'LockHeldError';
          throw error;
        }
        return {
          scope: 'provision',
          name: cluster,
          owner,
          acquiredAt: '2026-01-01T00:00:00.000Z',
          expiresAt: 1,
        };
      },
      ReleaseProvisionLock: ({ cluster }: { cluster: string }) => {
        lockEvents.push(`release ${cluster}`);
        return { scope: 'provision', name: cluster, released: true };
      },
      RecordProvisionAudit: (event: (typeof audits)[number]) => {
        audits.push(event);
        return { alreadyRecorded: false };
      },
      EnsureNodeGroups: ({ dryRun }: { dryRun: boolean }) => ({
        changes: [
          { name: 'compute', action: 'created', scaling: { minSize: 0, maxSize: 2, desiredSize: 1 } },
        ],
        deadline: '2030-01-01T00:00:00.000Z',
        readiness: { ready: dryRun, groups: [] },
      }),
      CheckNodeGroups: () => ({ ready: ++nodeGroupChecks > 1, groups: [] }),
      ApplyManifestStage: ({
        plan: current,
        next,
        applied,
      }: {
        plan: ProvisionPlan;
        next: number;
        applied: StageResult[];
      }) => {
        const stage = current.stages[next]!.name;
        calls.push(stage);
        if (stage === options.failStage) {
          const error = new Error(`stage ${stage}: a rollout failed`);
          error.name = 'RolloutFailedError';
          throw error;
        }
        const result = stageResult(stage, current.dryRun);
        return {
          stages: [...applied, result],
          current: { stage, rollouts: result.rollouts, rolloutDeadline: '2030-01-01T00:00:00.000Z' },
          next: next + 1,
          done: next + 1 >= current.stages.length,
        };
      },
      CheckRollout: () => ({ complete: ++rolloutChecks > 2, failed: false, workloads: [] }),
      EnsureMinioBuckets: () => [],
      ValidatePlatform: (input: unknown) => {
        expect(input).toMatchObject({ Input: NESTED_VALIDATION_INPUT });
        if (options.validation === 'UNHEALTHY') {
          const error = new Error(
            JSON.stringify({ Status: 'FAILED', Error: 'PlatformUnhealthy', Cause: '{}' }),
          );
          error.name = 'States.TaskFailed';
          throw error;
        }
        return {
          ExecutionArn: 'arn:child',
          Output: { status: 'HEALTHY', summary: { passed: 7, failed: 0, errored: 0 } },
        };
      },
      BuildProvisionReport: (input: ProvisionReportInput) => buildProvisionReport(input),
      NotifyOperators: (input: unknown) => {
        notifications.push(input);
        return { messageId: 'm-1' };
      },
    };
    return {
      handlers,
      calls,
      notifications,
      lockEvents,
      audits,
      rolloutChecks: () => rolloutChecks,
      nodeGroupChecks: () => nodeGroupChecks,
    };
  }

  it('has verb-noun PascalCase states, an explicit timeout, and loops over the stages one at a time', () => {
    expect(definition.StartAt).toBe('PlanProvision');
    expect(definition.TimeoutSeconds).toBe(3 * 3600);
    for (const name of Object.keys(states)) expect(name).toMatch(VERB_NOUN_PASCAL_CASE);
    expect(states.AreStagesDone).toMatchObject({ Type: 'Choice', Default: 'ApplyManifestStage' });
    expect(states.ReportProvisionFailed).toMatchObject({ Type: 'Fail', Error: PROVISION_FAILED_ERROR });
  });

  it('starts validate-platform as a nested execution with an input its own first step accepts', () => {
    expect(String(states.ValidatePlatform?.Resource)).toMatch(/:states:::states:startExecution\.sync:2$/);
    expect(validatePlatformRequestSchema.parse(NESTED_VALIDATION_INPUT)).toEqual(NESTED_VALIDATION_INPUT);
  });

  it('provisions in order, polls node groups and rollouts until ready, validates, and succeeds with the report', async () => {
    const run = scenario();
    const { output, failure } = await runLocally(
      definition,
      { environment: 'development' },
      run.handlers,
      INSTANT,
    );

    expect(failure?.cause).toBeUndefined();
    expect(run.calls).toEqual(['00-namespaces', '60-minio']);
    expect(run.nodeGroupChecks()).toBe(2);
    expect(run.rolloutChecks()).toBe(3);
    expect(output).toMatchObject({
      status: 'PROVISIONED',
      summary: { created: 3, changed: 0, unchanged: 0 },
      validation: { status: 'HEALTHY', executionArn: 'arn:child' },
    });
    expect(run.notifications).toEqual([]);
    expect(run.lockEvents).toEqual(['acquire lakehouse-development', 'release lakehouse-development']);
    expect(run.audits).toEqual([
      expect.objectContaining({ report: expect.objectContaining({ status: 'PROVISIONED' }) }),
    ]);
  });

  it('stops before any change when another run holds the cluster lock, and reports and audits why', async () => {
    const run = scenario({ lockHeld: true });
    const { failure } = await runLocally(definition, { environment: 'development' }, run.handlers, INSTANT);

    expect(run.calls).toEqual([]);
    expect(run.nodeGroupChecks()).toBe(0);
    // The lease is not ours, so it is not released.
    expect(run.lockEvents).toEqual(['acquire lakehouse-development']);
    expect(failure?.error).toBe(PROVISION_FAILED_ERROR);
    expect(JSON.parse(failure!.cause)).toMatchObject({
      status: 'FAILED',
      failure: { error: 'LockHeldError', detail: expect.stringContaining('held by other-run') },
    });
    expect(run.audits.map((audit) => audit.report.status)).toEqual(['FAILED']);
    expect(run.notifications).toHaveLength(1);
  });

  it('skips the validation in a dry run and succeeds with a DRY_RUN report', async () => {
    const run = scenario({ dryRun: true });
    const { output } = await runLocally(
      definition,
      { environment: 'development', dryRun: true },
      run.handlers,
      INSTANT,
    );

    expect(output).toMatchObject({ status: 'DRY_RUN', validation: { status: 'SKIPPED' } });
    expect(run.rolloutChecks()).toBe(0);
    // A dry run changes nothing: no lock, but still an audit record of what it would have done.
    expect(run.lockEvents).toEqual([]);
    expect(run.audits.map((audit) => audit.report.status)).toEqual(['DRY_RUN']);
  });

  it('stops at a failed stage, reports it with the stages before it, notifies and fails with ProvisionFailed', async () => {
    const run = scenario({ failStage: '60-minio' });
    const { failure } = await runLocally(definition, { environment: 'development' }, run.handlers, INSTANT);

    expect(run.calls).toEqual(['00-namespaces', '60-minio']);
    expect(failure?.error).toBe(PROVISION_FAILED_ERROR);
    expect(JSON.parse(failure!.cause)).toMatchObject({
      status: 'FAILED',
      failure: { error: 'RolloutFailedError', detail: 'stage 60-minio: a rollout failed' },
      stages: [{ stage: '00-namespaces', created: 1 }],
    });
    expect(run.notifications).toEqual([
      expect.objectContaining({
        workflow: 'provision',
        subject: 'lakehouse-ops development: provision FAILED',
      }),
    ]);
  });

  it('fails with ProvisionFailed and an UNHEALTHY report when the nested validate-platform fails', async () => {
    const run = scenario({ validation: 'UNHEALTHY' });
    const { failure } = await runLocally(definition, { environment: 'development' }, run.handlers, INSTANT);

    expect(failure?.error).toBe(PROVISION_FAILED_ERROR);
    expect(JSON.parse(failure!.cause)).toMatchObject({
      status: 'UNHEALTHY',
      validation: { status: 'UNHEALTHY' },
    });
  });
});
