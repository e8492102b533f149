import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { restoreJobName } from '../../functions/core/backup/restore/postgres-target.ts';
import { handler } from '../../functions/restore-postgres-dump.handler.ts';
import { readObject } from './core/backup/support/backup-endpoints.ts';
import { lambdaContext } from './support/lambda.ts';
import { usePostgresHandlerHarness } from './support/postgres-handler-harness.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

const runId = '20260301T020000Z-f1f1f1f1';

describe('restore-postgres-dump handler', { timeout: 120_000 }, () => {
  const harness = usePostgresHandlerHarness({ dumpBeforeAll: runId });
  const restore = (
    targetDatabase: string,
    dump = harness.takenDump(),
    executionId = `run-${targetDatabase}`,
  ) => handler({ runId, dump, targetDatabase, executionId }, lambdaContext());
  const check = (targetDatabase: string, dryRun: boolean, dump = harness.takenDump()) =>
    handler(
      {
        runId,
        dump,
        targetDatabase,
        executionId: 'check',
        mode: 'CHECK_TARGET',
        dryRun,
      },
      lambdaContext(),
    );
  const flowRuns = (database: string) => harness.postgres().query('SELECT count(*) FROM flow_run', database);

  it("restores the run's dump into a new named database with the dump-time row counts", async () => {
    const result = await restore('prefect_restored');

    expect(result).toMatchObject({
      targetDatabase: 'prefect_restored',
      job: { name: restoreJobName('pg-restore', 'prefect_restored', 'run-prefect_restored') },
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

    expect(harness.jobNames()).not.toContain(
      restoreJobName('pg-restore', 'prefect_never', 'run-prefect_never'),
    );
    expect(await harness.databaseExists('prefect_never')).toBe(false);
  });

  it('CHECK_TARGET: a dry run reports an existing database, a real run is refused, nothing is created', async () => {
    const before = await flowRuns('prefect');

    expect(await check('prefect', true)).toMatchObject({
      targetDatabase: 'prefect',
      exists: true,
      detail: expect.stringContaining('database prefect already exists'),
    });
    await expectFailure(check('prefect', false), 'RestoreTargetExistsError', 'nothing was written');
    expect(await check('prefect_fresh', false)).toMatchObject({ exists: false });

    expect(await flowRuns('prefect')).toEqual(before);
    expect(await harness.databaseExists('prefect_fresh')).toBe(false);
  });

  it('CHECK_TARGET: a real run is refused, before any Job, when the dump has no sidecar; a dry run reports it', async () => {
    const missing = { ...harness.takenDump(), key: 'postgres/prefect/20200101T000000Z-00000001.dump' };

    await expectFailure(
      check('prefect_missing', false, missing),
      'DumpIncompleteError',
      `the dump sidecar s3://${missing.bucket}/${missing.key}.json does not exist: the restore is refused; nothing was written`,
    );
    expect(harness.jobNames()).not.toContain(restoreJobName('pg-restore-check', 'prefect_missing', 'check'));

    expect(await check('prefect_missing', true, missing)).toMatchObject({
      exists: false,
      dumpState: {
        intact: false,
        detail: `the dump sidecar s3://${missing.bucket}/${missing.key}.json does not exist: a real run would be refused`,
      },
    });
  });

  it("CHECK_TARGET: refuses a dump whose size is not its sidecar's, and passes an intact one", async () => {
    const taken = harness.takenDump();
    const s3 = harness.s3();
    const tampered = { ...taken, key: 'postgres/prefect/20200101T000000Z-00000002.dump' };
    const sidecar = JSON.parse((await readObject(s3, taken.bucket, `${taken.key}.json`)).toString('utf8'));
    const bytes = await readObject(s3, taken.bucket, taken.key);
    await s3.send(
      new PutObjectCommand({
        Bucket: tampered.bucket,
        Key: tampered.key,
        Body: bytes.subarray(0, bytes.length - 1),
        Metadata: { sha256: sidecar.sha256 },
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: tampered.bucket,
        Key: `${tampered.key}.json`,
        Body: JSON.stringify(sidecar),
      }),
    );

    await expectFailure(
      check('prefect_tampered', false, tampered),
      'DumpIncompleteError',
      `it has ${sidecar.bytes - 1} bytes, the sidecar says ${sidecar.bytes}`,
    );
    expect(harness.jobNames()).not.toContain(restoreJobName('pg-restore-check', 'prefect_tampered', 'check'));
    expect(await check('prefect_intact', false)).toMatchObject({
      exists: false,
      dumpState: { intact: true, detail: expect.stringContaining(`sha256 ${sidecar.sha256}`) },
    });
  });

  it('names its Jobs after the execution: a new execution does not adopt an earlier one', () => {
    const first = restoreJobName('pg-restore', 'prefect_restored', 'execution-1');
    expect(restoreJobName('pg-restore', 'prefect_restored', 'execution-1')).toBe(first);
    expect(restoreJobName('pg-restore', 'prefect_restored', 'execution-2')).not.toBe(first);
    const long = restoreJobName('pg-restore-check', `p${'x'.repeat(62)}`, 'execution-1');
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(long.length).toBeLessThanOrEqual(63);
  });

  it('refuses a target database name PostgreSQL would not take as is, naming the field', async () => {
    await expectFailure(restore('Prefect; DROP'), 'InvalidInputError', 'targetDatabase');
  });

  it('refuses a run id that is not of the backup layout, naming the field', async () => {
    await expectFailure(
      handler(
        { runId: 'latest', dump: harness.takenDump(), targetDatabase: 'prefect_latest', executionId: 'x' },
        lambdaContext(),
      ),
      'InvalidInputError',
      'runId',
    );
  });

  itRefusesEnvironment('POSTGRES_NAMESPACE', undefined, () => restore('prefect_elsewhere'));
});
