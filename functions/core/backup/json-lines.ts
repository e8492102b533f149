import { createHash, type Hash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ManifestTamperedError } from '../../commons/errors.ts';
import { defaultRetryPolicy, type RetryPolicy, withRetries } from './retry.ts';
import { encodeCopySource, isNotFound } from './s3-calls.ts';

/**
 * JSON Lines files in S3 (manifests and a run's plan, batches and results), written and read as
 * streams. Every file carries user metadata `manifest-sha256`, the hex SHA-256 of its body, and
 * every read verifies it: a file that was edited, truncated or never finished is refused.
 */
export const BODY_SHA256_METADATA = 'manifest-sha256';

/** S3's smallest allowed part (except the last). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/**
 * S3's minimum, as the default: a plan or manifest of a big bucket holds one part in memory, and
 * bench/backup's memory target counts every MiB of it.
 */
const DEFAULT_PART_BYTES = MIN_PART_BYTES;
/** Most files are small (a batch's plan and results): their buffer starts here and doubles. */
const INITIAL_BUFFER_BYTES = 64 * 1024;
/** Room past the part size for the last character that crosses it (UTF-8: at most 4 bytes). */
const CHARACTER_SLACK_BYTES = 4;
const utf8 = new TextEncoder();

/**
 * The bytes of the part being written, encoded straight into one buffer: no Buffer per line and
 * no concatenation when the part is sent (the two used to double a writer's memory). A line that
 * crosses the part size is split between two parts, as a multipart upload may split anything.
 */
class PartBuffer {
  #buffer = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  #filled = 0;

  constructor(private readonly partBytes: number) {}

  get filled(): number {
    return this.#filled;
  }

  get full(): boolean {
    return this.#filled >= this.partBytes;
  }

  /** Encodes as much of `text` as the part holds: the UTF-16 units read and the bytes written. */
  append(text: string): { read: number; written: Uint8Array } {
    const limit = this.partBytes + CHARACTER_SLACK_BYTES;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const wanted = Math.min(limit, this.#filled + text.length * 3);
    if (wanted > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.min(limit, Math.max(wanted, this.#buffer.length * 2)));
      this.#buffer.copy(grown, 0, 0, this.#filled);
      this.#buffer = grown;
    }
    const start = this.#filled;
    const { read, written } = utf8.encodeInto(text, this.#buffer.subarray(start, limit));
    this.#filled += written;
    return { read, written: this.#buffer.subarray(start, this.#filled) };
  }

  /** The part so far: a view, valid until the next reset. */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#filled);
  }

  reset(): void {
    this.#filled = 0;
  }
}

export interface JsonLinesTarget {
  s3: S3Client;
  bucket: string;
  key: string;
  /**
   * Where a file too big for one PUT is assembled (multipart) before a server-side copy puts it,
   * with its checksum, at `key`. So `key` only ever exists complete and checksummed. Default
   * `<key>.uploading`.
   */
  stagingKey?: string;
  /** Buffered bytes that trigger a multipart upload; also its part size. At least 5 MiB. */
  partBytes?: number;
  retry?: RetryPolicy;
}

export interface WrittenFile {
  key: string;
  sha256: string;
  bytes: number;
  lines: number;
}

export class JsonLinesWriter {
  readonly #target: Required<Omit<JsonLinesTarget, 'retry'>> & { retry: RetryPolicy };
  readonly #hash: Hash = createHash('sha256');
  readonly #part: PartBuffer;
  #bytes = 0;
  #lines = 0;
  #uploadId: string | undefined;
  readonly #parts: { PartNumber: number; ETag: string }[] = [];
  #state: 'open' | 'closed' | 'aborted' = 'open';

  constructor(target: JsonLinesTarget) {
    const partBytes = target.partBytes ?? DEFAULT_PART_BYTES;
    if (partBytes < MIN_PART_BYTES) {
      throw new RangeError(
        `partBytes must be at least ${MIN_PART_BYTES} (S3's minimum part), got ${partBytes}`,
      );
    }
    this.#target = {
      ...target,
      stagingKey: target.stagingKey ?? `${target.key}.uploading`,
      partBytes,
      retry: target.retry ?? defaultRetryPolicy,
    };
    this.#part = new PartBuffer(partBytes);
  }

  async write(value: unknown): Promise<void> {
    if (this.#state !== 'open') throw new Error(`JsonLinesWriter ${this.#target.key} is ${this.#state}`);
    let text = `${JSON.stringify(value)}\n`;
    this.#lines += 1;
    while (text.length > 0) {
      const { read, written } = this.#part.append(text);
      this.#hash.update(written);
      this.#bytes += written.length;
      text = text.slice(read);
      if (this.#part.full) await this.#uploadPart();
    }
  }

  /** Makes the file visible at its key, with its checksum. */
  async close(): Promise<WrittenFile> {
    if (this.#state !== 'open') throw new Error(`JsonLinesWriter ${this.#target.key} is ${this.#state}`);
    this.#state = 'closed';
    const sha256 = this.#hash.digest('hex');
    const { s3, bucket, key, stagingKey, retry } = this.#target;
    const Metadata = { [BODY_SHA256_METADATA]: sha256 };
    if (this.#uploadId === undefined) {
      const body = this.#part.bytes();
      await withRetries(
        `PutObject ${bucket}/${key}`,
        () =>
          s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: body,
              ContentType: 'application/x-ndjson',
              Metadata,
            }),
          ),
        retry,
      );
    } else {
      if (this.#part.filled > 0) await this.#uploadPart();
      const uploadId = this.#uploadId;
      await withRetries(
        `CompleteMultipartUpload ${bucket}/${stagingKey}`,
        () =>
          s3.send(
            new CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: stagingKey,
              UploadId: uploadId,
              MultipartUpload: { Parts: this.#parts },
            }),
          ),
        retry,
      );
      await withRetries(
        `CopyObject ${bucket}/${stagingKey} -> ${key}`,
        () =>
          s3.send(
            new CopyObjectCommand({
              Bucket: bucket,
              Key: key,
              CopySource: encodeCopySource(bucket, stagingKey),
              MetadataDirective: 'REPLACE',
              ContentType: 'application/x-ndjson',
              Metadata,
            }),
          ),
        retry,
      );
      await withRetries(
        `DeleteObject ${bucket}/${stagingKey}`,
        () => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: stagingKey })),
        retry,
      );
    }
    return { key, sha256, bytes: this.#bytes, lines: this.#lines };
  }

  /** Gives up: nothing appears at the key (a started multipart upload is aborted, best effort). */
  async abort(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    this.#part.reset();
    const { s3, bucket, stagingKey } = this.#target;
    if (this.#uploadId !== undefined) {
      await s3
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: stagingKey, UploadId: this.#uploadId }))
        .catch(() => undefined);
    }
  }

  async #uploadPart(): Promise<void> {
    const { s3, bucket, stagingKey, retry } = this.#target;
    if (this.#uploadId === undefined) {
      const created = await withRetries(
        `CreateMultipartUpload ${bucket}/${stagingKey}`,
        () => s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: stagingKey })),
        retry,
      );
      this.#uploadId = created.UploadId;
    }
    const uploadId = this.#uploadId;
    const PartNumber = this.#parts.length + 1;
    const body = this.#part.bytes();
    const { ETag } = await withRetries(
      `UploadPart ${bucket}/${stagingKey} #${PartNumber}`,
      () =>
        s3.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: stagingKey,
            UploadId: uploadId,
            PartNumber,
            Body: body,
          }),
        ),
      retry,
    );
    this.#parts.push({ PartNumber, ETag: ETag ?? '' });
    // Only now: every attempt of the upload above sent this very buffer.
    this.#part.reset();
  }
}

