import * as z from 'zod/mini';
import { ManifestTamperedError } from '../../commons/errors.ts';
import { parseOrThrow } from '../../commons/schema-problems.ts';
import type { BackupDependencies } from './dependencies.ts';
import { readJsonLines } from './json-lines.ts';
import { compareKeys, manifestKey, manifestPrefix, runIdOfManifestKey } from './layout.ts';
import { listObjects } from './listing.ts';

/**
 * The manifest and the run files (docs/backup.md "Manifest"): one header line, then one line per
 * object in ascending key order. Schemas are zod/mini (Lambda bundles, docs/architecture.md).
 */

export const MANIFEST_FORMAT = 'lakehouse-ops/backup-manifest@1';
export const PLAN_FORMAT = 'lakehouse-ops/backup-plan@1';
export const BATCH_FORMAT = 'lakehouse-ops/backup-batch@1';
export const RESULTS_FORMAT = 'lakehouse-ops/backup-results@1';

const text = () => z.string().check(z.minLength(1));
const count = () => z.number().check(z.int(), z.gte(0));
const sha256Hex = () => z.string().check(z.regex(/^[0-9a-f]{64}$/));
const nullableText = () => z.nullable(z.string());

/** The fields every per-object line shares: what the source listed and where the copy lives. */
const objectFields = {
  key: text(),
  size: count(),
  etag: text(),
  lastModified: text(),
  destKey: text(),
};

export const manifestHeaderSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  runId: text(),
  sourceBucket: text(),
  sourceEndpoint: nullableText(),
  startedAt: text(),
  completedAt: text(),
  previousRunId: nullableText(),
  /** Live (not deleted) objects and their bytes. */
  objects: count(),
  bytes: count(),
  postgres: z.nullable(z.record(z.string(), z.unknown())),
});
export type ManifestHeader = z.infer<typeof manifestHeaderSchema>;

export const manifestEntrySchema = z.object({
  ...objectFields,
  sha256: sha256Hex(),
  deleted: z.boolean(),
  /** When the run that first found the object gone started; lets a plan drop it after retention. */
  deletedAt: z.optional(text()),
});
export type ManifestEntry = z.infer<typeof manifestEntrySchema>;

export const planHeaderSchema = z.object({
  format: z.literal(PLAN_FORMAT),
  runId: text(),
  sourceBucket: text(),
  sourceEndpoint: nullableText(),
  startedAt: text(),
  previousRunId: nullableText(),
});
export type PlanHeader = z.infer<typeof planHeaderSchema>;

/** A manifest line to be: carried and deleted lines are final, pending ones wait for their copy. */
export const planEntrySchema = z.object({
  ...objectFields,
  sha256: z.optional(sha256Hex()),
  deleted: z.boolean(),
  deletedAt: z.optional(text()),
  pending: z.boolean(),
});
export type PlanEntry = z.infer<typeof planEntrySchema>;

const batchFileHeaderShape = { runId: text(), sourceBucket: text(), batchIndex: count() };
export const batchHeaderSchema = z.object({
  format: z.literal(BATCH_FORMAT),
  ...batchFileHeaderShape,
  /**
   * An unfinished earlier run of the bucket may have copied some of these objects: the copy checks
   * each destination key first. Without it, a first attempt copies straight away.
   */
  verifyExisting: z.optional(z.boolean()),
});
export const batchEntrySchema = z.object(objectFields);
export type BatchEntry = z.infer<typeof batchEntrySchema>;

export const resultsHeaderSchema = z.object({ format: z.literal(RESULTS_FORMAT), ...batchFileHeaderShape });
export const resultEntrySchema = z.object({
  key: text(),
  destKey: text(),
  size: count(),
  sha256: z.optional(sha256Hex()),
  ok: z.boolean(),
  /** The copy was already in the backup (same size, with a sha256): nothing was transferred. */
  reused: z.boolean(),
  reason: z.optional(z.string()),
  /** Gone at the source when the copy reached it: the manifest records it as deleted. */
  gone: z.optional(z.boolean()),
  /**
   * Overwritten at the source after the plan: the version actually copied, which `sha256` belongs
   * to (`size` and `destKey` above stay the planned ones).
   */
  copiedVersion: z.optional(z.object({ size: count(), etag: text(), lastModified: text(), destKey: text() })),
});
export type ResultEntry = z.infer<typeof resultEntrySchema>;

export interface JsonLinesFile<Header, Entry> {
  header: Header;
  entries: AsyncGenerator<Entry>;
}

