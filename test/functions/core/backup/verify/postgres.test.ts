import { describe, expect, it } from 'vitest';
import {
  planPostgresCheck,
  type RestoreDump,
  verifyPostgresDump,
} from '../../../../../functions/core/backup/verify/postgres.ts';
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
      {
        dump,
        runId,
      },
    );
    expect(check.status).toBe('MATCH');
    expect(specs[0]).toMatchObject({
      name: 'pg-verify-20260301t000000z-0a1b2c3d',
      targetDatabase: 'verify_20260301t000000z_0a1b2c3d',
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
      {
        dump,
        runId,
      },
    );
    expect(check).toMatchObject({ status: 'MISMATCH', reasons });
  });
});
