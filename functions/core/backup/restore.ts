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
import { targetStateOf } from './restore/target-state.ts';
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
 * 1. planRestore: the dry run; lists what would be written, writes nothing.
 * 2. preflightRestore: a full pass HEADing every key in the target. Same content is skipped; any
 *    different object is a RestoreConflictError listing the keys, before anything is written. The
 *    pass also reads the manifest to its end, so its checksum is proven before the first write.
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

export interface RestorePlan extends RestoreSelection {
  manifestKey: string;
  /** False when the restore would create the target bucket. */
  targetExists: boolean;
  objects: number;
  bytes: number;
  /** The first `listLimit` objects that would be written (all of them unless `truncated`). */
  items: RestoreItem[];
  truncated: boolean;
  postgres: { dump: DumpLocation; targetDatabase: string } | null;
  dryRun: boolean;
  requestedBy: string;
}

export interface PreflightResult {
  toWrite: number;
  bytesToWrite: number;
  /** Already in the target with the same content. */
  alreadyPresent: number;
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

/** Conflicts and failures named in errors and reports; the counts cover all of them. */
const MAX_NAMED_KEYS = 50;

type Deps = BackupDependencies;

export async function planRestore(
  deps: Deps,
  request: RestoreRequest,
  { listLimit = 1000 }: { listLimit?: number } = {},
): Promise<RestorePlan> {
  const selection = await selectionOf(deps, request);
  const items: RestoreItem[] = [];
  let objects = 0;
  let bytes = 0;
  const header = await forEachSelected(deps, selection, async (entry) => {
    objects += 1;
    bytes += entry.size;
    if (items.length < listLimit) items.push({ key: entry.key, size: entry.size, sha256: entry.sha256 });
  });
  if (objects === 0) throw emptySelection(selection);
  return {
    ...selection,
    manifestKey: manifestKey(selection.sourceBucket, selection.runId),
    targetExists: await bucketExists(deps, selection.targetBucket),
    objects,
    bytes,
    items,
    truncated: objects > items.length,
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

export async function preflightRestore(
  deps: Deps,
  selection: RestoreSelection,
  { concurrency = 16 }: { concurrency?: number } = {},
): Promise<PreflightResult> {
  const result: PreflightResult = { toWrite: 0, bytesToWrite: 0, alreadyPresent: 0 };
  const conflicts: string[] = [];
  let conflictCount = 0;
  await forEachSelected(
    deps,
    selection,
    async (entry) => {
      const state = await targetStateOf(deps, selection.targetBucket, entry);
      if (state.kind === 'same') result.alreadyPresent += 1;
      else if (state.kind === 'missing') {
        result.toWrite += 1;
        result.bytesToWrite += entry.size;
      } else {
        conflictCount += 1;
        if (conflicts.length < MAX_NAMED_KEYS) conflicts.push(`${entry.key}: ${state.reason}`);
      }
    },
    concurrency,
  );
  if (result.toWrite + result.alreadyPresent + conflictCount === 0) throw emptySelection(selection);
  if (conflictCount > 0) {
    throw new RestoreConflictError(
      `${selection.targetBucket} already holds different data under ${conflictCount} of the keys to restore; nothing was written. Restore into another targetBucket, or move these objects away first: ${conflicts.join('; ')}`,
      { ...selection, conflictCount, conflicts },
    );
  }
  return result;
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
