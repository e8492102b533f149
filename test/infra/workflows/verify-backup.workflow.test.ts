import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EmptyBackupError,
  InvalidInputError,
  ManifestTamperedError,
} from '../../../functions/commons/errors.ts';
import type { PostgresCheck } from '../../../functions/core/backup/verify/postgres.ts';
import { type StepFailure, stepFailureVerdict } from '../../../functions/core/backup/verify/step-failure.ts';
import {
  buildBackupVerdict,
  type SampleResult,
  type VerificationPlan,
} from '../../../functions/core/backup/verify.ts';
import { PostgresJobTimeoutError } from '../../../functions/core/postgres/errors.ts';
import {
  VERIFY_BACKUP_FAILED_ERROR,
  VERIFY_BACKUP_HANDLERS,
  verifyBackupWorkflow,
} from '../../../workflows/verify-backup.workflow.ts';
import type { AslState, AslStateMachine } from '../template-helpers.ts';
import { runLocally, synthesizeBareWorkflow, VERB_NOUN_PASCAL_CASE } from './bare-workflow-stack.ts';

const plan: VerificationPlan = {
  sourceBucket: 'lake',
  runId: '20260301T000000Z-0a1b2c3d',
  manifestKey: 'manifests/lake/20260301T000000Z-0a1b2c3d.jsonl',
  manifestSha256: 'a'.repeat(64),
  manifest: { status: 'VERIFIED', detail: 'ok' },
  seed: 's',
  share: 1,
  minimum: 0,
  liveObjects: 4,
  deletedObjects: 0,
  bytes: 40,
  sampleSize: 4,
  rankThreshold: 100,
  newest: { key: 'd', lastModified: '2026-03-01T00:00:00.000Z' },
  shards: [
    { index: 0, count: 2 },
    { index: 1, count: 2 },
  ],
  postgres: { applicable: false, detail: 'the manifest records no PostgreSQL dump for this run' },
  requestedBy: 'schedule',
};

