import { ManifestNotFoundError, UnknownBucketError } from '../../../commons/errors.ts';
import type { BackupDependencies } from '../dependencies.ts';
import { assertBucketName, assertRunId, manifestPrefix } from '../layout.ts';
import { listManifestRunIds } from '../manifest.ts';

/** How many run ids a ManifestNotFoundError suggests. */
const SUGGESTED_RUNS = 5;

/**
 * The run id of the backup to verify or restore: the requested one, or the newest complete one.
 * A bucket with no manifest at all is an UnknownBucketError (nothing of it was ever backed up); a
 * run that does not exist names the newest ones that do.
 */
export async function restorePointOf(
  deps: Pick<BackupDependencies, 'destination' | 'destinationBucket' | 'retry'>,
  sourceBucket: string,
  runId?: string,
): Promise<string> {
  assertBucketName(sourceBucket);
  if (runId !== undefined) assertRunId(runId);
  const runIds = await listManifestRunIds(deps, sourceBucket);
  const newest = runIds.at(-1);
  if (newest === undefined) {
    throw new UnknownBucketError(
      `no backup of bucket ${JSON.stringify(sourceBucket)} exists: ${deps.destinationBucket}/${manifestPrefix(sourceBucket)} holds no complete manifest (check the bucket name, or run the backup workflow first)`,
      { sourceBucket, backupBucket: deps.destinationBucket },
    );
  }
  if (runId === undefined) return newest;
  if (runIds.includes(runId)) return runId;
  const recent = runIds.slice(-SUGGESTED_RUNS).reverse();
  throw new ManifestNotFoundError(
    `bucket ${sourceBucket} has no complete backup run ${runId}; the newest are ${recent.join(', ')}`,
    { sourceBucket, runId, recent },
  );
}
