import * as z from 'zod/mini';
import { IncompleteBackupError, InvalidInputError, ManifestTamperedError } from '../../commons/errors.ts';
import { parseOrThrow } from '../../commons/schema-problems.ts';
import { type DestinationDependencies, nowOf } from './dependencies.ts';
import { JsonLinesWriter } from './json-lines.ts';
import { assertBucketName, assertRunId, dataKey, manifestKey, runKeys } from './layout.ts';
import {
  batchDescriptorSchema,
  type JsonLinesFile,
  MANIFEST_FORMAT,
  type ManifestEntry,
  type ManifestHeader,
  openJsonLinesFile,
  type PlanEntry,
  type PlanHeader,
  planEntrySchema,
  planHeaderSchema,
  planSummarySchema,
  type ResultEntry,
  readManifest,
  resultEntrySchema,
  resultsHeaderSchema,
} from './manifest.ts';
import { mergeJoin } from './merge-join.ts';
import { clearRunFiles, unfinishedRunIds } from './run-files.ts';
import { getJson, isNotFound } from './s3-calls.ts';

export interface FinalizeOptions {
  sourceBucket: string;
  runId: string;
  /** The PostgreSQL dump of the same run, recorded in the manifest header. */
  postgres?: Record<string, unknown> | null;
  /** Most objects deleted at the source during the copy that are looked up in memory (default 100,000). */
  vanishedLimit?: number;
}

export interface ManifestSummary {
  sourceBucket: string;
  runId: string;
  previousRunId: string | null;
  manifestKey: string;
  /** hex SHA-256 of the manifest body (also its `manifest-sha256` metadata). */
  sha256: string;
  objects: number;
  bytes: number;
  deleted: number;
  completedAt: string;
  /** Work-in-progress files of the run removed after the manifest was written. */
  runFilesDeleted: number;
}

/** How many missing keys an IncompleteBackupError names; the count covers all of them. */
const SAMPLE_MISSING = 10;

/**
 * docs/backup.md step 4. Streams plan.jsonl against every batch's results (in batch order, which is
 * key order) into the manifest. The manifest is only committed when every pending object has an ok
 * result with its sha256; otherwise nothing is written and IncompleteBackupError says what is
 * missing, so the previous complete manifest stays the restore point.
 */
export async function finalizeManifest(
  deps: DestinationDependencies,
  options: FinalizeOptions,
): Promise<ManifestSummary> {
  const sourceBucket = assertBucketName(options.sourceBucket);
  const runId = assertRunId(options.runId);
  const keys = runKeys(sourceBucket, runId);
  const [batches, summary] = await Promise.all([
    readRunJson(deps, keys.batches, z.array(batchDescriptorSchema)),
    readRunJson(deps, keys.summary, planSummarySchema),
  ]);
  // Checked before the results are read, so a plan of another run fails fast.
  const { previousRunId, startedAt } = await planHeader(deps, sourceBucket, runId);

  // The header comes first and carries the live counts: what changed at the source during the copy
  // is read from the results before the manifest is streamed. Every file is read in one continuous
  // pass and no GET is left open while another file is read: S3 drops a response that is not read
  // for a while, and a streamed read is a single GET: a dropped one would fail every retry alike.
  const limit = options.vanishedLimit ?? VANISHED_LIMIT;
  const changes = await sourceChangesDuringCopy(deps, sourceBucket, runId, batches.length, limit);
  const expected = { objects: summary.objects + changes.objects, bytes: summary.bytes + changes.bytes };
  const deletions =
    changes.gone > 0 && previousRunId
      ? await deletionLines(deps, { sourceBucket, runId, previousRunId, startedAt }, changes, limit)
      : new Map<string, ManifestEntry>();
  const plan = await openPlan(deps, sourceBucket, runId);
  const manifest = openManifestWriter(deps, sourceBucket, runId);
  const missing: { key: string; reason: string }[] = [];
  let missingCount = 0;
  const counted = { objects: 0, bytes: 0, deleted: 0 };
  const completedAt = nowOf(deps).toISOString();
  try {
    await manifest.write(
      manifestHeader(plan.header, {
        completedAt,
        ...expected,
        postgres: options.postgres ?? null,
      }),
    );
    const results = resultsInBatchOrder(deps, sourceBucket, runId, batches.length);
    for await (const { key: objectKey, left: planned, right: result } of mergeJoin(plan.entries, results)) {
      if (!planned) {
        throw new ManifestTamperedError(
          `results name ${JSON.stringify(objectKey)}, which the plan does not`,
          {
            key: objectKey,
          },
        );
      }
      const entry =
        planned.pending && result?.ok && result.gone
          ? deletions.get(planned.key)
          : manifestEntryFor(sourceBucket, planned, result);
      // A new object deleted before its copy never had content in the backup: no line at all.
      if (entry === undefined) continue;
      if (typeof entry === 'string') {
        missingCount += 1;
        if (missing.length < SAMPLE_MISSING) missing.push({ key: objectKey, reason: entry });
        continue;
      }
      if (entry.deleted) counted.deleted += 1;
      else {
        counted.objects += 1;
        counted.bytes += entry.size;
      }
      await manifest.write(entry);
    }
    if (missingCount > 0) {
      throw new IncompleteBackupError(
        `backup run ${runId} of ${sourceBucket} is incomplete: ${missingCount} of ${summary.pending} objects were not copied (first: ${missing
          .map((item) => item.key)
          .join(', ')}); no manifest was written, re-run the backup`,
        { sourceBucket, runId, missing: missingCount, pending: summary.pending, sample: missing },
      );
    }
    if (counted.objects !== expected.objects || counted.bytes !== expected.bytes) {
      throw new ManifestTamperedError(
        `${keys.plan} and the results hold ${counted.objects} live objects (${counted.bytes} bytes), the plan's summary and the source changes recorded by the copy say ${expected.objects} (${expected.bytes} bytes)`,
        {
          key: keys.plan,
          counted,
          summary,
          changes: { objects: changes.objects, bytes: changes.bytes, gone: changes.gone },
        },
      );
    }
  } catch (error) {
    await manifest.abort();
    throw error;
  }
  const written = await manifest.close();
  const unfinished = await unfinishedRunIds(deps, sourceBucket);
  const runFilesDeleted = await clearRunFiles(deps, sourceBucket, runId, unfinished);
  const result: ManifestSummary = {
    sourceBucket,
    runId,
    previousRunId: plan.header.previousRunId,
    manifestKey: written.key,
    sha256: written.sha256,
    ...counted,
    completedAt,
    runFilesDeleted,
  };
  deps.logger?.info('backup manifest written', { ...result });
  return result;
}

