import { describeError } from '../../../commons/errors.ts';
import type { ReplicationLogger } from './dependencies.ts';
import { compareListed, type ListingSide, pairListings } from './listing-diff.ts';
import { type ReplicationStores, type SyncOutcome, syncObject } from './object-sync.ts';
import { clearPendingBefore, type PendingTable } from './pending-journal.ts';
import { replicaPrefix } from './replica-layout.ts';
import { forEachConcurrent } from './stream-pool.ts';

/**
 * The reconciler (docs/dr.md, "Reconciler"): for each replicated bucket, stream MinIO's listing
 * against the replica's and repair every difference with the same state-based sync the replicate
 * function uses, so an event MinIO never delivered (or that died in the dead-letter queue) is made
 * good. Once a bucket is fully reconciled, every pending record of an event from before the run
 * started is replicated whatever became of its message: those records are cleared, except the
 * ones of objects this run failed to repair.
 */
export interface ReconcileDependencies {
  stores: ReplicationStores;
  table: PendingTable;
  logger: ReplicationLogger;
  clock?: () => Date;
}

export interface ReconcileOptions {
  buckets: readonly string[];
  /** Epoch milliseconds after which no new object is looked at (the Lambda's time is running out). */
  deadline?: number;
  /** Objects compared and repaired at the same time; 8 by default. */
  concurrency?: number;
}

export interface BucketReconcileReport {
  bucket: string;
  /** false when the deadline stopped the run before the end of the listings. */
  complete: boolean;
  /** Keys looked at (either side). */
  compared: number;
  inSync: number;
  repaired: Record<SyncOutcome, number>;
  failed: number;
  failures: { key: string; reason: string }[];
  /** The source LastModified of the oldest object this run had to copy: how late events were. */
  oldestRepaired: { key: string; lastModified: string; ageSeconds: number } | null;
  pendingCleared: number;
}

export interface ReconcileReport {
  startedAt: string;
  finishedAt: string;
  complete: boolean;
  totals: { compared: number; inSync: number; repaired: number; failed: number; pendingCleared: number };
  /** Over all buckets; null when nothing had to be copied. */
  oldestRepairAgeSeconds: number | null;
  buckets: BucketReconcileReport[];
}

const DEFAULT_CONCURRENCY = 8;
const MAX_REPORTED_FAILURES = 20;
/** Failed keys remembered so their pending records are kept; beyond this no record is cleared. */
const MAX_TRACKED_FAILURES = 10_000;
/**
 * Events up to this long before the run started may not be visible in its listing yet (MinIO's
 * and this function's clocks differ): their records are left to their own messages.
 */
export const CLOCK_MARGIN_MS = 60_000;

export async function reconcileReplication(
  dependencies: ReconcileDependencies,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  const clock = dependencies.clock ?? (() => new Date());
  const startedAt = clock();
  const buckets: BucketReconcileReport[] = [];
  for (const bucket of options.buckets) {
    buckets.push(await reconcileBucket(dependencies, bucket, startedAt, options));
  }
  const sum = (pick: (report: BucketReconcileReport) => number) =>
    buckets.reduce((total, report) => total + pick(report), 0);
  const ages = buckets.flatMap((report) => (report.oldestRepaired ? [report.oldestRepaired.ageSeconds] : []));
  const report: ReconcileReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: clock().toISOString(),
    complete: buckets.every((bucket) => bucket.complete),
    totals: {
      compared: sum((report) => report.compared),
      inSync: sum((report) => report.inSync),
      repaired: sum((report) => report.repaired.copied + report.repaired.deleted),
      failed: sum((report) => report.failed),
      pendingCleared: sum((report) => report.pendingCleared),
    },
    oldestRepairAgeSeconds: ages.length > 0 ? Math.max(...ages) : null,
    buckets,
  };
  dependencies.logger.info('replication reconciled', { ...report, buckets: undefined });
  return report;
}

async function reconcileBucket(
  dependencies: ReconcileDependencies,
  bucket: string,
  startedAt: Date,
  options: ReconcileOptions,
): Promise<BucketReconcileReport> {
  const { stores } = dependencies;
  const source: ListingSide = { s3: stores.source, bucket, prefix: '' };
  const target: ListingSide = {
    s3: stores.replica,
    bucket: stores.replicaBucket,
    prefix: replicaPrefix(bucket),
  };
  const report: BucketReconcileReport = {
    bucket,
    complete: false,
    compared: 0,
    inSync: 0,
    repaired: { copied: 0, unchanged: 0, deleted: 0, absent: 0 },
    failed: 0,
    failures: [],
    oldestRepaired: null,
    pendingCleared: 0,
  };
  const failedKeys = new Set<string>();
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  report.complete = await forEachConcurrent(
    pairListings(source, target, stores.retry),
    options.concurrency ?? DEFAULT_CONCURRENCY,
    async (pair) => {
      report.compared += 1;
      try {
        if ((await compareListed(source, target, pair, stores.retry)) === 'same') {
          report.inSync += 1;
          return;
        }
        const result = await syncObject(stores, bucket, pair.key);
        report.repaired[result.outcome] += 1;
        if (result.outcome === 'copied' && result.source)
          noteRepair(report, pair.key, result.source.lastModified, startedAt);
      } catch (error) {
        report.failed += 1;
        if (failedKeys.size < MAX_TRACKED_FAILURES) failedKeys.add(pair.key);
        if (report.failures.length < MAX_REPORTED_FAILURES) {
          report.failures.push({ key: pair.key, reason: describeError(error) });
        }
      }
    },
    () => Date.now() >= deadline,
  );
  if (report.complete && report.failed <= MAX_TRACKED_FAILURES) {
    report.pendingCleared = await clearPendingBefore(
      dependencies.table,
      bucket,
      new Date(startedAt.getTime() - CLOCK_MARGIN_MS),
      (record) => failedKeys.has(record.key),
    );
  }
  if (report.failed > 0 || !report.complete) {
    dependencies.logger.warn('replication not fully reconciled', {
      bucket,
      complete: report.complete,
      failed: report.failed,
      failures: report.failures.slice(0, 5),
    });
  }
  return report;
}

function noteRepair(report: BucketReconcileReport, key: string, lastModified: string, startedAt: Date): void {
  if (report.oldestRepaired && report.oldestRepaired.lastModified <= lastModified) return;
  const ageSeconds = Math.max(0, Math.round((startedAt.getTime() - Date.parse(lastModified)) / 1000));
  report.oldestRepaired = { key, lastModified, ageSeconds };
}
