import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import {
  EmptyBackupError,
  InvalidInputError,
  RestoreConflictError,
  RestoreIncompleteError,
} from '../../commons/errors.ts';
import type { BackupDependencies } from './dependencies.ts';
import { assertBucketName, compareKeys, manifestKey } from './layout.ts';
import { type ManifestEntry, type ManifestHeader, readManifest } from './manifest.ts';
import { type TargetState, targetStateOf } from './restore/target-state.ts';
import { writeRestoredObject } from './restore/write-object.ts';
import type { RestoreRequest } from './restore-request.ts';
import { defaultRetryPolicy, withRetries } from './retry.ts';
import { isNotFound } from './s3-calls.ts';
import { type DumpLocation, recordedDump } from './verify/postgres.ts';
import { restorePointOf } from './verify/restore-point.ts';
import { forEachConcurrent } from './verify/stream-concurrency.ts';

/**
 * restore (issue 3): writes a bucket, or a prefix of it, back into MinIO as one backup run saw it.
 *
 * `deps.source` is MinIO, the restore's target; `deps.destination` the backup bucket it reads.
 * The selection is the run's live (not deleted) entries under the prefix. Safety, in order:
 * 1. planRestore: compares the selection with the target as the real run will (compareWithTarget)
 *    and lists what would be written, what is already there (skipped) and the conflicts (which
 *    refuse a real run); writes nothing. The dry run is this plan.
 * 2. preflightRestore: the same comparison again right before writing; any different object is a
 *    RestoreConflictError listing the keys, before anything is written. The pass also reads the
 *    manifest to its end, so its checksum is proven before the first write.
 * 3. restoreObjects: a second pass writes each missing object, verifies it after writing, and
 *    re-checks the target first (an object that appeared since the preflight is never overwritten).
 */

export interface RestoreItem {
  key: string;
  size: number;
  sha256: string;
}

export interface RestoreSelection {
  sourceBucket: string;
  runId: string;
  prefix: string;
  targetBucket: string;
}

/** The selection compared with the target, key by key. */
export interface TargetComparison {
  /** Live objects in the selection. */
  objects: number;
  bytes: number;
  /** Missing in the target: the restore writes them. */
  toWrite: number;
  bytesToWrite: number;
  /** The first `listLimit` objects that would be written (all of them unless `truncated`). */
  items: RestoreItem[];
  truncated: boolean;
  /** Already in the target with the same content: skipped. */
  identical: { objects: number; keys: { key: string }[] };
  /** The target holds different data under these keys: a real restore is refused. */
  conflicts: { objects: number; keys: { key: string; reason: string }[] };
}

export interface RestorePlan extends RestoreSelection, TargetComparison {
  manifestKey: string;
  /** False for a restore of the PostgreSQL dump only (then no object is compared or written). */
  restoreObjects: boolean;
  /** False when the restore would create the target bucket. */
  targetExists: boolean;
  postgres: { dump: DumpLocation; targetDatabase: string } | null;
  dryRun: boolean;
  requestedBy: string;
}

export interface RestoreReport extends RestoreSelection {
  written: number;
  skipped: number;
  bytes: number;
  verified: number;
  failed: number;
  failures: { key: string; reason: string }[];
  createdBucket: boolean;
}

/** Conflicts, skipped keys and failures named in plans, errors and reports; the counts cover all. */
const MAX_NAMED_KEYS = 50;

type Deps = BackupDependencies;

/**
 * The dry run: the selection compared with the target. A plan with conflicts is returned, not
 * thrown, so the dry run shows them; the real run's preflight refuses them before writing.
 */
