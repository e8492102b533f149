import { InvalidInputError } from '../../commons/errors.ts';
import { type BackupDependencies, nowOf } from './dependencies.ts';
import { type ManifestSummary, manifestHeader, openManifestWriter } from './finalize.ts';
import { JsonLinesWriter } from './json-lines.ts';
import { assertBucketName, assertRunId, dataKey, newRunId, runKeys } from './layout.ts';
import { type ListedObject, listObjects } from './listing.ts';
import {
  BATCH_FORMAT,
  type BatchDescriptor,
  type BatchEntry,
  latestCompleteManifest,
  type ManifestEntry,
  PLAN_FORMAT,
  type PlanEntry,
  type PlanHeader,
  type PlanSummary,
  readManifest,
} from './manifest.ts';

export type { BatchDescriptor } from './manifest.ts';

import { mergeJoin } from './merge-join.ts';
import { clearRunFiles, unfinishedRunIds } from './run-files.ts';
import { putJson } from './s3-calls.ts';

export interface PlanOptions {
  sourceBucket: string;
  /** Default: a new id from the clock (layout.ts `newRunId`). */
  runId?: string;
  /** At most this many objects per batch (one Lambda invocation each). Default 1000. */
  batchSize?: number;
  /** At most this many bytes per batch; a bigger object gets a batch of its own. Default 2 GiB. */
  batchBytes?: number;
  /** Recorded in the manifest header so a restore knows where the data came from. */
  sourceEndpoint?: string;
  /**
   * Deleted lines whose deletion is older than this many days are not carried any more (every
   * manifest that had the object live is then older than the retention, so prune may drop its
   * data). Default: carried for ever.
   */
  deletedRetentionDays?: number;
  /** ListObjectsV2 page size (tests use small pages to exercise paging). */
  pageSize?: number;
  /** Count what the run would copy and write nothing (the backup workflow's dry run). */
  dryRun?: boolean;
  /** The run's PostgreSQL dump, for the manifest header when the plan commits the manifest itself. */
  postgres?: Record<string, unknown> | null;
}

export interface PlanResult {
  runId: string;
  sourceBucket: string;
  previousRunId: string | null;
  scanned: { objects: number; bytes: number };
  toCopy: { objects: number; bytes: number };
  unchanged: number;
  deleted: number;
  batches: number;
  batchesKey: string;
  planKey: string;
  /**
   * The committed manifest when nothing needed copying: the plan wrote it straight away (no plan,
   * batch or results files), and the run has no copy or finalize step left.
   */
  manifest: ManifestSummary | null;
  /** True when nothing was written (dry run). */
  dryRun: boolean;
}

const DEFAULT_BATCH_SIZE = 1000;
/**
 * Unchanged buckets up to this many objects commit their manifest from the plan: their lines are
 * held until the listing ends (a few MiB), so a run that finds nothing to copy needs one PUT.
 */
const COMMIT_IN_PLAN_MAX_OBJECTS = 20_000;
const DEFAULT_BATCH_BYTES = 2 * 1024 ** 3;
const DAY_MS = 86_400_000;

/**
 * docs/backup.md step 2. Streams the source listing against the previous complete manifest (merge
 * join, constant memory) into the run's plan.jsonl and batches. An empty source bucket is a valid
 * plan with zero batches; its manifest will list zero live objects (and the previous run's objects
 * as deleted), because an emptied bucket is a state worth being able to restore to and from.
 */