describe('verifyBackupWorkflow definition', () => {
  let definition: AslStateMachine;
  let states: Record<string, AslState>;

  beforeAll(() => {
    ({ definition, states } = synthesizeBareWorkflow(
      'verify-backup',
      VERIFY_BACKUP_HANDLERS,
      (scope, functions) =>
        verifyBackupWorkflow(scope, 'VerifyBackup', {
          environmentName: 'development',
          functions,
          logRetention: RetentionDays.ONE_WEEK,
        }),
    ));
  });

  function scenario(
    options: {
      mismatchIn?: number;
      postgres?: 'applicable' | 'throws' | 'slow';
      /** The error LoadVerificationPlan throws. */
      planError?: Error;
      /** The error this shard's VerifyBackupSample throws. */
      shardError?: { index: number; error: Error };
    } = {},
  ) {
    const notifications: unknown[] = [];
    const verdictInputs: unknown[] = [];
    const failureInputs: StepFailure[] = [];
    let postgresCalls = 0;
    const currentPlan: VerificationPlan =
      options.postgres === undefined
        ? plan
        : {
            ...plan,
            postgres: {
              applicable: true,
              detail: 'restore',
              dump: { bucket: 'b', key: 'k', database: 'prefect' },
            },
          };
    const handlers = {
      LoadVerificationPlan: () => {
        if (options.planError) throw options.planError;
        return currentPlan;
      },
      VerifyBackupSample: ({ shard }: { shard: { index: number } }): SampleResult => {
        if (options.shardError?.index === shard.index) throw options.shardError.error;
        return {
          shard: shard.index,
          checked: 2,
          mismatches: options.mismatchIn === shard.index ? 1 : 0,
          bytesChecked: 20,
          reasons: options.mismatchIn === shard.index ? ['c (backup copy data/lake/c/e) has SHA-256 x'] : [],
        };
      },
      VerifyPostgresDump: (): PostgresCheck => {
        postgresCalls += 1;
        if (options.postgres === 'throws') throw new Error('pg_restore Job failed');
        if (options.postgres === 'slow' && postgresCalls < 3) {
          throw new PostgresJobTimeoutError('job verify/pg-verify-x did not finish within 600000 ms', {});
        }
        return { status: 'MATCH', detail: 'ok', reasons: [] };
      },
      RecordBackupVerdict: (input: {
        plan: VerificationPlan;
        samples: SampleResult[];
        postgres: PostgresCheck;
      }) => {
        verdictInputs.push(input);
        return buildBackupVerdict(input.plan, input.samples, input.postgres);
      },
      RecordFailedVerdict: (input: { failure: StepFailure }) => {
        failureInputs.push(input.failure);
        return stepFailureVerdict(input.failure);
      },
      NotifyOperators: (input: unknown) => {
        notifications.push(input);
        return { messageId: 'm-1' };
      },
    };
    return { handlers, notifications, verdictInputs, failureInputs, postgresCalls: () => postgresCalls };
  }

  it('has verb-noun PascalCase states and starts by loading the plan', () => {
    expect(definition.StartAt).toBe('LoadVerificationPlan');
    expect(definition.TimeoutSeconds).toBe(7200);
    for (const name of Object.keys(states)) expect(name).toMatch(VERB_NOUN_PASCAL_CASE);
    expect(states.ReportBackupVerificationFailed).toMatchObject({
      Type: 'Fail',
      Error: VERIFY_BACKUP_FAILED_ERROR,
    });
  });

  it('succeeds with the verdict when every shard matches, the PostgreSQL check not applicable', async () => {
    const { handlers, notifications } = scenario();
    const { output, failure } = await runLocally(definition, { sourceBucket: 'lake' }, handlers);
    expect(failure?.cause).toBeUndefined();
    expect(output).toMatchObject({
      status: 'SUCCESSFUL',
      checked: 4,
      postgres: { status: 'NOT_APPLICABLE' },
    });
    expect(notifications).toEqual([]);
  });

  it('notifies and fails with BackupVerificationFailed when a shard finds a mismatch', async () => {
    const { handlers, notifications } = scenario({ mismatchIn: 1 });
    const { failure } = await runLocally(definition, { sourceBucket: 'lake' }, handlers);
    expect(failure?.error).toBe(VERIFY_BACKUP_FAILED_ERROR);
    expect(JSON.parse(failure!.cause)).toMatchObject({ status: 'FAILED', mismatches: 1 });
    expect(notifications).toEqual([
      expect.objectContaining({
        workflow: 'verify-backup',
        subject: 'lakehouse-ops development: backup of lake FAILED verification',
      }),
    ]);
  });

  it('runs the PostgreSQL check when applicable and turns its failure into an ERROR reason', async () => {
    const matching = scenario({ postgres: 'applicable' });
    expect((await runLocally(definition, {}, matching.handlers)).output).toMatchObject({
      postgres: { status: 'MATCH' },
    });
    const broken = scenario({ postgres: 'throws' });
    const { failure } = await runLocally(definition, {}, broken.handlers);
    expect(failure?.error).toBe(VERIFY_BACKUP_FAILED_ERROR);
    expect(JSON.parse(failure!.cause).postgres).toMatchObject({ status: 'ERROR' });
  });

  it('records a FAILED verdict naming the shard error when a shard finds the manifest changed', async () => {
    const error = new ManifestTamperedError(
      `${plan.manifestKey} changed since the verification was planned (SHA-256 a, now b)`,
      {},
    );
    const { handlers, notifications, verdictInputs, failureInputs } = scenario({
      shardError: { index: 1, error },
    });

    const { failure } = await runLocally(definition, { sourceBucket: 'lake' }, handlers);

    expect(failure?.error).toBe(VERIFY_BACKUP_FAILED_ERROR);
    const reason = `CheckBackupSample failed: ManifestTamperedError: ${error.message}`;
    expect(JSON.parse(failure!.cause)).toMatchObject({
      status: 'FAILED',
      sourceBucket: 'lake',
      runId: plan.runId,
      reasons: [reason],
      manifest: { status: 'TAMPERED' },
      failure: { step: 'CheckBackupSample', error: 'ManifestTamperedError', message: error.message },
    });
    expect(verdictInputs).toEqual([]);
    expect(failureInputs).toEqual([
      expect.objectContaining({ step: 'CheckBackupSample', plan, error: expect.anything() }),
    ]);
    expect(notifications).toEqual([
      expect.objectContaining({
        subject: 'lakehouse-ops development: backup of lake FAILED verification',
        summary: `run ${plan.runId}: ${reason}`,
      }),
    ]);
  });

  it('records a FAILED verdict of an unresolved run when LoadVerificationPlan fails', async () => {
    const error = new EmptyBackupError(`backup run ${plan.runId} of lake holds no objects`, {});
    const { handlers, notifications, failureInputs } = scenario({ planError: error });

    const { failure } = await runLocally(
      definition,
      { sourceBucket: 'lake', requestedBy: 'schedule' },
      handlers,
    );

    expect(failure?.error).toBe(VERIFY_BACKUP_FAILED_ERROR);
    expect(JSON.parse(failure!.cause)).toMatchObject({
      status: 'FAILED',
      sourceBucket: 'lake',
      runId: 'unresolved',
      requestedBy: 'schedule',
      reasons: [`LoadVerificationPlan failed: EmptyBackupError: ${error.message}`],
      manifest: { status: 'UNCHECKED' },
      postgres: { status: 'SKIPPED' },
    });
    expect(failureInputs).toEqual([
      expect.objectContaining({
        step: 'LoadVerificationPlan',
        request: { sourceBucket: 'lake', requestedBy: 'schedule' },
      }),
    ]);
    expect(notifications).toHaveLength(1);
  });

  it('rejects an invalid request with its InvalidInputError and records no verdict', async () => {
    const error = new InvalidInputError('shares: unknown key, not accepted here', {});
    const { handlers, notifications, failureInputs } = scenario({ planError: error });

    const { failure } = await runLocally(definition, { sourceBucket: 'lake', shares: 1 }, handlers);

    expect(failure).toEqual({ error: 'InvalidInputError', cause: error.message });
    expect(failureInputs).toEqual([]);
    expect(notifications).toEqual([]);
  });

  it('retries VerifyPostgresDump on PostgresJobTimeoutError, re-attaching to the same Job', async () => {
    expect(states.VerifyPostgresDump?.Retry).toContainEqual({
      ErrorEquals: ['PostgresJobTimeoutError'],
      IntervalSeconds: 5,
      MaxAttempts: 5,
      BackoffRate: 1,
    });
    const slow = scenario({ postgres: 'slow' });
    const { output } = await runLocally(definition, {}, slow.handlers, {}, { VerifyPostgresDump: 0 });
    expect(output).toMatchObject({ status: 'SUCCESSFUL', postgres: { status: 'MATCH' } });
    expect(slow.postgresCalls()).toBe(3);
  });
});
