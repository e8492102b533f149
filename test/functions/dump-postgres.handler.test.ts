import { describe, expect, it, vi } from 'vitest';
import { newRunId } from '../../functions/core/backup/layout.ts';
import { handler } from '../../functions/dump-postgres.handler.ts';
import { PREFECT_SEED_ROW_COUNTS } from '../../local/postgres/index.ts';
import { BACKUP_BUCKET, listKeys, readObject, sha256 } from './core/backup/support/backup-endpoints.ts';
import { lambdaContext } from './support/lambda.ts';
import { usePostgresHandlerHarness } from './support/postgres-handler-harness.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

describe('dump-postgres handler', { timeout: 120_000 }, () => {
  const harness = usePostgresHandlerHarness();

  it('dumps the Prefect database with a pg_dump Job into the backup bucket, with its checksum and row counts', async () => {
    const runId = '20260301T020000Z-d0d0d0d0';

    const dump = await handler({ runId, dryRun: false }, lambdaContext());

    expect(dump).toMatchObject({
      state: 'COMPLETED',
      bucket: BACKUP_BUCKET,
      key: `postgres/prefect/${runId}.dump`,
      database: 'prefect',
      rowCounts: PREFECT_SEED_ROW_COUNTS,
      job: { namespace: harness.names.namespace, name: `pg-dump-${runId.toLowerCase()}` },
      // Older than the 30 days' retention, but the newest complete dump: kept.
      retention: { keptRuns: 1, deletedRuns: 0, deletedObjects: 0 },
    });
    const bytes = await readObject(harness.s3(), BACKUP_BUCKET, `postgres/prefect/${runId}.dump`);
    expect(bytes.subarray(0, 5).toString()).toBe('PGDMP');
    expect(sha256(bytes)).toBe((dump as { sha256: string }).sha256);
  });

  it('prunes the dumps past BACKUP_RETENTION_DAYS once its own dump is complete', async () => {
    const stale = '20260302T020000Z-d1d1d1d1';
    await harness.dump(stale);
    const runId = newRunId(new Date());

    const dump = await handler({ runId, dryRun: false }, lambdaContext());

    expect(dump).toMatchObject({ state: 'COMPLETED', retention: { keptRuns: 1, deletedObjects: 4 } });
    expect(await listKeys(harness.s3(), BACKUP_BUCKET, 'postgres/prefect/')).toEqual([
      `postgres/prefect/${runId}.dump`,
      `postgres/prefect/${runId}.dump.json`,
    ]);
  });

  it('says what it would dump and starts no Job on a dry run', async () => {
    const runId = '20260301T030000Z-d0d0d0d0';

    const result = await handler({ runId, dryRun: true }, lambdaContext());

    expect(result).toEqual({
      state: 'SKIPPED',
      detail: `dry run: would dump prefect to postgres/prefect/${runId}.dump`,
    });
    expect(harness.jobNames()).not.toContain(`pg-dump-${runId.toLowerCase()}`);
  });

  it('fails with PostgresJobFailedError and the pg_dump message, leaving no dump, when the database does not exist', async () => {
    vi.stubEnv('POSTGRES_DATABASE', 'no_such_db');

    await expectFailure(
      handler({ runId: '20260301T040000Z-d0d0d0d0', dryRun: false }, lambdaContext()),
      'PostgresJobFailedError',
      'database "no_such_db" does not exist',
    );

    expect(await listKeys(harness.s3(), BACKUP_BUCKET, 'postgres/no_such_db/')).toEqual([]);
  });

  it('refuses an event without dryRun, naming the field', async () => {
    await expectFailure(
      handler({ runId: '20260301T050000Z-d0d0d0d0' }, lambdaContext()),
      'InvalidInputError',
      'dump-postgres: invalid event',
      'dryRun',
    );
  });

  itRefusesEnvironment(
    'POSTGRES_PASSWORD_SECRET',
    'prefect-postgresql',
    () => handler({ runId: '20260301T060000Z-d0d0d0d0', dryRun: false }, lambdaContext()),
    'expected "<secret name>/<key>"',
  );
});