export async function planBackup(deps: BackupDependencies, options: PlanOptions): Promise<PlanResult> {
  const sourceBucket = assertBucketName(options.sourceBucket);
  const startedAt = nowOf(deps);
  const runId = options.runId === undefined ? newRunId(startedAt) : assertRunId(options.runId);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? DEFAULT_BATCH_SIZE);
  const batchBytes = positiveInteger('batchBytes', options.batchBytes ?? DEFAULT_BATCH_BYTES);
  const keys = runKeys(sourceBucket, runId);
  const dryRun = options.dryRun ?? false;
  const target = { s3: deps.destination, bucket: deps.destinationBucket, retry: deps.retry };

  // The listing starts first, so its first page is on its way while the backup bucket is read.
  const listing = listObjects(deps.source, sourceBucket, { pageSize: options.pageSize, retry: deps.retry });
  const [previousRunId, unfinished] = await Promise.all([
    latestCompleteManifest(deps, sourceBucket).then((runId) => runId ?? null),
    unfinishedRunIds(deps, sourceBucket),
  ]);
  const previous = previousRunId
    ? (await readManifest(deps, { sourceBucket, runId: previousRunId })).entries
    : emptyEntries();
  const dropDeletedBefore =
    options.deletedRetentionDays === undefined
      ? undefined
      : startedAt.getTime() - options.deletedRetentionDays * DAY_MS;

  const openFile = (key: string): LineSink =>
    dryRun ? discardingSink : new JsonLinesWriter({ ...target, key });
  const plan = openFile(keys.plan);
  const batches = new BatchWriter(
    { sourceBucket, runId, verifyExisting: unfinished.some((other) => other !== runId) },
    batchSize,
    batchBytes,
    (batchIndex) => openFile(keys.batch(batchIndex)),
  );
  const draft = dryRun ? undefined : new ManifestDraft(COMMIT_IN_PLAN_MAX_OBJECTS);
  const result = {
    scanned: { objects: 0, bytes: 0 },
    toCopy: { objects: 0, bytes: 0 },
    unchanged: 0,
    deleted: 0,
  };
  const live = { bytes: 0 };
  const header = {
    format: PLAN_FORMAT,
    runId,
    sourceBucket,
    sourceEndpoint: options.sourceEndpoint ?? null,
    startedAt: startedAt.toISOString(),
    previousRunId,
  } as const;
  try {
    await plan.write(header);
    for await (const { left: object, right: before } of mergeJoin(listing, previous)) {
      if (object) {
        result.scanned.objects += 1;
        result.scanned.bytes += object.size;
      }
      const entry = planEntryFor(sourceBucket, object, before, startedAt);
      if (!entry) continue;
      if (entry.deleted && entry.deletedAt && dropDeletedBefore !== undefined) {
        if (Date.parse(entry.deletedAt) < dropDeletedBefore) continue;
      }
      await plan.write(entry);
      draft?.add(entry);
      if (entry.pending) {
        result.toCopy.objects += 1;
        result.toCopy.bytes += entry.size;
        await batches.add(entry);
      } else if (entry.deleted) {
        result.deleted += 1;
      } else {
        result.unchanged += 1;
        live.bytes += entry.size;
      }
    }
    const summary: PlanSummary = {
      objects: result.unchanged + result.toCopy.objects,
      bytes: live.bytes + result.toCopy.bytes,
      deleted: result.deleted,
      pending: result.toCopy.objects,
    };
    const outcome = {
      runId,
      sourceBucket,
      previousRunId,
      ...result,
      batchesKey: keys.batches,
      planKey: keys.plan,
      dryRun,
    };
    const committable = draft?.entries();
    if (committable) {
      // Nothing to copy: the plan's lines are the manifest. No plan, batch or results file is written.
      await Promise.all([plan.abort(), batches.abort()]);
      const manifest = await commitFromPlan(
        deps,
        header,
        summary,
        committable,
        options.postgres ?? null,
        unfinished,
      );
      deps.logger?.info('backup planned and committed: nothing to copy', { sourceBucket, runId, ...result });
      return { ...outcome, batches: 0, manifest };
    }
    const descriptors = await batches.close();
    await plan.close();
    if (!dryRun) {
      await putJson(deps.destination, deps.destinationBucket, keys.summary, summary, deps.retry);
      await putJson(deps.destination, deps.destinationBucket, keys.batches, descriptors, deps.retry);
    }
    deps.logger?.info('backup planned', {
      sourceBucket,
      runId,
      ...result,
      batches: descriptors.length,
      dryRun,
    });
    return { ...outcome, batches: descriptors.length, manifest: null };
  } catch (error) {
    await Promise.all([plan.abort(), batches.abort()]);
    throw error;
  }
}

/** What the run does with one key; undefined when there is nothing to record. */
function planEntryFor(
  sourceBucket: string,
  object: ListedObject | undefined,
  before: ManifestEntry | undefined,
  startedAt: Date,
): PlanEntry | undefined {
  if (!object) {
    if (!before) return undefined;
    // Gone at the source: keep its last known content so earlier points stay restorable.
    return {
      ...before,
      deleted: true,
      deletedAt: before.deletedAt ?? startedAt.toISOString(),
      pending: false,
    };
  }
  if (before && before.size === object.size && before.etag === object.etag) {
    // The copy of this exact version is still referenced (a deleted line keeps its data alive).
    const { deletedAt: _, ...live } = before;
    return { ...live, lastModified: object.lastModified, deleted: false, pending: false };
  }
  return {
    ...object,
    destKey: dataKey(sourceBucket, object.key, object.etag),
    deleted: false,
    pending: true,
  };
}

