import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { InvalidInputError, ObjectStoreError } from '../../commons/errors.ts';
import { ByteBudget, mapConcurrent } from './concurrency.ts';
import { type BackupDependencies, nowOf } from './dependencies.ts';
import { JsonLinesWriter, MIN_PART_BYTES } from './json-lines.ts';
import { assertBucketName, assertRunId, dataKey, normaliseEtag, runKeys } from './layout.ts';
import {
  type BatchEntry,
  batchEntrySchema,
  batchHeaderSchema,
  openJsonLinesFile,
  RESULTS_FORMAT,
  type ResultEntry,
} from './manifest.ts';
import { directObjectTransport, type ObjectBody, type ObjectTransport } from './object-transport.ts';
import { defaultRetryPolicy, withRetries } from './retry.ts';
import { encodeCopySource, isNotFound, objectExists, putJson } from './s3-calls.ts';

export interface CopyBatchOptions {
  sourceBucket: string;
  runId: string;
  batchIndex: number;
  /**
   * Objects copied at the same time. Default 4: each is a GET and a PUT, and bench/backup measured
   * no gain from 8 in the same rounds (docs/backup.md, "Object transport and copy tuning").
   */
  concurrency?: number;
  /**
   * Bytes of whole objects (below the multipart threshold) held in memory at once, across the
   * batch. Default 256 MiB, so a batch fits a 1 GiB Lambda whatever its object sizes.
   */
  bufferBytes?: number;
  /** Objects above this size go multipart (streamed); smaller ones are one PUT. Default 64 MiB. */
  multipartThresholdBytes?: number;
  /** Multipart part size, at least 5 MiB. Default 8 MiB. */
  partBytes?: number;
  /** Parts of one object uploaded at the same time. Default 4. */
  partConcurrency?: number;
}

export interface BatchResult {
  sourceBucket: string;
  runId: string;
  batchIndex: number;
  copied: number;
  /** Already in the backup (an earlier, possibly failed, run copied them): nothing transferred. */
  skipped: number;
  /** Deleted at the source after the plan: the manifest records them as deleted. */
  vanished: number;
  failed: number;
  bytesCopied: number;
  /** The first few failures; results/<n>.jsonl has all of them. */
  failures: { key: string; reason: string }[];
  resultsKey: string;
}

const MAX_REPORTED_FAILURES = 20;
const DEFAULT_CONCURRENCY = 4;
const DEFAULT_BUFFER_BYTES = 256 * 1024 * 1024;
const DEFAULT_MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024;
const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/**
 * Versions of one object a batch copy follows when the source keeps overwriting it: a busy key must
 * not fail its run, but one rewritten faster than it can be copied is a failure, with the reason.
 */
const MAX_VERSIONS_FOLLOWED = 3;

/**
 * A source object that is no longer what the copy asked for. A batch copy then follows the object
 * (copies its current version, or records it gone); a single-object copy reports it to its caller.
 */
export class SourceChangedError extends Error {
  override readonly name = 'SourceChanged';
}

interface CopySettings {
  deps: BackupDependencies;
  sourceBucket: string;
  /**
   * HEAD each destination key before copying: on when an earlier attempt may have copied objects
   * of this batch (the plan found an unfinished earlier run, or this batch was started before).
   */
  verifyExisting: boolean;
  buffers: ByteBudget;
  multipartThresholdBytes: number;
  partBytes: number;
  partConcurrency: number;
}

type Outcome = ResultEntry & { bytesCopied: number };

/** How one object is copied outside a batch (DR replication, functions/core/dr/replication). */
export interface ObjectCopyOptions {
  deps: BackupDependencies;
  sourceBucket: string;
  /** Shared by the copies of one invocation, so their whole-object buffers stay bounded together. */
  buffers: ByteBudget;
  multipartThresholdBytes?: number;
  partBytes?: number;
  partConcurrency?: number;
}

/**
 * Streams one object from the source to `entry.destKey`, only if the source still has `entry.etag`
 * (SourceChangedError otherwise), with the same metadata and SHA-256 as a backup copy. Returns the
 * SHA-256. No retry and no check for an existing copy: the caller decides both.
 */