export interface ReadJsonLinesOptions {
  /** A missing file reads as empty instead of failing (a batch that never ran has no results). */
  missingAsEmpty?: boolean;
  retry?: RetryPolicy;
}

/**
 * The parsed lines of a JSON Lines file, streamed from GetObject's body. The checksum can only be
 * checked at the end, so a consumer must not act irreversibly on the lines before the iteration
 * finished without an error.
 */
export async function* readJsonLines(
  s3: S3Client,
  bucket: string,
  key: string,
  { missingAsEmpty = false, retry = defaultRetryPolicy }: ReadJsonLinesOptions = {},
): AsyncGenerator<unknown> {
  let response: GetObjectCommandOutput;
  try {
    response = await withRetries(
      `GetObject ${bucket}/${key}`,
      () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
      retry,
    );
  } catch (error) {
    if (missingAsEmpty && isNotFound(error)) return;
    throw error;
  }
  const expected = response.Metadata?.[BODY_SHA256_METADATA];
  const hash = createHash('sha256');
  let pending = Buffer.alloc(0);
  let lineNumber = 0;
  for await (const chunk of response.Body as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    let start = 0;
    for (let end = pending.indexOf(10); end >= 0; end = pending.indexOf(10, start)) {
      lineNumber += 1;
      yield parseLine(pending.subarray(start, end), key, lineNumber);
      start = end + 1;
    }
    pending = pending.subarray(start);
  }
  const actual = hash.digest('hex');
  if (pending.length > 0) {
    throw new ManifestTamperedError(`${bucket}/${key} does not end with a newline (truncated?)`, {
      bucket,
      key,
    });
  }
  if (expected === undefined || expected !== actual) {
    throw new ManifestTamperedError(
      expected === undefined
        ? `${bucket}/${key} has no ${BODY_SHA256_METADATA} metadata, so its integrity cannot be proven`
        : `${bucket}/${key} does not match its ${BODY_SHA256_METADATA} (recorded ${expected}, computed ${actual})`,
      { bucket, key, expected: expected ?? null, actual },
    );
  }
}

function parseLine(bytes: Buffer, key: string, lineNumber: number): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ManifestTamperedError(`${key} line ${lineNumber} is not JSON: ${(error as Error).message}`, {
      key,
      lineNumber,
    });
  }
}
