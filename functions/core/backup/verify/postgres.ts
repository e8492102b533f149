import * as z from 'zod/mini';
import { executionTag } from '../../postgres/execution-names.ts';
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

/** Which verification: the backup run it checks and the verify-backup execution checking it. */
export interface Verification {
  readonly dump: DumpLocation;
  readonly runId: string;
  readonly executionId: string;
}

/**
 * The pg_restore Job of a verification and its scratch database, named after the run and the
 * execution (execution-names.ts): a retried Lambda re-attaches to its Job, and a later
 * verify-backup of the same run restores afresh instead of reading an earlier execution's result.
 */
export function verificationJobSpec(
  settings: RestoreJobSettings,
  { dump, runId, executionId }: Verification,
): PgRestoreJobSpec {
  const tag = executionTag(executionId);
  return {
    ...settings,
    name: `pg-verify-${runId.toLowerCase()}-${tag}`,
    source: { bucket: dump.bucket, key: dump.key },
    targetDatabase: `${scratchDatabaseName(runId)}_${tag}`,
    dropAfterCounting: true,
  };
}

export async function verifyPostgresDump(
  restore: RestoreDump,
  settings: RestoreJobSettings,
  verification: Verification,
): Promise<PostgresCheck> {
  const { dump } = verification;
  const spec = verificationJobSpec(settings, verification);
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
