import * as z from 'zod/mini';
import { nonEmptyString } from '../../commons/schemas.ts';
import { RUN_ID_PATTERN } from './layout.ts';

/** Request fields verify-backup and restore share: which bucket's backup, and which run of it. */
export const bucketNameSchema = () =>
  nonEmptyString().check(
    z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3-63 of a-z, 0-9, ".", "-")'),
  );
export const runIdSchema = () =>
  nonEmptyString().check(
    z.regex(RUN_ID_PATTERN, 'expected a backup run id such as "20260101T000000123Z-0a1b2c3d"'),
  );

/**
 * The verify-backup workflow input (also the CLI's and the runbook's schema). Operators type it in
 * the console, so unknown keys are rejected: `{"shares": 1}` must not quietly check 5 %.
 */
export const verifyBackupRequestSchema = z.strictObject({
  sourceBucket: bucketNameSchema(),
  /** The backup run to verify; the newest complete one when left out. */
  runId: z.optional(runIdSchema()),
  /** Share of the live objects re-read and checksummed (1 = all of them). */
  share: z._default(z.number().check(z.gte(0), z.lte(1)), 0.05),
  /** At least this many objects are checked (all of them when the backup holds fewer). */
  minimum: z._default(z.number().check(z.int(), z.gte(0)), 20),
  /** Restore the run's PostgreSQL dump into a scratch database and compare row counts. */
  includePostgres: z._default(z.boolean(), true),
  /** Picks the sample; the run id when left out, so each backup gets its own sample. */
  seed: z.optional(nonEmptyString()),
  requestedBy: z._default(nonEmptyString(), 'console'),
});
export type VerifyBackupInput = z.input<typeof verifyBackupRequestSchema>;
export type VerifyBackupRequest = z.output<typeof verifyBackupRequestSchema>;