/** Cuts the pending objects into batch files of at most `batchSize` objects and `batchBytes`. */
class BatchWriter {
  readonly #descriptors: BatchDescriptor[] = [];
  #current: { writer: LineSink; descriptor: BatchDescriptor } | undefined;

  constructor(
    private readonly run: { sourceBucket: string; runId: string; verifyExisting: boolean },
    private readonly batchSize: number,
    private readonly batchBytes: number,
    private readonly open: (batchIndex: number) => LineSink,
  ) {}

  async add({ key, size, etag, lastModified, destKey }: PlanEntry): Promise<void> {
    const current = this.#current;
    if (
      current &&
      (current.descriptor.objects >= this.batchSize || current.descriptor.bytes + size > this.batchBytes)
    ) {
      await this.#closeCurrent();
    }
    if (!this.#current) {
      const { sourceBucket, runId, verifyExisting } = this.run;
      const descriptor = { sourceBucket, runId, batchIndex: this.#descriptors.length, objects: 0, bytes: 0 };
      const writer = this.open(descriptor.batchIndex);
      await writer.write({
        format: BATCH_FORMAT,
        sourceBucket,
        runId,
        batchIndex: descriptor.batchIndex,
        verifyExisting,
      });
      this.#current = { writer, descriptor };
    }
    const line: BatchEntry = { key, size, etag, lastModified, destKey };
    await this.#current.writer.write(line);
    this.#current.descriptor.objects += 1;
    this.#current.descriptor.bytes += size;
  }

  async close(): Promise<BatchDescriptor[]> {
    await this.#closeCurrent();
    return this.#descriptors;
  }

  async abort(): Promise<void> {
    await this.#current?.writer.abort();
  }

  async #closeCurrent(): Promise<void> {
    if (!this.#current) return;
    await this.#current.writer.close();
    this.#descriptors.push(this.#current.descriptor);
    this.#current = undefined;
  }
}

/** Where the plan's lines go: a JSON Lines file in the backup bucket, or nowhere in a dry run. */
type LineSink = Pick<JsonLinesWriter, 'write' | 'close' | 'abort'>;

const discardingSink: LineSink = {
  write: async () => undefined,
  close: async () => ({ key: '', sha256: '', bytes: 0, lines: 0 }),
  abort: async () => undefined,
};

/**
 * The manifest lines of a run that copies nothing, held while that is still possible: the first
 * pending object, or more than `maxObjects` lines, drops them and the run takes the normal path.
 */
class ManifestDraft {
  #lines: ManifestEntry[] | undefined = [];

  constructor(private readonly maxObjects: number) {}

  add(entry: PlanEntry): void {
    if (!this.#lines) return;
    const { pending, sha256, ...line } = entry;
    if (pending || !sha256 || this.#lines.length >= this.maxObjects) {
      this.#lines = undefined;
      return;
    }
    this.#lines.push({ ...line, sha256 });
  }

  entries(): readonly ManifestEntry[] | undefined {
    return this.#lines;
  }
}

async function commitFromPlan(
  deps: BackupDependencies,
  header: PlanHeader,
  summary: PlanSummary,
  entries: readonly ManifestEntry[],
  postgres: Record<string, unknown> | null,
  unfinished: readonly string[],
): Promise<ManifestSummary> {
  const { runId, sourceBucket } = header;
  const completedAt = nowOf(deps).toISOString();
  const manifest = openManifestWriter(deps, sourceBucket, runId);
  try {
    await manifest.write(manifestHeader(header, { completedAt, ...summary, postgres }));
    for (const entry of entries) await manifest.write(entry);
  } catch (error) {
    await manifest.abort();
    throw error;
  }
  const written = await manifest.close();
  const runFilesDeleted =
    unfinished.length > 0 ? await clearRunFiles(deps, sourceBucket, runId, unfinished) : 0;
  return {
    sourceBucket,
    runId,
    previousRunId: header.previousRunId,
    manifestKey: written.key,
    sha256: written.sha256,
    objects: summary.objects,
    bytes: summary.bytes,
    deleted: summary.deleted,
    completedAt,
    runFilesDeleted,
  };
}

async function* emptyEntries(): AsyncGenerator<ManifestEntry> {}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(`${name} must be a positive integer, got ${value}`, { [name]: value });
  }
  return value;
}
