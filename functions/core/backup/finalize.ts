import * as z from 'zod/mini';
import { IncompleteBackupError, InvalidInputError, ManifestTamperedError } from '../../commons/errors.ts';
import { parseOrThrow } from '../../commons/schema-problems.ts';
import { type DestinationDependencies, nowOf } from './dependencies.ts';
import { JsonLinesWriter } from './json-lines.ts';
import { assertBucketName, assertRunId, dataKey, manifestKey, runKeys } from './layout.ts';
import {
  batchDescriptorSchema,
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
import { OrderedLookup } from './ordered-lookup.ts';
import { clearRunFiles, unfinishedRunIds } from './run-files.ts';
import { getJson, isNotFound } from './s3-calls.ts';

export interface FinalizeOptions {
  sourceBucket: string;
  runId: string;
  /** The PostgreSQL dump of the same run, recorded in the manifest header. */
  postgres?: Record<string, unknown> | null;
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
  const plan = await openJsonLinesFile(deps, keys.plan, { header: planHeaderSchema, entry: planEntrySchema });
  if (!plan) throw new ManifestTamperedError(`${keys.plan} is empty`, { key: keys.plan });
  if (plan.header.runId !== runId || plan.header.sourceBucket !== sourceBucket) {
    throw new ManifestTamperedError(`${keys.plan} belongs to another run`, { key: keys.plan });
  }

  // The header comes first and carries the live counts: what changed at the source during the copy
  // is read from the results before the manifest is streamed.
  const changes = await sourceChangesDuringCopy(deps, sourceBucket, runId, batches.length);
  const expected = { objects: summary.objects + changes.objects, bytes: summary.bytes + changes.bytes };
  const previous =
    changes.gone > 0 && plan.header.previousRunId
      ? new OrderedLookup(
          (await readManifest(deps, { sourceBucket, runId: plan.header.previousRunId })).entries,
        )
      : undefined;
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
          ? await deletionEntry(previous, planned.key, plan.header.startedAt)
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
        { key: keys.plan, counted, summary, changes },
      );
    }
    // Read to its end, so its checksum is checked before deletions copied from it are committed.
    await previous?.drain();
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
 * An object deleted at the source while the run copied it, recorded as the next listing would:
 * its last backed-up version (from the previous manifest) marked deleted. A line that was already
 * deleted keeps its deletedAt; an object the backup never held gets no line.
 */
async function deletionEntry(
  previous: OrderedLookup<ManifestEntry> | undefined,
  key: string,
  runStartedAt: string,
): Promise<ManifestEntry | undefined> {
  const before = await previous?.find(key);
  if (!before) return undefined;
  return { ...before, deleted: true, deletedAt: before.deletedAt ?? runStartedAt };
}

/** Live objects and bytes the copy's results add to the plan's summary, and how many vanished. */
async function sourceChangesDuringCopy(
  deps: DestinationDependencies,
  sourceBucket: string,
  runId: string,
  batchCount: number,
): Promise<{ objects: number; bytes: number; gone: number }> {
  const changes = { objects: 0, bytes: 0, gone: 0 };
  for await (const result of resultsInBatchOrder(deps, sourceBucket, runId, batchCount)) {
    if (!result.ok) continue;
    if (result.gone) {
      changes.gone += 1;
      changes.objects -= 1;
      changes.bytes -= result.size;
    } else if (result.copiedVersion) {
      changes.bytes += result.copiedVersion.size - result.size;
    }
  }
  return changes;
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