/**
 * A run file or manifest, header parsed up front and entries streamed, each checked against its
 * schema and for ascending key order; the body checksum is checked when `entries` ends.
 */
export async function openJsonLinesFile<Header extends z.core.$ZodType, Entry extends z.core.$ZodType>(
  deps: Pick<BackupDependencies, 'destination' | 'destinationBucket' | 'retry'>,
  key: string,
  schemas: { header: Header; entry: Entry },
  options: { missingAsEmpty?: boolean } = {},
): Promise<JsonLinesFile<z.output<Header>, z.output<Entry>> | undefined> {
  const lines = readJsonLines(deps.destination, deps.destinationBucket, key, {
    ...options,
    retry: deps.retry,
  });
  const first = await lines.next();
  if (first.done) return undefined;
  const header = parseLine(schemas.header, first.value, key, 1);
  async function* entries(): AsyncGenerator<z.output<Entry>> {
    let lineNumber = 1;
    let previousKey: string | undefined;
    for await (const line of lines) {
      lineNumber += 1;
      const entry = parseLine(schemas.entry, line, key, lineNumber);
      const entryKey = (entry as { key: string }).key;
      if (previousKey !== undefined && compareKeys(previousKey, entryKey) >= 0) {
        throw new ManifestTamperedError(
          `${key} line ${lineNumber}: key ${JSON.stringify(entryKey)} is not after ${JSON.stringify(previousKey)}`,
          { key, lineNumber },
        );
      }
      previousKey = entryKey;
      yield entry;
    }
  }
  return { header, entries: entries() };
}

function parseLine<Schema extends z.core.$ZodType>(
  schema: Schema,
  value: unknown,
  key: string,
  lineNumber: number,
): z.output<Schema> {
  return parseOrThrow(
    schema,
    value,
    (problems) =>
      new ManifestTamperedError(`${key} line ${lineNumber} is not what was written: ${problems.join('; ')}`, {
        key,
        lineNumber,
        problems,
      }),
  );
}

/** A complete manifest, streamed; its checksum is verified when the entries end. */
export async function readManifest(
  deps: Pick<BackupDependencies, 'destination' | 'destinationBucket' | 'retry'>,
  { sourceBucket, runId }: { sourceBucket: string; runId: string },
): Promise<JsonLinesFile<ManifestHeader, ManifestEntry>> {
  const key = manifestKey(sourceBucket, runId);
  const file = await openJsonLinesFile(deps, key, {
    header: manifestHeaderSchema,
    entry: manifestEntrySchema,
  });
  if (!file) throw new ManifestTamperedError(`${key} is empty: a manifest has at least its header`, { key });
  if (file.header.runId !== runId || file.header.sourceBucket !== sourceBucket) {
    throw new ManifestTamperedError(
      `${key} says it is run ${file.header.runId} of ${file.header.sourceBucket}, not run ${runId} of ${sourceBucket}`,
      { key },
    );
  }
  return file;
}

/** Run ids of the complete manifests of a bucket, oldest first. */
export async function listManifestRunIds(
  deps: Pick<BackupDependencies, 'destination' | 'destinationBucket' | 'retry'>,
  sourceBucket: string,
): Promise<string[]> {
  const runIds: string[] = [];
  const listing = listObjects(deps.destination, deps.destinationBucket, {
    prefix: manifestPrefix(sourceBucket),
    retry: deps.retry,
    checkOrder: false,
  });
  for await (const object of listing) {
    const runId = runIdOfManifestKey(sourceBucket, object.key);
    if (runId) runIds.push(runId);
  }
  return runIds.sort();
}

/** The newest complete manifest's run id (manifests only exist once complete), if any. */
export async function latestCompleteManifest(
  deps: Pick<BackupDependencies, 'destination' | 'destinationBucket' | 'retry'>,
  sourceBucket: string,
): Promise<string | undefined> {
  return (await listManifestRunIds(deps, sourceBucket)).at(-1);
}

/** runs/<bucket>/<runId>/plan-summary.json (see plan.ts). */
export const planSummarySchema = z.object({
  objects: count(),
  bytes: count(),
  deleted: count(),
  pending: count(),
});
export type PlanSummary = z.infer<typeof planSummarySchema>;

export const batchDescriptorSchema = z.object({
  sourceBucket: text(),
  runId: text(),
  batchIndex: count(),
  objects: count(),
  bytes: count(),
});
/** One item of the Distributed Map over `batches.json`. */
export type BatchDescriptor = z.infer<typeof batchDescriptorSchema>;
