import { InvalidInputError } from '../../commons/errors.ts';
import { sidecarKeyFor } from '../postgres/manifests.ts';
import type { DestinationDependencies } from './dependencies.ts';
import {
  dumpKey,
  dumpPrefix,
  MANIFESTS_PREFIX,
  runIdOfDumpKey,
  runIdOfManifestKey,
  runStartedAt,
} from './layout.ts';
import { listObjects } from './listing.ts';
import { deleteKeys } from './s3-calls.ts';

/**
 * Retention of the PostgreSQL dumps (docs/backup.md, "Retention of the PostgreSQL dumps"): the
 * dumps of `postgres/<database>/` follow the same rule as the manifests. A dump is kept while its
 * run is younger than the retention; the newest complete dump (one with its sidecar) is always
 * kept; and so is the dump of every source bucket's newest manifest, which prune-backups keeps
 * whatever its age. A dump and the manifests of the same backup execution share its run id (the
 * workflow passes `$.request.runId` to DumpPostgres and to every bucket's run), so the run id is
 * the link: no manifest has to be read. Everything of a dropped run goes: the dump, its sidecar
 * and the restore reports written next to it. Keys that are not `<runId>.dump...` are never touched.
 */
export interface DumpRetentionOptions {
  readonly database: string;
  readonly retentionDays: number;
  readonly now: Date;
}

export interface DumpRetentionResult {
  readonly database: string;
  readonly keptRunIds: string[];
  readonly deletedRunIds: string[];
  readonly deletedObjects: number;
  /** Runs kept past the retention because a bucket's newest manifest belongs to them. */
  readonly pinnedRunIds: string[];
}

const DAY_MS = 86_400_000;

export async function pruneDumps(
  deps: DestinationDependencies,
  options: DumpRetentionOptions,
): Promise<DumpRetentionResult> {
  const { database, retentionDays, now } = options;
  if (!(retentionDays >= 0)) {
    throw new InvalidInputError(`retentionDays must be a non-negative number, got ${retentionDays}`, {
      retentionDays,
    });
  }
  const runs = await dumpRuns(deps, database);
  const pinned = await newestManifestRunIds(deps);
  const newestComplete = [...runs]
    .filter(([, run]) => run.complete)
    .map(([runId]) => runId)
    .sort()
    .at(-1);
  const cutoff = now.getTime() - retentionDays * DAY_MS;

  const kept: string[] = [];
  const deleted: string[] = [];
  const pinnedRunIds: string[] = [];
  const doomedKeys: string[] = [];
  for (const [runId, run] of [...runs].sort(([left], [right]) => left.localeCompare(right))) {
    const young = runStartedAt(runId).getTime() >= cutoff;
    if (young || runId === newestComplete) {
      kept.push(runId);
    } else if (pinned.has(runId)) {
      kept.push(runId);
      pinnedRunIds.push(runId);
    } else {
      deleted.push(runId);
      doomedKeys.push(...run.keys);
    }
  }
  for (let start = 0; start < doomedKeys.length; start += 1000) {
    await deleteKeys(
      deps.destination,
      deps.destinationBucket,
      doomedKeys.slice(start, start + 1000),
      deps.retry,
    );
  }
  const result = {
    database,
    keptRunIds: kept,
    deletedRunIds: deleted,
    deletedObjects: doomedKeys.length,
    pinnedRunIds,
  };
  deps.logger?.info('postgres dumps pruned', { ...result });
  return result;
}

interface DumpRun {
  complete: boolean;
  keys: string[];
}

/** The objects of a database's dumps grouped by their run (`<runId>.dump...`). */
async function dumpRuns(deps: DestinationDependencies, database: string): Promise<Map<string, DumpRun>> {
  const runs = new Map<string, DumpRun>();
  const listing = listObjects(deps.destination, deps.destinationBucket, {
    prefix: dumpPrefix(database),
    retry: deps.retry,
    checkOrder: false,
  });
  for await (const object of listing) {
    const runId = runIdOfDumpKey(database, object.key);
    if (!runId) continue;
    const run = runs.get(runId) ?? { complete: false, keys: [] };
    run.keys.push(object.key);
    runs.set(runId, run);
  }
  // Complete means the dump and its sidecar (uploaded last) are both there.
  for (const [runId, run] of runs) {
    const dump = dumpKey(database, runId);
    run.complete = run.keys.includes(dump) && run.keys.includes(sidecarKeyFor(dump));
  }
  return runs;
}

/** The run id of the newest manifest of every source bucket that has one (listed, not read). */
async function newestManifestRunIds(deps: DestinationDependencies): Promise<Set<string>> {
  const newestByBucket = new Map<string, string>();
  const listing = listObjects(deps.destination, deps.destinationBucket, {
    prefix: MANIFESTS_PREFIX,
    retry: deps.retry,
    checkOrder: false,
  });
  for await (const object of listing) {
    const bucket = object.key.slice(MANIFESTS_PREFIX.length).split('/')[0] ?? '';
    const runId = bucket === '' ? undefined : manifestRunId(bucket, object.key);
    if (runId && runId > (newestByBucket.get(bucket) ?? '')) newestByBucket.set(bucket, runId);
  }
  return new Set(newestByBucket.values());
}

function manifestRunId(bucket: string, key: string): string | undefined {
  try {
    return runIdOfManifestKey(bucket, key);
  } catch {
    return undefined; // not a bucket name: not a manifest of ours
  }
}