export async function planRestore(
  deps: Deps,
  request: RestoreRequest,
  { listLimit = 1000, concurrency = 16 }: { listLimit?: number; concurrency?: number } = {},
): Promise<RestorePlan> {
  const selection = await selectionOf(deps, request);
  const targetExists = request.restoreObjects && (await bucketExists(deps, selection.targetBucket));
  const { header, comparison } = request.restoreObjects
    ? await compareWithTarget(deps, selection, { targetExists, listLimit, concurrency })
    : // Read to its end all the same: the dump's location is trusted only once the checksum is.
      { header: await forEachSelected(deps, selection, async () => {}), comparison: nothingCompared() };
  return {
    ...selection,
    manifestKey: manifestKey(selection.sourceBucket, selection.runId),
    restoreObjects: request.restoreObjects,
    targetExists,
    ...comparison,
    postgres: postgresRestoreOf(header, selection, request.postgresDatabase),
    dryRun: request.dryRun,
    requestedBy: request.requestedBy,
  };
}

/** The run to restore from (the newest by default) and where to write. */
export async function selectionOf(
  deps: Deps,
  request: Pick<RestoreRequest, 'sourceBucket' | 'runId' | 'prefix' | 'targetBucket'>,
): Promise<RestoreSelection> {
  const runId = await restorePointOf(deps, request.sourceBucket, request.runId);
  return {
    sourceBucket: request.sourceBucket,
    runId,
    prefix: request.prefix,
    targetBucket: assertBucketName(request.targetBucket ?? request.sourceBucket, 'target bucket'),
  };
}

/**
 * Compares every selected object with the target (HEAD, and a hash only when neither the sha256
 * metadata nor the ETag decides). An empty selection is an EmptyBackupError. A target bucket that
 * does not exist holds nothing, so it is not asked.
 */
export async function compareWithTarget(
  deps: Deps,
  selection: RestoreSelection,
  {
    targetExists = true,
    listLimit = 0,
    concurrency = 16,
  }: { targetExists?: boolean; listLimit?: number; concurrency?: number } = {},
): Promise<{ header: ManifestHeader; comparison: TargetComparison }> {
  const comparison = nothingCompared();
  const header = await forEachSelected(
    deps,
    selection,
    async (entry) => {
      comparison.objects += 1;
      comparison.bytes += entry.size;
      const state: TargetState = targetExists
        ? await targetStateOf(deps, selection.targetBucket, entry)
        : { kind: 'missing' };
      if (state.kind === 'missing') {
        comparison.toWrite += 1;
        comparison.bytesToWrite += entry.size;
        keepFirst(comparison.items, { key: entry.key, size: entry.size, sha256: entry.sha256 }, listLimit);
      } else if (state.kind === 'same') {
        comparison.identical.objects += 1;
        keepFirst(comparison.identical.keys, { key: entry.key }, MAX_NAMED_KEYS);
      } else {
        comparison.conflicts.objects += 1;
        keepFirst(comparison.conflicts.keys, { key: entry.key, reason: state.reason }, MAX_NAMED_KEYS);
      }
    },
    concurrency,
  );
  if (comparison.objects === 0) throw emptySelection(selection);
  for (const list of [comparison.items, comparison.identical.keys, comparison.conflicts.keys])
    keepFirst(list, undefined, list === comparison.items ? listLimit : MAX_NAMED_KEYS);
  comparison.truncated = comparison.toWrite > comparison.items.length;
  return { header, comparison };
}

/**
 * Keeps the `limit` smallest keys of `list`, in key order once called without `item`. Objects
 * complete out of order under concurrency, so the list grows to twice the limit before it is
 * sorted and cut: bounded memory, and the same first keys whatever the completion order.
 */
function keepFirst<Item extends { key: string }>(list: Item[], item: Item | undefined, limit: number) {
  if (item) list.push(item);
  if (item && list.length < 2 * limit) return;
  list.sort((a, b) => compareKeys(a.key, b.key));
  list.splice(limit);
}

function nothingCompared(): TargetComparison {
  return {
    objects: 0,
    bytes: 0,
    toWrite: 0,
    bytesToWrite: 0,
    items: [],
    truncated: false,
    identical: { objects: 0, keys: [] },
    conflicts: { objects: 0, keys: [] },
  };
}

