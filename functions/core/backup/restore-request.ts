import * as z from 'zod/mini';
import { nonEmptyString } from '../../commons/schemas.ts';
import { databaseNameSchema } from '../postgres/job-spec.ts';
import { bucketNameSchema, runIdSchema } from './verify-request.ts';

/**
 * The restore workflow input (also the CLI's and the runbook's schema). Unknown keys are rejected:
 * a mistyped `"dryrun": false` must not be read as a real restore.
 *
 * `dryRun` defaults to true: restore is started by hand from the console, and writing into MinIO
 * should take a deliberate `"dryRun": false` after reading what the dry run listed.
 */
export const restoreRequestSchema = z
  .strictObject({
    sourceBucket: bucketNameSchema(),
    /** The backup run to restore from; the newest complete one when left out. */
    runId: z.optional(runIdSchema()),
    /** Only keys starting with this ('' = the whole bucket). */
    prefix: z._default(z.string(), ''),
    /** Where to write; the original bucket when left out. Created if it does not exist. */
    targetBucket: z.optional(bucketNameSchema()),
    dryRun: z._default(z.boolean(), true),
    /**
     * false restores only the PostgreSQL dump (`postgresDatabase` is then required, and `prefix` and
     * `targetBucket` must be left out); `sourceBucket` still names the backup run that recorded it.
     */
    restoreObjects: z._default(z.boolean(), true),
    /** Also restore the run's PostgreSQL dump into this database, which must not exist yet. */
    postgresDatabase: z.optional(databaseNameSchema),
    /** Who asked for the restore; recorded in the audit trail. */
    requestedBy: nonEmptyString(),
  })
  .check(
    z.refine((request) => request.restoreObjects || request.postgresDatabase !== undefined, {
      message: 'restoreObjects is false and no postgresDatabase is given: nothing to restore',
      path: ['postgresDatabase'],
    }),
    z.refine(
      (request) => request.restoreObjects || (request.prefix === '' && request.targetBucket === undefined),
      {
        message: 'prefix and targetBucket select objects, but restoreObjects is false: leave them out',
        path: ['restoreObjects'],
      },
    ),
  );
export type RestoreInput = z.input<typeof restoreRequestSchema>;
export type RestoreRequest = z.output<typeof restoreRequestSchema>;
