import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { DestinationDependencies } from './dependencies.ts';
import { isRunId, runKeys, runsPrefix } from './layout.ts';
import { defaultRetryPolicy, withRetries } from './retry.ts';
import { deletePrefix } from './s3-calls.ts';

/**
 * The work files of unfinished runs (runs/<bucket>/<runId>/). A run that commits its manifest
 * deletes its own; one that failed leaves them, which tells the next run that objects may already
 * sit in the backup without a manifest naming them (so it checks before copying), and the next
 * run that commits clears them.
 */

/** Run ids with work files in the backup bucket, oldest first (at most 1000: enough to decide). */
export async function unfinishedRunIds(
  deps: DestinationDependencies,
  sourceBucket: string,
): Promise<string[]> {
  const prefix = runsPrefix(sourceBucket);
  const page = await withRetries(
    `ListObjectsV2 ${deps.destinationBucket}/${prefix}`,
    () =>
      deps.destination.send(
        new ListObjectsV2Command({ Bucket: deps.destinationBucket, Prefix: prefix, Delimiter: '/' }),
      ),
    deps.retry ?? defaultRetryPolicy,
  );
  return (page.CommonPrefixes ?? [])
    .map((common) => (common.Prefix ?? '').slice(prefix.length, -1))
    .filter(isRunId)
    .sort();
}

/**
 * Deletes the work files of `runId` and of every other unfinished run of the bucket: `runId`'s
 * manifest supersedes them. Safe because the bucket's backup lock is held while a run commits, so
 * no other run of the bucket is in flight (a dry run writes no files). Returns how many went.
 */
export async function clearRunFiles(
  deps: DestinationDependencies,
  sourceBucket: string,
  runId: string,
  unfinished: readonly string[],
): Promise<number> {
  let deleted = 0;
  for (const run of new Set([...unfinished, runId])) {
    const { prefix } = runKeys(sourceBucket, run);
    deleted += await deletePrefix(deps.destination, deps.destinationBucket, prefix, deps.retry);
  }
  return deleted;
}
