import * as z from 'zod/mini';
import { nonEmptyString } from '../../commons/schemas.ts';

/** What each step of one bucket's run receives: the bucket, the execution's run id, the lock owner. */
export const bucketRunSchema = z.looseObject({
  bucket: nonEmptyString(),
  runId: nonEmptyString(),
  /** The execution name: the lock's owner, so a retried step re-acquires its own lease. */
  owner: nonEmptyString(),
  /** The execution's dry run flag: the plan then counts and writes nothing. */
  dryRun: z.optional(z.boolean()),
  /** The execution's PostgreSQL dump (DumpPostgres), recorded in each manifest header when it completed. */
  postgres: z.optional(z.looseObject({ state: z.string() })),
});

/** The dump to record in a manifest header: only a completed one. */
export function completedDump(run: BucketRun): Record<string, unknown> | null {
  return run.postgres?.state === 'COMPLETED' ? run.postgres : null;
}
export type BucketRun = z.output<typeof bucketRunSchema>;

/** The lock scope of backup runs: one lease per source bucket. */
export const BACKUP_LOCK_SCOPE = 'backup';
