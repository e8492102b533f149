import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/restore-postgres-dump.handler.ts';
import { lambdaContext } from './support/lambda.ts';
import { usePostgresHandlerHarness } from './support/postgres-handler-harness.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

const runId = '20260301T020000Z-f1f1f1f1';

describe('restore-postgres-dump handler', { timeout: 120_000 }, () => {
  const harness = usePostgresHandlerHarness({ dumpBeforeAll: runId });
  const restore = (targetDatabase: string, dump = harness.takenDump()) =>
    handler({ runId, dump, targetDatabase }, lambdaContext());
  const flowRuns = (database: string) => harness.postgres().query('SELECT count(*) FROM flow_run', database);

  it("restores the run's dump into a new named database with the dump-time row counts", async () => {
    const result = await restore('prefect_restored');

    expect(result).toMatchObject({
      targetDatabase: 'prefect_restored',
      job: { name: `pg-restore-${runId.toLowerCase()}-prefect-restored` },
      comparison: { verdict: 'MATCH', tables: 6, reasons: [] },
    });
    expect(await flowRuns('prefect_restored')).toEqual(await flowRuns('prefect'));
  });

  it('refuses with RestoreTargetExistsError, changing nothing, when the target database exists', async () => {
    const before = await flowRuns('prefect');

    await expectFailure(restore('prefect'), 'RestoreTargetExistsError', 'database prefect already exists');

    expect(await flowRuns('prefect')).toEqual(before);
  });

  it('fails with DumpIncompleteError, starting no Job, when the dump has no sidecar', async () => {
    const missing = { ...harness.takenDump(), key: 'postgres/prefect/20200101T000000Z-00000000.dump' };

    await expectFailure(
      restore('prefect_never', missing),
      'DumpIncompleteError',
      `${missing.key}.json does not exist`,
    );

    expect(harness.jobNames()).not.toContain(`pg-restore-${runId.toLowerCase()}-prefect-never`);
    expect(await harness.databaseExists('prefect_never')).toBe(false);
  });

  it('refuses a target database name PostgreSQL would not take as is, naming the field', async () => {
    await expectFailure(restore('Prefect; DROP'), 'InvalidInputError', 'targetDatabase');
  });

  it('refuses a run id that is not of the backup layout, naming the field', async () => {
    await expectFailure(
      handler(
        { runId: 'latest', dump: harness.takenDump(), targetDatabase: 'prefect_latest' },
        lambdaContext(),
      ),
      'InvalidInputError',
      'runId',
    );
  });

  itRefusesEnvironment('POSTGRES_NAMESPACE', undefined, () => restore('prefect_elsewhere'));
});