/** The real run's last look before writing: a RestoreConflictError when anything differs. */
export async function preflightRestore(
  deps: Deps,
  selection: RestoreSelection,
  { concurrency = 16 }: { concurrency?: number } = {},
): Promise<TargetComparison> {
  const { comparison } = await compareWithTarget(deps, selection, { concurrency });
  const { conflicts } = comparison;
  if (conflicts.objects > 0) {
    const named = conflicts.keys.map(({ key, reason }) => `${key}: ${reason}`);
    throw new RestoreConflictError(
      `${selection.targetBucket} already holds different data under ${conflicts.objects} of the keys to restore; nothing was written. Restore into another targetBucket, or move these objects away first: ${named.join('; ')}`,
      { ...selection, conflictCount: conflicts.objects, conflicts: named },
    );
  }
  return comparison;
}

export interface RestoreObjectsOptions {
  concurrency?: number;
  /** Objects up to this size are checked before they are written. Default 64 MiB. */
  wholeObjectBytes?: number;
  /**
   * Asked before each object is started: true when this invocation must stop (a Lambda near its
   * timeout). The objects in flight finish, and the report says where the next one continues.
   */
  shouldStop?: () => boolean;
}

/** What an earlier invocation of the same restore achieved (its report), when this one resumes it. */
export type RestoreProgress = Partial<
  Pick<
    RestoreProgressReport,
    'continueAfter' | 'written' | 'skipped' | 'bytes' | 'verified' | 'failed' | 'failures' | 'createdBucket'
  >
>;

export interface RestoreProgressReport extends RestoreReport {
  /** The last key this invocation handled when it had to stop early; null when the restore is done. */
  continueAfter: string | null;
}

/**
 * Restores the selection in key order. A selection too big for one invocation is restored over
 * several: each stops when `shouldStop` says so and returns `continueAfter`; the next, given that
 * report as `progress`, skips the preflight (the first invocation did it, and proved the manifest's
 * checksum) and continues after that key, adding to the counts. Failed objects are carried; the
 * last invocation throws RestoreIncompleteError if any object was not restored.
 */
export async function restoreObjects(
  deps: Deps,
  request: Pick<RestoreRequest, 'sourceBucket' | 'runId' | 'prefix' | 'targetBucket'> & {
    progress?: RestoreProgress;
  },
  options: RestoreObjectsOptions = {},
): Promise<RestoreProgressReport> {
  const selection = await selectionOf(deps, request);
  const concurrency = options.concurrency ?? 8;
  const resumeAfter = request.progress?.continueAfter ?? undefined;
  let createdBucket = request.progress?.createdBucket ?? false;
  if (resumeAfter === undefined) {
    await preflightRestore(deps, selection, { concurrency });
    createdBucket = await ensureBucket(deps, selection.targetBucket);
  }
  const before = request.progress ?? {};
  const report: RestoreProgressReport = {
    ...selection,
    written: before.written ?? 0,
    skipped: before.skipped ?? 0,
    bytes: before.bytes ?? 0,
    verified: before.verified ?? 0,
    failed: before.failed ?? 0,
    failures: [...(before.failures ?? [])],
    createdBucket,
    continueAfter: null,
  };
  const settings = {
    deps,
    targetBucket: selection.targetBucket,
    runId: selection.runId,
    wholeObjectBytes: options.wholeObjectBytes ?? 64 * 1024 * 1024,
  };
  const window = { lastStarted: undefined as string | undefined, stopped: false };
  await forEachSelected(
    deps,
    selection,
    async (entry) => {
      try {
        const state = await targetStateOf(deps, selection.targetBucket, entry);
        if (state.kind === 'same') {
          report.skipped += 1;
          return;
        }
        if (state.kind === 'different')
          throw new Error(`appeared in the target since the preflight and ${state.reason}`);
        await withRetries(
          `restore ${selection.targetBucket}/${entry.key}`,
          () => writeRestoredObject(settings, entry),
          deps.retry ?? defaultRetryPolicy,
        );
        report.written += 1;
        report.verified += 1;
        report.bytes += entry.size;
      } catch (error) {
        report.failed += 1;
        const { name, message } = error as Error;
        if (report.failures.length < MAX_NAMED_KEYS)
          report.failures.push({ key: entry.key, reason: `${name}: ${message}` });
      }
    },
    concurrency,
    {
      resumeAfter,
      // Checked before each object starts, so `lastStarted` is the last key of this window.
      admit: (entry) => {
        if (options.shouldStop?.() && window.lastStarted !== undefined) {
          window.stopped = true;
          return false;
        }
        window.lastStarted = entry.key;
        return true;
      },
    },
  );
  if (window.stopped) {
    report.continueAfter = window.lastStarted ?? null;
    deps.logger?.info('restore window done, more to come', {
      ...report,
      failures: report.failures.slice(0, 3),
    });
    return report;
  }
  deps.logger?.info('restore written', { ...report, failures: report.failures.slice(0, 3) });
  if (report.failed > 0) {
    throw new RestoreIncompleteError(
      `${report.failed} objects of ${selection.sourceBucket} run ${selection.runId} were not restored into ${selection.targetBucket} (${report.written} were, and verified); first: ${report.failures
        .slice(0, 5)
        .map((failure) => `${failure.key} (${failure.reason})`)
        .join('; ')}`,
      { ...report },
    );
  }
  return report;
}