/**
 * The manifest of a run, written to its final key only when closed (a big one is assembled at the
 * run's staging key first): the plan commits it directly when nothing needed copying, finalize
 * otherwise.
 */
export function openManifestWriter(
  deps: DestinationDependencies,
  sourceBucket: string,
  runId: string,
): JsonLinesWriter {
  return new JsonLinesWriter({
    s3: deps.destination,
    bucket: deps.destinationBucket,
    key: manifestKey(sourceBucket, runId),
    stagingKey: runKeys(sourceBucket, runId).manifestStaging,
    retry: deps.retry,
  });
}

/** A manifest's first line, from the run's plan header and what the run counted. */
export function manifestHeader(
  plan: Pick<PlanHeader, 'runId' | 'sourceBucket' | 'sourceEndpoint' | 'startedAt' | 'previousRunId'>,
  run: { completedAt: string; objects: number; bytes: number; postgres: Record<string, unknown> | null },
): ManifestHeader {
  return {
    format: MANIFEST_FORMAT,
    runId: plan.runId,
    sourceBucket: plan.sourceBucket,
    sourceEndpoint: plan.sourceEndpoint,
    startedAt: plan.startedAt,
    completedAt: run.completedAt,
    previousRunId: plan.previousRunId,
    objects: run.objects,
    bytes: run.bytes,
    postgres: run.postgres,
  };
}

/**
 * The manifest line for a plan line, or why there is none (the object was not copied). An object
 * overwritten during the run gets the version that was copied, every field of it from that copy.
 */
function manifestEntryFor(
  sourceBucket: string,
  planned: PlanEntry,
  result: ResultEntry | undefined,
): ManifestEntry | string {
  const { pending, sha256, ...line } = planned;
  if (!pending) {
    if (!sha256) return 'carried line without sha256 in the plan';
    return { ...line, sha256 };
  }
  if (!result) return 'no result (its batch did not run or did not finish)';
  if (!result.ok) return result.reason ?? 'copy failed';
  if (result.destKey !== planned.destKey || result.size !== planned.size || !result.sha256) {
    return `result does not match the plan (${result.destKey}, ${result.size} bytes)`;
  }
  const copied = result.copiedVersion;
  if (!copied) return { ...line, sha256: result.sha256 };
  if (copied.destKey !== dataKey(sourceBucket, planned.key, copied.etag)) {
    return `the copied version's data key ${copied.destKey} is not the one of ETag ${copied.etag}`;
  }
  return { ...line, ...copied, sha256: result.sha256 };
}

/**
 * Objects deleted at the source during the copy are few (a listing just saw them), but each is held
 * in memory until its manifest line is written. The bound keeps that within the streaming step's
 * memory even with 1 KiB keys (about 3 KiB a key: key, destKey and the line); a run above it fails
 * and the next run's listing records those objects as deleted without any lookup.
 */
const VANISHED_LIMIT = 100_000;

interface SourceChanges {
  /** Live objects and bytes the results add to the plan's summary (negative when objects vanished). */
  objects: number;
  bytes: number;
  /** How many objects vanished during the copy, and (up to the limit) their keys. */
  gone: number;
  goneKeys: Set<string>;
}

