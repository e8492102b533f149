import { describe, expect, it } from 'vitest';
import type { DumpLocation } from '../../functions/core/backup/verify/postgres.ts';
import { executionTag } from '../../functions/core/postgres/execution-names.ts';
import { scratchDatabaseName } from '../../functions/core/postgres/index.ts';
import { handler } from '../../functions/verify-postgres-dump.handler.ts';
import { BACKUP_BUCKET, putObjects, readObject } from './core/backup/support/backup-endpoints.ts';
import { verificationPlan } from './support/backup-handler-harness.ts';
import { lambdaContext } from './support/lambda.ts';
import { usePostgresHandlerHarness } from './support/postgres-handler-harness.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';

/** The plan of a verification whose manifest recorded this dump. */
function planWithDump(runId: string, dump: DumpLocation) {
  return verificationPlan({
    runId,
    postgres: { applicable: true, detail: 'restore into a scratch database', dump },
  });
}

describe('verify-postgres-dump handler', { timeout: 120_000 }, () => {
  const harness = usePostgresHandlerHarness({ dumpBeforeAll: '20260301T020000Z-e0e0e0e0' });
  const executionId = 'verify-backup-execution-1';
  const verify = (runId: string, dump = harness.takenDump()) =>
    handler({ plan: planWithDump(runId, dump), executionId }, lambdaContext());
  const scratchOf = (runId: string) => `${scratchDatabaseName(runId)}_${executionTag(executionId)}`;

  it('restores the dump into a scratch database, finds the dump-time row counts and drops the database', async () => {
    const runId = '20260301T020000Z-e0e0e0e1';

    const check = await verify(runId);

    expect(check).toEqual({
      status: 'MATCH',
      detail: `prefect: 6 tables restored into ${scratchOf(runId)} with the dump's row counts`,
      reasons: [],
    });
    expect(await harness.databaseExists(scratchOf(runId))).toBe(false);
  });

  it('fails with DumpChecksumMismatchError, restoring nothing, when the dump changed after it was taken', async () => {
    const runId = '20260301T020000Z-e0e0e0e2';
    const dump = harness.takenDump();
    const tampered = await readObject(harness.s3(), BACKUP_BUCKET, dump.key);
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 0x01;
    const key = 'postgres/prefect/tampered.dump';
    await putObjects(harness.s3(), BACKUP_BUCKET, {
      [key]: tampered,
      [`${key}.json`]: await readObject(harness.s3(), BACKUP_BUCKET, `${dump.key}.json`),
    });

    await expectFailure(verify(runId, { ...dump, key }), 'DumpChecksumMismatchError');

    expect(await harness.databaseExists(scratchOf(runId))).toBe(false);
  });

  it('refuses a plan whose PostgreSQL check does not apply, saying why', async () => {
    await expectFailure(
      handler({ plan: verificationPlan(), executionId }, lambdaContext()),
      'InvalidInputError',
      'the plan has no PostgreSQL check to run: not requested (includePostgres is false)',
    );
  });

  it('refuses an event whose plan lacks its manifest, naming the field', async () => {
    const { manifestKey: _, ...plan } = planWithDump('20260301T020000Z-e0e0e0e3', harness.takenDump());

    await expectFailure(
      handler({ plan, executionId }, lambdaContext()),
      'InvalidInputError',
      'plan.manifestKey',
    );
  });

  itRefusesEnvironment('CLUSTER_NAME', undefined, () => verify('20260301T020000Z-e0e0e0e4'));
});