export function copySourceObject(options: ObjectCopyOptions, entry: BatchEntry): Promise<string> {
  const settings: CopySettings = {
    deps: options.deps,
    sourceBucket: options.sourceBucket,
    verifyExisting: false,
    buffers: options.buffers,
    multipartThresholdBytes: options.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES,
    partBytes: options.partBytes ?? DEFAULT_PART_BYTES,
    partConcurrency: options.partConcurrency ?? 4,
  };
  return settings.buffers.use(bufferedBytes(settings, entry), () => transfer(settings, entry));
}

/**
 * docs/backup.md step 3: copies one batch of the plan into the backup bucket and records what each
 * object became in results/<n>.jsonl. An object overwritten since the plan is copied in its current
 * version and one deleted since is recorded as gone, so a busy source does not fail the run. One
 * object's failure (retries exhausted, a key rewritten faster than it can be copied) is a failed
 * line, not a failed batch: finalize decides whether the run is complete.
 */
export async function copyBatch(deps: BackupDependencies, options: CopyBatchOptions): Promise<BatchResult> {
  const sourceBucket = assertBucketName(options.sourceBucket);
  const runId = assertRunId(options.runId);
  const { batchIndex } = options;
  const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
  if (partBytes < MIN_PART_BYTES) {
    throw new InvalidInputError(`partBytes must be at least ${MIN_PART_BYTES}, got ${partBytes}`, {
      partBytes,
    });
  }
  const keys = runKeys(sourceBucket, runId);
  const batch = await readBatch(deps, keys.batch(batchIndex), { sourceBucket, runId, batchIndex });
  const startedBefore = await markBatchStarted(deps, keys.batchStarted(batchIndex));
  const settings: CopySettings = {
    deps,
    sourceBucket,
    verifyExisting: batch.verifyExisting || startedBefore,
    buffers: new ByteBudget(options.bufferBytes ?? DEFAULT_BUFFER_BYTES),
    multipartThresholdBytes: options.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES,
    partBytes,
    partConcurrency: options.partConcurrency ?? 4,
  };

  const outcomes = await mapConcurrent(batch.entries, options.concurrency ?? DEFAULT_CONCURRENCY, (entry) =>
    backUpObject(settings, entry),
  );

  const results = new JsonLinesWriter({
    s3: deps.destination,
    bucket: deps.destinationBucket,
    key: keys.results(batchIndex),
    retry: deps.retry,
  });
  await results.write({ format: RESULTS_FORMAT, sourceBucket, runId, batchIndex });
  const summary: BatchResult = {
    sourceBucket,
    runId,
    batchIndex,
    copied: 0,
    skipped: 0,
    vanished: 0,
    failed: 0,
    bytesCopied: 0,
    failures: [],
    resultsKey: keys.results(batchIndex),
  };
  for (const { bytesCopied, ...result } of outcomes) {
    await results.write(result);
    summary.bytesCopied += bytesCopied;
    if (!result.ok) {
      summary.failed += 1;
      if (summary.failures.length < MAX_REPORTED_FAILURES) {
        summary.failures.push({ key: result.key, reason: result.reason ?? 'unknown' });
      }
    } else if (result.gone) summary.vanished += 1;
    else if (result.reused) summary.skipped += 1;
    else summary.copied += 1;
  }
  await results.close();
  deps.logger?.info('backup batch copied', { ...summary, failures: summary.failures.slice(0, 3) });
  return summary;
}