async function sourceChangesDuringCopy(
  deps: DestinationDependencies,
  sourceBucket: string,
  runId: string,
  batchCount: number,
  vanishedLimit: number,
): Promise<SourceChanges> {
  const changes: SourceChanges = { objects: 0, bytes: 0, gone: 0, goneKeys: new Set() };
  for await (const result of resultsInBatchOrder(deps, sourceBucket, runId, batchCount)) {
    if (!result.ok) continue;
    if (result.gone) {
      changes.gone += 1;
      changes.objects -= 1;
      changes.bytes -= result.size;
      if (changes.goneKeys.size < vanishedLimit) changes.goneKeys.add(result.key);
    } else if (result.copiedVersion) {
      changes.bytes += result.copiedVersion.size - result.size;
    }
  }
  return changes;
}

/**
 * The manifest lines of the objects deleted at the source while the run copied them, recorded as
 * the next listing would: the last backed-up version (from the previous manifest) marked deleted. A
 * line that was already deleted keeps its deletedAt; an object the backup never held gets no line.
 * The previous manifest is read to its end, so its checksum is checked before any line is used.
 */
async function deletionLines(
  deps: DestinationDependencies,
  run: { sourceBucket: string; runId: string; previousRunId: string; startedAt: string },
  changes: Pick<SourceChanges, 'gone' | 'goneKeys'>,
  vanishedLimit: number,
): Promise<Map<string, ManifestEntry>> {
  if (changes.gone > vanishedLimit) {
    throw new IncompleteBackupError(
      `backup run ${run.runId} of ${run.sourceBucket} cannot be finalized: ${changes.gone} objects were deleted at the source during its copy, more than the ${vanishedLimit} finalize looks up in the previous manifest; no manifest was written, re-run the backup (its listing records them as deleted)`,
      { sourceBucket: run.sourceBucket, runId: run.runId, vanished: changes.gone, vanishedLimit },
    );
  }
  const previous = await readManifest(deps, { sourceBucket: run.sourceBucket, runId: run.previousRunId });
  const lines = new Map<string, ManifestEntry>();
  for await (const before of previous.entries) {
    if (!changes.goneKeys.has(before.key)) continue;
    lines.set(before.key, { ...before, deleted: true, deletedAt: before.deletedAt ?? run.startedAt });
  }
  return lines;
}

/** The run's plan, streamed: its header checked against the run. */
async function openPlan(
  deps: DestinationDependencies,
  sourceBucket: string,
  runId: string,
): Promise<JsonLinesFile<PlanHeader, PlanEntry>> {
  const key = runKeys(sourceBucket, runId).plan;
  const plan = await openJsonLinesFile(deps, key, { header: planHeaderSchema, entry: planEntrySchema });
  if (!plan) throw new ManifestTamperedError(`${key} is empty`, { key });
  if (plan.header.runId !== runId || plan.header.sourceBucket !== sourceBucket) {
    throw new ManifestTamperedError(`${key} belongs to another run`, { key });
  }
  return plan;
}

/** The plan's header alone, its GET closed at once rather than left unread while other files are read. */
async function planHeader(
  deps: DestinationDependencies,
  sourceBucket: string,
  runId: string,
): Promise<PlanHeader> {
  const plan = await openPlan(deps, sourceBucket, runId);
  // A generator only closes its source once started: take one line, then end it (and the GET).
  await plan.entries.next();
  await plan.entries.return(undefined);
  return plan.header;
}

async function* resultsInBatchOrder(
  deps: DestinationDependencies,
  sourceBucket: string,
  runId: string,
  batchCount: number,
): AsyncGenerator<ResultEntry> {
  for (let batchIndex = 0; batchIndex < batchCount; batchIndex += 1) {
    const key = runKeys(sourceBucket, runId).results(batchIndex);
    const file = await openJsonLinesFile(
      deps,
      key,
      { header: resultsHeaderSchema, entry: resultEntrySchema },
      { missingAsEmpty: true },
    );
    if (!file) continue;
    if (file.header.runId !== runId || file.header.batchIndex !== batchIndex) {
      throw new ManifestTamperedError(`${key} belongs to another run or batch`, { key });
    }
    yield* file.entries;
  }
}

async function readRunJson<Schema extends z.core.$ZodType>(
  deps: DestinationDependencies,
  key: string,
  schema: Schema,
): Promise<z.output<Schema>> {
  let value: unknown;
  try {
    value = await getJson(deps.destination, deps.destinationBucket, key, deps.retry);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw new InvalidInputError(
      `${key} does not exist: this run was never planned, or the plan already committed its manifest (nothing to copy)`,
      { key },
      { cause: error },
    );
  }
  return parseOrThrow(
    schema,
    value,
    (problems) =>
      new ManifestTamperedError(`${key} is not what the plan wrote: ${problems.join('; ')}`, { key }),
  );
}
