import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../../commons/errors.ts';

/**
 * Keys of the backup bucket (docs/backup.md "Backup bucket layout"). Every key the backup code
 * reads or writes is built here, so the layout has one definition and the parsers are its inverse.
 */

const DATA_ROOT = 'data/';
const MANIFEST_ROOT = 'manifests/';
const RUN_ROOT = 'runs/';
const POSTGRES_ROOT = 'postgres/';
const MANIFEST_SUFFIX = '.jsonl';
const DUMP_SUFFIX = '.dump';

/** S3 bucket naming rules (3-63 characters, lower case, digits, dots, hyphens); no `/` ever. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/**
 * `YYYYMMDDTHHMMSSmmmZ-<8 hex>`: lexicographic order is start-time order, to the millisecond, so two
 * runs of one bucket started within the same second still order (the newest manifest is the one
 * the next run diffs against). Ids from before the milliseconds were added (`...SSZ-<hex>`) are
 * still read.
 */
export const RUN_ID_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})?Z-([0-9a-f]{8})$/;
const RUN_ID_FORMAT = 'YYYYMMDDTHHMMSSmmmZ-<8 hex>';

export function assertBucketName(bucket: string, what = 'source bucket'): string {
  if (!BUCKET_NAME.test(bucket)) {
    throw new InvalidInputError(
      `${what} ${JSON.stringify(bucket)} is not a valid S3 bucket name (3-63 of a-z, 0-9, '.', '-')`,
      { bucket },
    );
  }
  return bucket;
}

/**
 * The ETag as it appears in keys: without quotes, lower case, `-N` kept. S3 ETags never contain
 * `/`, which is what makes `dataKey` injective; an ETag that does is refused rather than trusted.
 */
export function normaliseEtag(etag: string): string {
  const bare = etag.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  if (bare === '' || bare.includes('/')) {
    throw new InvalidInputError(`ETag ${JSON.stringify(etag)} is empty or contains '/'`, { etag });
  }
  return bare;
}

/** `data/<bucket>/<key>/<etag>`: one immutable copy per object version. */
export function dataKey(sourceBucket: string, key: string, etag: string): string {
  return `${dataPrefix(sourceBucket)}${key}/${normaliseEtag(etag)}`;
}

export function dataPrefix(sourceBucket: string): string {
  return `${DATA_ROOT}${assertBucketName(sourceBucket)}/`;
}

/** The inverse of `dataKey`: the ETag is after the last `/`, the bucket before the first one. */
export function parseDataKey(destKey: string): { sourceBucket: string; key: string; etag: string } {
  if (!destKey.startsWith(DATA_ROOT)) throw notA('data key', destKey, `${DATA_ROOT}<bucket>/<key>/<etag>`);
  const rest = destKey.slice(DATA_ROOT.length);
  const bucketEnd = rest.indexOf('/');
  const etagStart = rest.lastIndexOf('/');
  const sourceBucket = rest.slice(0, bucketEnd);
  const etag = rest.slice(etagStart + 1);
  if (bucketEnd < 0 || etagStart === bucketEnd || !BUCKET_NAME.test(sourceBucket) || etag === '') {
    throw notA('data key', destKey, `${DATA_ROOT}<bucket>/<key>/<etag>`);
  }
  return { sourceBucket, key: rest.slice(bucketEnd + 1, etagStart), etag };
}

export function manifestPrefix(sourceBucket: string): string {
  return `${MANIFEST_ROOT}${assertBucketName(sourceBucket)}/`;
}

export function manifestKey(sourceBucket: string, runId: string): string {
  return `${manifestPrefix(sourceBucket)}${assertRunId(runId)}${MANIFEST_SUFFIX}`;
}

/** Where the manifests of every source bucket live: `manifests/<bucket>/<runId>.jsonl`. */
export const MANIFESTS_PREFIX = MANIFEST_ROOT;

