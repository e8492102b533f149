import { InvalidInputError } from '../../commons/errors.ts';
import type { DestinationDependencies } from './dependencies.ts';
import { assertBucketName, dataPrefix, manifestKey, runStartedAt } from './layout.ts';
import { listObjects } from './listing.ts';
import { listManifestRunIds, readManifest } from './manifest.ts';
import { deleteKeys } from './s3-calls.ts';

export interface PruneOptions {
  sourceBucket: string;
  retentionDays: number;
  now: Date;
  /**
   * Upper bound on the distinct data objects the kept manifests may reference. The referenced set is
   * held in memory (about 150 bytes per key in V8), so the default 2,000,000 keeps it near 300 MB;
   * above it prune refuses instead of exhausting the Lambda's memory.
   */
  maxReferencedObjects?: number;
}

export interface PruneResult {
  sourceBucket: string;
  keptRunIds: string[];
  deletedRunIds: string[];
  deletedDataObjects: number;
  /** Unreferenced copies newer than the newest kept manifest: kept for a run that may be retried. */
  keptUnreferenced: number;
}

const DAY_MS = 86_400_000;
const DELETE_BATCH = 1000;

/**
 * docs/backup.md step 5. Keeps every manifest younger than the retention and always the newest
 * complete one; deletes the others, then the data objects no kept manifest references. A copy that
 * is newer than the newest kept manifest is never deleted: it belongs to a run that failed or is
 * still going, and its re-run will reuse it.
 */
export async function pruneBackups(
  deps: DestinationDependencies,
  options: PruneOptions,
): Promise<PruneResult> {
  const sourceBucket = assertBucketName(options.sourceBucket);
  if (!(options.retentionDays >= 0)) {
    throw new InvalidInputError(`retentionDays must be a non-negative number, got ${options.retentionDays}`, {
      retentionDays: options.retentionDays,
    });
  }
  const maxReferenced = options.maxReferencedObjects ?? 2_000_000;
  const runIds = await listManifestRunIds(deps, sourceBucket);
  const newest = runIds.at(-1);
  const cutoff = options.now.getTime() - options.retentionDays * DAY_MS;
  const kept = runIds.filter((runId) => runId === newest || runStartedAt(runId).getTime() >= cutoff);
  const expired = runIds.filter((runId) => !kept.includes(runId));
  const result: PruneResult = {
    sourceBucket,
    keptRunIds: kept,
    deletedRunIds: expired,
    deletedDataObjects: 0,
    keptUnreferenced: 0,
  };
  if (!newest) return result;

  // Read every kept manifest completely (checksums verified) before deleting anything.
  const referenced = new Set<string>();
  for (const runId of kept) {
    for await (const entry of (await readManifest(deps, { sourceBucket, runId })).entries) {
      referenced.add(entry.destKey);
      if (referenced.size > maxReferenced) {
        throw new InvalidInputError(
          `the kept manifests of ${sourceBucket} reference more than ${maxReferenced} objects; raise maxReferencedObjects (and the Lambda's memory)`,
          { sourceBucket, maxReferenced },
        );
      }
    }
  }

  await deleteKeys(
    deps.destination,
    deps.destinationBucket,
    expired.map((runId) => manifestKey(sourceBucket, runId)),
    deps.retry,
  );

  const newestStarted = runStartedAt(newest).getTime();
  let pending: string[] = [];
  const flush = async () => {
    await deleteKeys(deps.destination, deps.destinationBucket, pending, deps.retry);
    result.deletedDataObjects += pending.length;
    pending = [];
  };
  const listing = listObjects(deps.destination, deps.destinationBucket, {
    prefix: dataPrefix(sourceBucket),
    retry: deps.retry,
    checkOrder: false,
  });
  for await (const object of listing) {
    if (referenced.has(object.key)) continue;
    if (Date.parse(object.lastModified) >= newestStarted) {
      result.keptUnreferenced += 1;
      continue;
    }
    pending.push(object.key);
    if (pending.length >= DELETE_BATCH) await flush();
  }
  await flush();
  deps.logger?.info('backups pruned', { ...result });
  return result;
}
