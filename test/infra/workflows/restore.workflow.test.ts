import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RestoreConflictError } from '../../../functions/commons/errors.ts';
import { RESTORE_HANDLERS, restoreWorkflow } from '../../../workflows/restore.workflow.ts';
import type { AslState, AslStateMachine } from '../template-helpers.ts';
import { runLocally, synthesizeBareWorkflow, VERB_NOUN_PASCAL_CASE } from './bare-workflow-stack.ts';

function planFor(input: { dryRun?: boolean; postgresDatabase?: string }) {
  return {
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

  function scenario(options: { conflict?: boolean } = {}) {
    const calls: string[] = [];
    const audits: { decision: string }[] = [];
    const handlers = {
      PlanRestore: (input: { dryRun?: boolean; postgresDatabase?: string }) => planFor(input),
      RestoreObjects: () => {
        calls.push('RestoreObjects');
        if (options.conflict)
          throw new RestoreConflictError('lake already holds different data under trades/1');
        return { written: 2, skipped: 0, verified: 2, bytes: 20, failed: 0, continueAfter: null };
      },
      RestorePostgresDump: (input: { targetDatabase: string }) => {
        calls.push(`RestorePostgresDump ${input.targetDatabase}`);
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
    expect(calls).toEqual(['RestoreObjects', 'RestorePostgresDump prefect_restored']);
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
});
