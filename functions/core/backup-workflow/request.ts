import * as z from 'zod/mini';
import { InvalidInputError } from '../../commons/errors.ts';
import { parseOrThrow } from '../../commons/schema-problems.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import { assertBucketName, newRunId } from '../backup/layout.ts';

/**
 * The backup workflow input. Operators type it in the console, so unknown keys are rejected
 * (`{"dryrun": true}` must not start a real backup). `buckets` defaults to the environment's list.
 */
export const backupWorkflowInputSchema = z.strictObject({
  buckets: z.optional(
    z
      .array(
        nonEmptyString().check(
          z.regex(
            /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
            'expected an S3 bucket name (3-63 of a-z, 0-9, ".", "-")',
          ),
        ),
      )
      .check(
        z.minLength(1, 'expected at least one bucket (leave "buckets" out to back up the default list)'),
      ),
  ),
  /** Plan only: list what would be copied, copy and delete nothing, start no volume backup. */
  dryRun: z._default(z.boolean(), false),
  requestedBy: z._default(nonEmptyString(), 'console'),
});
export type BackupWorkflowInput = z.input<typeof backupWorkflowInputSchema>;

/** The validated request the rest of the workflow reads from $.request. */
export interface BackupRequest {
  buckets: string[];
  dryRun: boolean;
  requestedBy: string;
  /** One id for the whole execution; each bucket's run lives under runs/<bucket>/<runId>/. */
  runId: string;
  startedAt: string;
}

/** A comma-separated list from an environment variable (`"a, b"`); an empty one is refused. */
export function parseCommaList(value: string, what: string): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) {
    throw new InvalidInputError(`the ${what} ${JSON.stringify(value)} is empty`, { value });
  }
  return items;
}

/** The default bucket list of the environment (BACKUP_SOURCE_BUCKETS). */
export function parseBucketList(value: string): string[] {
  return parseCommaList(value, 'bucket list').map((bucket) => assertBucketName(bucket));
}

export function buildBackupRequest(
  input: unknown,
  defaultBuckets: readonly string[],
  now: Date,
): BackupRequest {
  const parsed = parseOrThrow(
    backupWorkflowInputSchema,
    input ?? {},
    (problems) =>
      new InvalidInputError(`invalid backup workflow input: ${problems.join('; ')}`, { problems }),
  );
  const buckets = [...new Set(parsed.buckets ?? defaultBuckets)];
  return {
    buckets,
    dryRun: parsed.dryRun,
    requestedBy: parsed.requestedBy,
    runId: newRunId(now),
    startedAt: now.toISOString(),
  };
}
