import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RestoreConflictError } from '../../../functions/commons/errors.ts';
import {
  DumpIncompleteError,
  PostgresJobTimeoutError,
  RestoreTargetExistsError,
} from '../../../functions/core/postgres/index.ts';
import { RESTORE_HANDLERS, restoreWorkflow } from '../../../workflows/restore.workflow.ts';
import type { AslState, AslStateMachine } from '../template-helpers.ts';
import { runLocally, synthesizeBareWorkflow, VERB_NOUN_PASCAL_CASE } from './bare-workflow-stack.ts';

interface TestInput {
  dryRun?: boolean;
  postgresDatabase?: string;
  restoreObjects?: boolean;
}

function planFor(input: TestInput) {
  return {
    restoreObjects: input.restoreObjects ?? true,
    sourceBucket: 'lake',
    runId: '20260301T000000Z-0a1b2c3d',
    prefix: 'trades/',
    targetBucket: 'lake',
    objects: 2,
    bytes: 20,
    items: [],
    truncated: false,
    dryRun: input.dryRun ?? true,
    requestedBy: 'alice',
    postgres: input.postgresDatabase
      ? { dump: { bucket: 'b', key: 'k', database: 'prefect' }, targetDatabase: input.postgresDatabase }
      : null,
  };
}

describe('restoreWorkflow definition', () => {
  let definition: AslStateMachine;
  let states: Record<string, AslState>;

  beforeAll(() => {
    ({ definition, states } = synthesizeBareWorkflow('restore', RESTORE_HANDLERS, (scope, functions) =>
      restoreWorkflow(scope, 'Restore', {
        environmentName: 'development',
        functions,
        logRetention: RetentionDays.ONE_WEEK,
      }),
    ));
  });

  function scenario(
    options: {
      conflict?: boolean;
      databaseExists?: boolean;
      dumpMissing?: boolean;
      jobTimeouts?: number;
    } = {},
  ) {
    const calls: string[] = [];
    const audits: { decision: string }[] = [];
    let timeoutsLeft = options.jobTimeouts ?? 0;
    const handlers = {
      PlanRestore: (input: TestInput) => planFor(input),
      CheckPostgresTarget: (input: { targetDatabase: string; mode: string; dryRun: boolean }) => {
        calls.push(`CheckPostgresTarget ${input.mode} ${input.targetDatabase}`);
        if (options.dumpMissing && !input.dryRun)
          throw new DumpIncompleteError(
            'the dump sidecar s3://b/k.json does not exist: the restore is refused',
          );
        if (options.databaseExists && !input.dryRun)
          throw new RestoreTargetExistsError(`database ${input.targetDatabase} already exists`);
        return { targetDatabase: input.targetDatabase, exists: options.databaseExists ?? false };
      },
      RestoreObjects: () => {
        calls.push('RestoreObjects');
        if (options.conflict)
          throw new RestoreConflictError('lake already holds different data under trades/1');
        return { written: 2, skipped: 0, verified: 2, bytes: 20, failed: 0, continueAfter: null };
      },
      RestorePostgresDump: (input: { targetDatabase: string; executionId: string }) => {
        calls.push(`RestorePostgresDump ${input.targetDatabase} ${input.executionId}`);
        if (timeoutsLeft > 0) {
          timeoutsLeft -= 1;
          throw new PostgresJobTimeoutError('job did not finish within 600000 ms');
        }
        return { targetDatabase: input.targetDatabase, comparison: { verdict: 'MATCH' } };
      },
      ...Object.fromEntries(
        ['RecordDryRunAudit', 'RecordRefusedAudit', 'RecordFailedAudit', 'RecordRestoreAudit'].map(
          (state) => [
            state,
            (input: { decision: string }) => {
              audits.push(input);
              return { pk: 'AUDIT#restore#lake/trades/' };
            },
          ],
        ),
      ),
    };
    return { handlers, calls, audits };
  }

  it('has verb-noun PascalCase states and starts by planning', () => {
    expect(definition.StartAt).toBe('PlanRestore');
    for (const name of Object.keys(states)) expect(name).toMatch(VERB_NOUN_PASCAL_CASE);
  });

  it('ends a dry run with the plan, audited, without writing', async () => {
    const { handlers, calls, audits } = scenario();
    const { output, failure } = await runLocally(definition, { sourceBucket: 'lake' }, handlers);
    expect(failure).toBeUndefined();
    expect(output).toMatchObject({ dryRun: true, objects: 2 });
    expect(calls).toEqual([]);
    expect(audits.map((audit) => audit.decision)).toEqual(['DRY_RUN']);
  });

  it('writes, restores the requested dump and audits RESTORED when dryRun is false', async () => {
    const { handlers, calls, audits } = scenario();
    const { output, failure } = await runLocally(
      definition,
      { dryRun: false, postgresDatabase: 'prefect_restored' },
      handlers,
    );
    expect(failure).toBeUndefined();
    expect(calls).toEqual([
      'CheckPostgresTarget CHECK_TARGET prefect_restored',
      'RestoreObjects',
      'RestorePostgresDump prefect_restored execution-under-test',
    ]);
    expect(audits).toEqual([expect.objectContaining({ decision: 'RESTORED' })]);
    expect(output).toMatchObject({
      report: { written: 2 },
      postgres: { targetDatabase: 'prefect_restored' },
    });
  });

  it('calls RestoreObjects again with its report as progress until it says it is done', async () => {
    const { handlers } = scenario();
    const progressSeen: unknown[] = [];
    const windows = [
      { written: 1, continueAfter: 'trades/1' },
      { written: 2, continueAfter: 'trades/2' },
      { written: 3, continueAfter: null },
    ];
    const restoreInWindows = (input: { progress: unknown }) => {
      progressSeen.push(input.progress);
      return { skipped: 0, verified: 0, bytes: 0, failed: 0, ...windows[progressSeen.length - 1]! };
    };
    const { output, failure } = await runLocally(
      definition,
      { dryRun: false },
      { ...handlers, RestoreObjects: restoreInWindows },
    );
    expect(failure).toBeUndefined();
    expect(progressSeen).toEqual([
      {},
      expect.objectContaining(windows[0]),
      expect.objectContaining(windows[1]),
    ]);
    expect(output).toMatchObject({ report: { written: 3, continueAfter: null } });
  });

  it('audits a refused restore and fails with RestoreConflictError', async () => {
    const { handlers, audits } = scenario({ conflict: true });
    const { failure } = await runLocally(definition, { dryRun: false }, handlers);
    expect(failure?.error).toBe('RestoreConflictError');
    expect(failure?.cause).toContain('trades/1');
    expect(audits.map((audit) => audit.decision)).toEqual(['REFUSED']);
  });

  it('dry run: reports an existing target database in the plan, writing nothing', async () => {
    const { handlers, calls, audits } = scenario({ databaseExists: true });
    const { output, failure } = await runLocally(definition, { postgresDatabase: 'prefect' }, handlers);
    expect(failure).toBeUndefined();
    expect(output).toMatchObject({ postgres: { targetDatabase: 'prefect', target: { exists: true } } });
    expect(calls).toEqual(['CheckPostgresTarget CHECK_TARGET prefect']);
    expect(audits.map((audit) => audit.decision)).toEqual(['DRY_RUN']);
  });

  it('refuses a restore into an existing database before writing any object', async () => {
    const { handlers, calls, audits } = scenario({ databaseExists: true });
    const { failure } = await runLocally(
      definition,
      { dryRun: false, postgresDatabase: 'prefect' },
      handlers,
    );
    expect(failure?.error).toBe('RestoreTargetExistsError');
    expect(failure?.cause).toContain('database prefect already exists');
    expect(calls).toEqual(['CheckPostgresTarget CHECK_TARGET prefect']);
    expect(audits.map((audit) => audit.decision)).toEqual(['REFUSED']);
  });

  it('refuses before writing any object when the check step finds the dump missing', async () => {
    const { handlers, calls, audits } = scenario({ dumpMissing: true });
    const { failure } = await runLocally(
      definition,
      { dryRun: false, postgresDatabase: 'prefect_restored' },
      handlers,
    );
    expect(failure?.error).toBe('DumpIncompleteError');
    expect(failure?.cause).toContain('k.json does not exist');
    expect(calls).toEqual(['CheckPostgresTarget CHECK_TARGET prefect_restored']);
    expect(audits.map((audit) => audit.decision)).toEqual(['REFUSED']);
  });

  it('restores only the dump when restoreObjects is false', async () => {
    const { handlers, calls } = scenario();
    const { output, failure } = await runLocally(
      definition,
      { dryRun: false, restoreObjects: false, postgresDatabase: 'prefect_restored' },
      handlers,
    );
    expect(failure).toBeUndefined();
    expect(calls).toEqual([
      'CheckPostgresTarget CHECK_TARGET prefect_restored',
      'RestorePostgresDump prefect_restored execution-under-test',
    ]);
    expect(output).toMatchObject({
      report: { state: 'SKIPPED' },
      postgres: { comparison: { verdict: 'MATCH' } },
    });
  });

  it('re-attaches RestorePostgresDump to the same Job while it outlives one Lambda wait', async () => {
    const { handlers, calls } = scenario({ jobTimeouts: 3 });
    const { failure } = await runLocally(
      definition,
      { dryRun: false, postgresDatabase: 'prefect_restored' },
      handlers,
      {},
      { RestorePostgresDump: 0 },
    );
    expect(failure).toBeUndefined();
    const restores = calls.filter((call) => call.startsWith('RestorePostgresDump'));
    expect(restores).toEqual(Array(4).fill('RestorePostgresDump prefect_restored execution-under-test'));
  });
});
