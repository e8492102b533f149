import { describe, expect, it } from 'vitest';
import {
  planPostgresCheck,
  type RestoreDump,
  verifyPostgresDump,
} from '../../../../../functions/core/backup/verify/postgres.ts';
import { executionTag } from '../../../../../functions/core/postgres/execution-names.ts';
import type { PgRestoreJobSpec, RestoreResult } from '../../../../../functions/core/postgres/index.ts';

const recorded = {
  state: 'COMPLETED',
  bucket: 'lakehouse-backup',
  key: 'postgres/prefect/r.dump',
  database: 'prefect',
};
const settings = { namespace: 'lakehouse-ops', connection: { host: 'pg', user: 'postgres' } };
const runId = '20260301T000000Z-0a1b2c3d';

function restoringWith(comparison: RestoreResult['comparison'], specs: PgRestoreJobSpec[]): RestoreDump {
  return async (spec) => {
    specs.push(spec);
    return { comparison } as RestoreResult;
  };
}

describe('planPostgresCheck', () => {
  it('applies to a completed dump and says why not otherwise', () => {
    expect(planPostgresCheck(recorded, true)).toMatchObject({
      applicable: true,
      dump: { key: recorded.key },
    });
    expect(planPostgresCheck(recorded, false)).toEqual({
      applicable: false,
      detail: 'not requested (includePostgres is false)',
    });
    expect(planPostgresCheck({ state: 'FAILED' }, true).detail).toContain(
      'did not complete (state "FAILED")',
    );
    expect(planPostgresCheck(null, true).detail).toBe('the manifest records no PostgreSQL dump for this run');
  });
});

describe('verifyPostgresDump', () => {
  it('restores into a scratch database dropped after counting, MATCH when the counts agree', async () => {
    const specs: PgRestoreJobSpec[] = [];
    const dump = planPostgresCheck(recorded, true).dump!;
    const check = await verifyPostgresDump(
      restoringWith({ verdict: 'MATCH', tables: 3, reasons: [] }, specs),
      settings,
      { dump, runId, executionId: 'verify-1' },
    );
    expect(check.status).toBe('MATCH');
    const tag = executionTag('verify-1');
    expect(specs[0]).toMatchObject({
      name: `pg-verify-20260301t000000z-0a1b2c3d-${tag}`,
      targetDatabase: `verify_20260301t000000z_0a1b2c3d_${tag}`,
      dropAfterCounting: true,
      source: { bucket: recorded.bucket, key: recorded.key },
    });
  });

  it('is a MISMATCH with the differing tables as reasons', async () => {
    const reasons = ['public.flow_run: 240 rows at dump time, 239 restored'];
    const dump = planPostgresCheck(recorded, true).dump!;
    const check = await verifyPostgresDump(
      restoringWith({ verdict: 'MISMATCH', tables: 3, reasons }, []),
      settings,
      { dump, runId, executionId: 'verify-1' },
    );
    expect(check).toMatchObject({ status: 'MISMATCH', reasons });
  });

  it('gives a later verification of the same run its own Job and scratch database', async () => {
    const specs: PgRestoreJobSpec[] = [];
    const dump = planPostgresCheck(recorded, true).dump!;
    const restore = restoringWith({ verdict: 'MATCH', tables: 3, reasons: [] }, specs);
    for (const executionId of ['verify-1', 'verify-1', 'verify-2']) {
      await verifyPostgresDump(restore, settings, { dump, runId, executionId });
    }
    // A retried Lambda of one execution re-attaches to its Job; another execution restores afresh.
    expect(specs[0]?.name).toBe(specs[1]?.name);
    expect(specs[2]?.name).not.toBe(specs[0]?.name);
    expect(specs[2]?.targetDatabase).not.toBe(specs[0]?.targetDatabase);
    for (const spec of specs) expect(spec.name.length).toBeLessThanOrEqual(63);
  });
});