async function readBatch(
  deps: BackupDependencies,
  key: string,
  expected: { sourceBucket: string; runId: string; batchIndex: number },
): Promise<{ entries: BatchEntry[]; verifyExisting: boolean }> {
  const file = await openJsonLinesFile(
    deps,
    key,
    { header: batchHeaderSchema, entry: batchEntrySchema },
    { missingAsEmpty: true },
  );
  if (!file) {
    throw new InvalidInputError(
      `batch file ${key} does not exist or is empty: batchIndex ${expected.batchIndex} is not a batch the plan of run ${expected.runId} wrote`,
      { key, ...expected },
    );
  }
  const { header } = file;
  if (
    header.sourceBucket !== expected.sourceBucket ||
    header.runId !== expected.runId ||
    header.batchIndex !== expected.batchIndex
  ) {
    throw new ObjectStoreError(`batch file ${key} belongs to another run or batch`, { key, header });
  }
  // A batch is bounded by the plan's batchSize, so holding it lets results keep the plan's key order.
  const entries: BatchEntry[] = [];
  for await (const entry of file.entries) entries.push(entry);
  // Batch files written before the flag existed say nothing: assume the careful way.
  return { entries, verifyExisting: header.verifyExisting ?? true };
}

/**
 * Leaves a marker that this batch has begun copying, and says whether one was already there: a
 * Lambda retried after a timeout may have copied part of the batch, so that attempt checks first.
 */
async function markBatchStarted(deps: BackupDependencies, key: string): Promise<boolean> {
  const retry = deps.retry ?? defaultRetryPolicy;
  if (await objectExists(deps.destination, deps.destinationBucket, key, retry)) return true;
  await putJson(
    deps.destination,
    deps.destinationBucket,
    key,
    { startedAt: nowOf(deps).toISOString() },
    retry,
  );
  return false;
}

/**
 * Copies one planned object. When the source no longer holds the planned version, the object is
 * looked up again: gone -> a `gone` result (finalize records the deletion); overwritten -> its
 * current version is copied to that version's own data key and recorded as `copiedVersion`, so
 * the manifest line describes exactly the bytes that were copied.
 */
async function backUpObject(settings: CopySettings, planned: BatchEntry): Promise<Outcome> {
  const base = { key: planned.key, destKey: planned.destKey, size: planned.size };
  let entry = planned;
  try {
    for (let version = 1; ; version += 1) {
      try {
        const copied = await copyVersion(settings, entry);
        return {
          ...base,
          ...copied,
          ok: true,
          ...(entry === planned ? {} : { copiedVersion: versionOf(entry) }),
        };
      } catch (error) {
        if (!(error instanceof SourceChangedError) || version >= MAX_VERSIONS_FOLLOWED) throw error;
        // A missing bucket is not a deleted object: it fails the copy instead of recording deletions.
        if ((error.cause as Error | undefined)?.name === 'NoSuchBucket') throw error.cause;
        const current = await currentVersion(settings, planned.key);
        if (!current) return { ...base, ok: true, reused: false, gone: true, bytesCopied: 0 };
        // Same version as asked for: the source did not change, something else went wrong.
        if (current.etag === entry.etag && current.size === entry.size) throw error;
        entry = current;
      }
    }
  } catch (error) {
    const { name, message } = error as Error;
    return { ...base, ok: false, reused: false, reason: `${name}: ${message}`, bytesCopied: 0 };
  }
}

/** One version of an object into its data key, or the complete copy an earlier attempt left there. */
async function copyVersion(
  settings: CopySettings,
  entry: BatchEntry,
): Promise<{ sha256: string; reused: boolean; bytesCopied: number }> {
  let transferred = false;
  return withRetries(
    `back up ${settings.sourceBucket}/${entry.key}`,
    async (attempt) => {
      // A first attempt of a batch that nothing copied before cannot find its copy: skip the
      // HEAD (a third of the requests). Any retry checks: a PUT whose response was lost may
      // well have landed.
      const mayExist = settings.verifyExisting || attempt > 1;
      const existing = mayExist ? await completeCopy(settings, entry) : undefined;
      if (existing) return { sha256: existing, reused: !transferred, bytesCopied: 0 };
      transferred = true;
      const sha256 = await settings.buffers.use(bufferedBytes(settings, entry), () =>
        transfer(settings, entry),
      );
      return { sha256, reused: false, bytesCopied: entry.size };
    },
    settings.deps.retry ?? defaultRetryPolicy,
  );
}

