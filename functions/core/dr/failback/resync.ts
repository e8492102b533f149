import { describeError } from '../../../commons/errors.ts';
import { compareKeys } from '../../backup/layout.ts';
import { compareListed, type ListingSide, pairListings } from '../replication/listing-diff.ts';
import type { ReplicationStores } from '../replication/object-sync.ts';
import { replicaPrefix } from '../replication/replica-layout.ts';
import { forEachConcurrent } from '../replication/stream-pool.ts';
import { isSourceChange, resyncObject } from './object-resync.ts';

/**
 * One pass of failback's resync, replica -> MinIO, over every replicated bucket (docs/dr.md,
 * "Failback"): the two listings stream through the listing diff (functions/core/dr/replication/
 * listing-diff.ts, the reconciler's, the other way round) and each difference is repaired by
 * ./object-resync.ts, or only counted in `check` mode. A pass may take several calls: each stops
 * taking new keys at its deadline and hands back a cursor (bucket, last key done), from which the
 * next call goes on; the pass is complete when the last bucket's listings end.
 */
export type ResyncMode = 'repair' | 'check';

export interface PassCounts {
  /** Keys looked at, either side. */
  compared: number;
  same: number;
  copied: number;
  deleted: number;
  conflicts: number;
  failed: number;
  bytesCopied: number;
}

export interface KeyProblem {
  bucket: string;
  key: string;
  reason: string;
}

export interface ResyncCursor {
  /** The bucket the next call starts in. */
  bucket: string;
  /** Keys up to this one (in that bucket) are done. */
  after?: string;
}

export interface PassProgress {
  startedAt: string;
  counts: PassCounts;
  /** Where the next call goes on; null once the pass is complete. */
  cursor: ResyncCursor | null;
  /** The first conflicts and failures, for the report and the refusal. */
  conflicts: KeyProblem[];
  failures: KeyProblem[];
}

export interface ResyncCallOptions {
  readonly buckets: readonly string[];
  readonly mode: ResyncMode;
  /** Epoch milliseconds (object-resync.ts). */
  readonly cutoff: number;
  /** The pass so far; a new pass when absent. */
  readonly pass?: PassProgress;
  /** Epoch milliseconds after which no new key is looked at. */
  readonly deadline?: number;
  /** Asked before each key: stop here? By default, whether the deadline has passed. */
  readonly shouldStop?: () => boolean;
  readonly concurrency?: number;
  readonly clock?: () => Date;
}

const DEFAULT_CONCURRENCY = 8;
export const MAX_LISTED_PROBLEMS = 20;

export function emptyCounts(): PassCounts {
  return { compared: 0, same: 0, copied: 0, deleted: 0, conflicts: 0, failed: 0, bytesCopied: 0 };
}

/**
 * Differences a pass found: what it copied or deleted (in check mode what it would have), conflicts
 * and failures. Zero only when MinIO held the replica's content all along the pass.
 */
export function differencesOf(counts: PassCounts): number {
  return counts.copied + counts.deleted + counts.conflicts + counts.failed;
}

export async function resyncCall(
  stores: ReplicationStores,
  options: ResyncCallOptions,
): Promise<PassProgress> {
  const { buckets } = options;
  const clock = options.clock ?? (() => new Date());
  const pass: PassProgress = structuredClone(
    options.pass ?? {
      startedAt: clock().toISOString(),
      counts: emptyCounts(),
      cursor: buckets[0] === undefined ? null : { bucket: buckets[0] },
      conflicts: [],
      failures: [],
    },
  );
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const shouldStop = options.shouldStop ?? (() => Date.now() >= deadline);
  while (pass.cursor) {
    const { bucket, after } = pass.cursor;
    const index = buckets.indexOf(bucket);
    if (index < 0) {
      throw new Error(
        `the resync cursor names bucket ${bucket}, which is not among the replicated buckets (${buckets.join(', ')})`,
      );
    }
    const last = await resyncBucket(stores, bucket, after, pass, options, shouldStop);
    if (!last.complete) {
      pass.cursor = { bucket, ...(last.key === undefined ? {} : { after: last.key }) };
      return pass;
    }
    const next = buckets[index + 1];
    pass.cursor = next === undefined ? null : { bucket: next };
    if (pass.cursor && shouldStop()) return pass;
  }
  return pass;
}

async function resyncBucket(
  stores: ReplicationStores,
  bucket: string,
  after: string | undefined,
  pass: PassProgress,
  options: ResyncCallOptions,
  shouldStop: () => boolean,
): Promise<{ complete: boolean; key?: string }> {
  const replicaSide: ListingSide = {
    s3: stores.replica,
    bucket: stores.replicaBucket,
    prefix: replicaPrefix(bucket),
  };
  const minioSide: ListingSide = { s3: stores.source, bucket, prefix: '' };
  let lastKey = after;
  // Keys before the cursor were done by an earlier call; listing them again is cheap next to copying.
  async function* remaining() {
    for await (const pair of pairListings(replicaSide, minioSide, stores.retry)) {
      if (after !== undefined && compareKeys(pair.key, after) <= 0) continue;
      yield pair;
    }
  }
  const { counts } = pass;
  const complete = await forEachConcurrent(
    remaining(),
    options.concurrency ?? DEFAULT_CONCURRENCY,
    async (pair) => {
      // Pulled in key order, and every key pulled is finished before the call returns.
      lastKey = pair.key;
      counts.compared += 1;
      try {
        const difference = await compareListed(replicaSide, minioSide, pair, stores.retry);
        if (difference === 'same') {
          counts.same += 1;
          return;
        }
        if (options.mode === 'check') {
          if (difference === 'extra') counts.deleted += 1;
          else counts.copied += 1;
          return;
        }
        const outcome = await resyncObject({ stores, bucket, cutoff: options.cutoff }, pair, difference);
        if (outcome.action === 'conflict') {
          counts.conflicts += 1;
          note(pass.conflicts, { bucket, key: pair.key, reason: outcome.reason ?? 'conflict' });
          return;
        }
        counts[outcome.action] += 1;
        counts.bytesCopied += outcome.bytes;
      } catch (error) {
        counts.failed += 1;
        const reason = isSourceChange(error)
          ? `changed on the DR side while it was copied (the next pass copies it): ${describeError(error)}`
          : describeError(error);
        note(pass.failures, { bucket, key: pair.key, reason });
      }
    },
    shouldStop,
  );
  return { complete, ...(lastKey === undefined ? {} : { key: lastKey }) };
}

function note(list: KeyProblem[], problem: KeyProblem): void {
  if (list.length < MAX_LISTED_PROBLEMS) list.push(problem);
}