/** Where the backup workflow's DumpPostgres writes a database's dumps. */
export function dumpPrefix(database: string): string {
  if (database === '' || database.includes('/')) {
    throw new InvalidInputError(
      `database must be a PostgreSQL database name without "/", got "${database}"`,
      {
        database,
      },
    );
  }
  return `${POSTGRES_ROOT}${database}/`;
}

/** The dump of one backup run (its sidecar and restore reports are named after this key). */
export function dumpKey(database: string, runId: string): string {
  return `${dumpPrefix(database)}${assertRunId(runId)}${DUMP_SUFFIX}`;
}

/** The run id a key under `dumpPrefix(database)` belongs to (`<runId>.dump...`), if any. */
export function runIdOfDumpKey(database: string, key: string): string | undefined {
  const name = key.slice(dumpPrefix(database).length);
  const end = name.indexOf(DUMP_SUFFIX);
  const runId = end < 0 ? '' : name.slice(0, end);
  return key.startsWith(dumpPrefix(database)) && RUN_ID_PATTERN.test(runId) ? runId : undefined;
}

/** The run id of a manifest key under `manifestPrefix(bucket)`, or undefined for anything else. */
export function runIdOfManifestKey(sourceBucket: string, key: string): string | undefined {
  const prefix = manifestPrefix(sourceBucket);
  if (!key.startsWith(prefix) || !key.endsWith(MANIFEST_SUFFIX)) return undefined;
  const runId = key.slice(prefix.length, -MANIFEST_SUFFIX.length);
  return RUN_ID_PATTERN.test(runId) ? runId : undefined;
}

/** Where the work files of a bucket's runs live (one folder per run). */
export function runsPrefix(sourceBucket: string): string {
  return `${RUN_ROOT}${assertBucketName(sourceBucket)}/`;
}

/** Work-in-progress files of one run; deleted when the run's manifest is written. */
export function runKeys(sourceBucket: string, runId: string) {
  const prefix = `${runsPrefix(sourceBucket)}${assertRunId(runId)}/`;
  return {
    prefix,
    plan: `${prefix}plan.jsonl`,
    batches: `${prefix}batches.json`,
    /** Live objects and bytes the plan will put in the manifest (its header is written first). */
    summary: `${prefix}plan-summary.json`,
    batch: (batchIndex: number) => `${prefix}batches/${assertBatchIndex(batchIndex)}.jsonl`,
    results: (batchIndex: number) => `${prefix}results/${assertBatchIndex(batchIndex)}.jsonl`,
    /** Written when a batch starts copying: a retried batch finds it and checks for earlier copies. */
    batchStarted: (batchIndex: number) => `${prefix}started/${assertBatchIndex(batchIndex)}.json`,
    /** Where a multipart manifest is assembled before it is copied, checksummed, to its key. */
    manifestStaging: `${prefix}manifest.jsonl`,
  };
}

export function newRunId(now: Date, random: () => Buffer = () => randomBytes(4)): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${random().toString('hex').slice(0, 8)}`;
}

export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}

export function assertRunId(runId: string): string {
  if (!RUN_ID_PATTERN.test(runId)) throw notA('run id', runId, RUN_ID_FORMAT);
  return runId;
}

/** When the run started (to the millisecond; to the second for older ids), from its id. */
export function runStartedAt(runId: string): Date {
  const [, year, month, day, hour, minute, second, millisecond = '000'] = RUN_ID_PATTERN.exec(
    assertRunId(runId),
  )!;
  return new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millisecond}Z`);
}

/** S3 lists keys in the byte order of their UTF-8 encoding, which differs from JS string order. */
export function compareKeys(left: string, right: string): number {
  if (left === right) return 0;
  return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}

function assertBatchIndex(batchIndex: number): number {
  if (!Number.isSafeInteger(batchIndex) || batchIndex < 0) {
    throw new InvalidInputError(`batch index must be a non-negative integer, got ${batchIndex}`, {
      batchIndex,
    });
  }
  return batchIndex;
}

function notA(what: string, value: string, expected: string): InvalidInputError {
  return new InvalidInputError(`${JSON.stringify(value)} is not a ${what}; expected ${expected}`, {
    value,
  });
}