/** The object's version at the source now, as a batch line, or undefined if it is gone. */
async function currentVersion(
  { deps, sourceBucket }: CopySettings,
  key: string,
): Promise<BatchEntry | undefined> {
  let head: HeadObjectCommandOutput;
  try {
    head = await withRetries(
      `HEAD ${sourceBucket}/${key}`,
      () => deps.source.send(new HeadObjectCommand({ Bucket: sourceBucket, Key: key })),
      deps.retry ?? defaultRetryPolicy,
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  if (head.ETag === undefined || head.ContentLength === undefined) {
    throw new ObjectStoreError(`HEAD ${sourceBucket}/${key} answered without an ETag or a Content-Length`, {
      bucket: sourceBucket,
      key,
    });
  }
  const etag = normaliseEtag(head.ETag);
  return {
    key,
    size: head.ContentLength,
    etag,
    lastModified: (head.LastModified ?? new Date(0)).toISOString(),
    destKey: dataKey(sourceBucket, key, etag),
  };
}

function versionOf({
  size,
  etag,
  lastModified,
  destKey,
}: BatchEntry): NonNullable<ResultEntry['copiedVersion']> {
  return { size, etag, lastModified, destKey };
}

/** The sha256 of the copy already in the backup, if it is complete (same size, checksummed). */
async function completeCopy({ deps }: CopySettings, entry: BatchEntry): Promise<string | undefined> {
  try {
    const head = await deps.destination.send(
      new HeadObjectCommand({ Bucket: deps.destinationBucket, Key: entry.destKey }),
    );
    const sha256 = head.Metadata?.sha256;
    return head.ContentLength === entry.size && sha256 && SHA256_HEX.test(sha256) ? sha256 : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function transfer(settings: CopySettings, entry: BatchEntry): Promise<string> {
  const { deps, sourceBucket } = settings;
  let response: ObjectBody;
  try {
    response = await transportOf(deps, deps.source).get({
      bucket: sourceBucket,
      key: entry.key,
      ifMatch: `"${entry.etag}"`,
    });
  } catch (error) {
    if (isNotFound(error)) {
      throw new SourceChangedError('vanished from the source since the plan', { cause: error });
    }
    if ((error as Error).name === 'PreconditionFailed') {
      throw new SourceChangedError(`changed at the source since the plan (ETag is no longer ${entry.etag})`);
    }
    throw error;
  }
  const { body } = response;
  // s3rver ignores If-Match, and a proxy might too: compare what actually came back.
  const etag = normaliseEtag(response.etag);
  if (etag !== entry.etag || response.contentLength !== entry.size) {
    body.destroy();
    throw new SourceChangedError(
      `changed at the source since the plan (ETag ${etag}, ${response.contentLength} bytes; planned ${entry.etag}, ${entry.size} bytes)`,
    );
  }
  const metadata = { 'source-etag': entry.etag, 'source-last-modified': entry.lastModified };
  try {
    return await (entry.size > settings.multipartThresholdBytes
      ? uploadMultipart(settings, entry, body, metadata)
      : uploadWhole(settings, entry, body, metadata));
  } finally {
    // A failed upload may leave the source's answer unread: free its connection now, not at its timeout.
    if (!body.readableEnded) body.destroy();
  }
}

/**
 * Below the multipart threshold: the object is read whole (held as its chunks), because its SHA-256
 * goes into the PUT's metadata, which precedes the body. The same digest is the request's signed
 * payload hash, so nothing hashes the body a second time, and S3 rejects a body that differs from it.
 */
async function uploadWhole(
  { deps }: CopySettings,
  entry: BatchEntry,
  body: AsyncIterable<Uint8Array>,
  metadata: Record<string, string>,
): Promise<string> {
  const hash = createHash('sha256');
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    chunks.push(chunk);
    bytes += chunk.length;
  }
  assertSize(entry, bytes);
  // The chunks go out as they came in: concatenating them cost more CPU (fresh pages for every
  // large object) than anything else the copy does. Our own retry starts over from the GET.
  const sha256 = hash.digest('hex');
  await transportOf(deps, deps.destination).put({
    bucket: deps.destinationBucket,
    key: entry.destKey,
    chunks,
    contentLength: bytes,
    sha256Hex: sha256,
    metadata: { ...metadata, sha256 },
  });
  return sha256;
}

/**
 * Above the threshold: the source stream is cut into parts as it arrives and hashed on the way, so
 * memory is bounded by partBytes x (partConcurrency + 1). The SHA-256 is only known at the end,
 * while S3 fixes metadata when the upload is created, so a server-side copy onto itself adds it
 * last: a copy without `sha256` is never taken as complete (S3 limits that copy to 5 GiB objects).
 */
async function uploadMultipart(
  { deps, partBytes, partConcurrency }: CopySettings,
  entry: BatchEntry,
  body: AsyncIterable<Uint8Array>,
  metadata: Record<string, string>,
): Promise<string> {
  const { destination, destinationBucket: Bucket } = deps;
  const Key = entry.destKey;
  const retry = deps.retry ?? defaultRetryPolicy;
  const created = await withRetries(
    `CreateMultipartUpload ${Bucket}/${Key}`,
    () => destination.send(new CreateMultipartUploadCommand({ Bucket, Key, Metadata: metadata })),
    retry,
  );
  const UploadId = created.UploadId;
  const parts: { PartNumber: number; ETag: string }[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const launch = (PartNumber: number, Body: Buffer) => {
    const upload = withRetries(
      `UploadPart ${Bucket}/${Key} #${PartNumber}`,
      () => destination.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body })),
      retry,
    ).then(
      ({ ETag }) => {
        parts.push({ PartNumber, ETag: ETag ?? '' });
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    const tracked = upload.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  };
  try {
    const hash = createHash('sha256');
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    let partNumber = 0;
    const cutPart = async (bytes: number) => {
      const all = Buffer.concat(pending, pendingBytes);
      pending = bytes < all.length ? [all.subarray(bytes)] : [];
      pendingBytes = all.length - bytes;
      partNumber += 1;
      launch(partNumber, all.subarray(0, bytes));
      while (inflight.size >= partConcurrency) await Promise.race(inflight);
      if (failure) throw failure.error;
    };
    for await (const chunk of body) {
      hash.update(chunk);
      total += chunk.length;
      pending.push(Buffer.from(chunk));
      pendingBytes += chunk.length;
      while (pendingBytes >= partBytes) await cutPart(partBytes);
    }
    if (pendingBytes > 0 || partNumber === 0) await cutPart(pendingBytes);
    await Promise.all(inflight);
    if (failure) throw failure.error;
    assertSize(entry, total);
    parts.sort((left, right) => left.PartNumber - right.PartNumber);
    await withRetries(
      `CompleteMultipartUpload ${Bucket}/${Key}`,
      () =>
        destination.send(
          new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }),
        ),
      retry,
    );
    const sha256 = hash.digest('hex');
    await withRetries(
      `CopyObject ${Bucket}/${Key} (add sha256)`,
      () =>
        destination.send(
          new CopyObjectCommand({
            Bucket,
            Key,
            CopySource: encodeCopySource(Bucket, Key),
            MetadataDirective: 'REPLACE',
            Metadata: { ...metadata, sha256 },
          }),
        ),
      retry,
    );
    return sha256;
  } catch (error) {
    await Promise.allSettled(inflight);
    await destination.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
    throw error;
  }
}

function transportOf(deps: BackupDependencies, client: S3Client): ObjectTransport {
  return (deps.objectTransport ?? directObjectTransport)(client);
}

/** What transferring `entry` holds in memory: the whole object, or its parts in flight. */
function bufferedBytes(settings: CopySettings, entry: BatchEntry): number {
  return entry.size > settings.multipartThresholdBytes
    ? settings.partBytes * (settings.partConcurrency + 1)
    : Math.max(1, entry.size);
}

function assertSize(entry: BatchEntry, bytes: number): void {
  if (bytes !== entry.size) {
    throw new SourceChangedError(`read ${bytes} bytes from the source, the plan listed ${entry.size}`);
  }
}