/**
 * Calls `fn` for each live entry of the run under the prefix (at most `concurrency` at a time) and
 * returns the manifest header once the whole manifest, checksum included, has been read. With
 * `resumeAfter`, entries up to that key are passed over; when `admit` refuses an entry, no later
 * entry starts (the manifest is then not read to its end: its checksum was proven by an earlier
 * full pass).
 */
async function forEachSelected(
  deps: Deps,
  selection: RestoreSelection,
  fn: (entry: ManifestEntry) => Promise<void>,
  concurrency = 1,
  window: { resumeAfter?: string; admit?: (entry: ManifestEntry) => boolean } = {},
): Promise<ManifestHeader> {
  const file = await readManifest(deps, selection);
  const { resumeAfter, admit } = window;
  async function* selected() {
    for await (const entry of file.entries) {
      if (entry.deleted || !entry.key.startsWith(selection.prefix)) continue;
      if (resumeAfter !== undefined && compareKeys(entry.key, resumeAfter) <= 0) continue;
      if (admit && !admit(entry)) return;
      yield entry;
    }
  }
  await forEachConcurrent(selected(), concurrency, fn);
  return file.header;
}

function emptySelection(selection: RestoreSelection): EmptyBackupError {
  const where = selection.prefix === '' ? '' : ` under prefix ${JSON.stringify(selection.prefix)}`;
  return new EmptyBackupError(
    `backup run ${selection.runId} of ${selection.sourceBucket} holds no objects${where}: nothing to restore`,
    { ...selection },
  );
}

function postgresRestoreOf(
  header: ManifestHeader,
  selection: RestoreSelection,
  targetDatabase: string | undefined,
): RestorePlan['postgres'] {
  if (targetDatabase === undefined) return null;
  const dump = recordedDump(header.postgres);
  if (!dump) {
    throw new InvalidInputError(
      `backup run ${selection.runId} of ${selection.sourceBucket} records no completed PostgreSQL dump, so postgresDatabase ${targetDatabase} cannot be restored from it`,
      { ...selection, targetDatabase },
    );
  }
  return { dump, targetDatabase };
}

async function bucketExists(deps: Deps, bucket: string): Promise<boolean> {
  try {
    await withRetries(
      `HeadBucket ${bucket}`,
      () => deps.source.send(new HeadBucketCommand({ Bucket: bucket })),
      deps.retry ?? defaultRetryPolicy,
    );
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Creates the target bucket when it does not exist; true when it did so. */
async function ensureBucket(deps: Deps, bucket: string): Promise<boolean> {
  if (await bucketExists(deps, bucket)) return false;
  await withRetries(
    `CreateBucket ${bucket}`,
    () => deps.source.send(new CreateBucketCommand({ Bucket: bucket })),
    deps.retry ?? defaultRetryPolicy,
  );
  return true;
}
