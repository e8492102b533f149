import * as z from 'zod/mini';
import { type PgRestoreJobSpec, type RestoreResult, scratchDatabaseName } from '../../postgres/index.ts';

/**
 * The PostgreSQL half of verify-backup: the dump recorded in the manifest header is restored into
 * a scratch database (dropped once counted) by functions/core/postgres, and its row counts are
 * compared with the dump's. A manifest without a completed dump makes the check NOT_APPLICABLE,
 * said so in the verdict rather than passed.
 */

export const POSTGRES_CHECK_STATUSES = ['MATCH', 'MISMATCH', 'NOT_APPLICABLE', 'SKIPPED', 'ERROR'] as const;

export const postgresCheckSchema = z.object({
  status: z.enum(POSTGRES_CHECK_STATUSES),
  detail: z.string(),
  reasons: z.array(z.string()),
});
export type PostgresCheck = z.output<typeof postgresCheckSchema>;

export const dumpLocationSchema = z.object({
  bucket: z.string(),
  key: z.string(),
  database: z.string(),
});
export type DumpLocation = z.output<typeof dumpLocationSchema>;

/** What the plan says about the PostgreSQL check, before it runs. */
export const postgresPlanSchema = z.object({
  applicable: z.boolean(),
  detail: z.string(),
  dump: z.optional(dumpLocationSchema),
});
export type PostgresPlan = z.output<typeof postgresPlanSchema>;

/** A completed dump as the backup workflow records it in the manifest header (DumpPostgres). */
const recordedDumpSchema = z.looseObject({
  state: z.literal('COMPLETED'),
  bucket: z.string().check(z.minLength(1)),
  key: z.string().check(z.minLength(1)),
  database: z.string().check(z.minLength(1)),
});

export function recordedDump(postgres: Record<string, unknown> | null): DumpLocation | undefined {
  const parsed = z.safeParse(recordedDumpSchema, postgres);
  return parsed.success
    ? { bucket: parsed.data.bucket, key: parsed.data.key, database: parsed.data.database }
    : undefined;
}

export function planPostgresCheck(
  postgres: Record<string, unknown> | null,
  includePostgres: boolean,
): PostgresPlan {
  if (!includePostgres) return { applicable: false, detail: 'not requested (includePostgres is false)' };
  const dump = recordedDump(postgres);
  if (!dump) {
    return {
      applicable: false,
      detail:
        postgres === null
          ? 'the manifest records no PostgreSQL dump for this run'
          : `the manifest's PostgreSQL dump did not complete (state ${JSON.stringify(postgres.state)})`,
    };
  }
  return { applicable: true, detail: `restore ${dump.bucket}/${dump.key} into a scratch database`, dump };
}

/** The check's status when the plan says it does not apply (the workflow's Pass state mirrors it). */
export function notApplicable(plan: PostgresPlan): PostgresCheck {
  return { status: 'NOT_APPLICABLE', detail: plan.detail, reasons: [] };
}

/** The pg_restore Job settings that come from the environment (cluster, connection, identity). */
export type RestoreJobSettings = Omit<
  PgRestoreJobSpec,
  'name' | 'source' | 'targetDatabase' | 'dropAfterCounting'
>;

export type RestoreDump = (spec: PgRestoreJobSpec) => Promise<RestoreResult>;

/** The pg_restore Job of a verification: named after the run, so a retried Lambda re-attaches. */
export function verificationJobSpec(
  settings: RestoreJobSettings,
  dump: DumpLocation,
  runId: string,
): PgRestoreJobSpec {
  return {
    ...settings,
    name: `pg-verify-${runId.toLowerCase()}`,
    source: { bucket: dump.bucket, key: dump.key },
    targetDatabase: scratchDatabaseName(runId),
    dropAfterCounting: true,
  };
}

export async function verifyPostgresDump(
  restore: RestoreDump,
  settings: RestoreJobSettings,
  { dump, runId }: { dump: DumpLocation; runId: string },
): Promise<PostgresCheck> {
  const spec = verificationJobSpec(settings, dump, runId);
  const { comparison } = await restore(spec);
  return comparison.verdict === 'MATCH'
    ? {
        status: 'MATCH',
        detail: `${dump.database}: ${comparison.tables} tables restored into ${spec.targetDatabase} with the dump's row counts`,
        reasons: [],
      }
    : {
        status: 'MISMATCH',
        detail: `${dump.database}: the restored row counts differ from the dump's`,
        reasons: comparison.reasons,
      };
}
