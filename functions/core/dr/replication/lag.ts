import { oldestPending, type PendingTable } from './pending-journal.ts';

/**
 * Replication lag, measured (docs/dr.md, "Pending journal and lag"): the age of the oldest event
 * not yet replicated, per bucket and overall, from one Query per bucket on the pending journal.
 * Nothing pending means a lag of zero. The dr-failover gate calls this same function.
 */
export interface PendingSummary {
  bucket: string;
  key: string;
  eventName: string;
  eventTime: string;
  ageSeconds: number;
}

export interface BucketLag {
  lagSeconds: number;
  oldestPending: PendingSummary | null;
}

export interface ReplicationLag extends BucketLag {
  measuredAt: string;
  perBucket: Record<string, BucketLag>;
}

export async function measureReplicationLag(
  table: PendingTable,
  buckets: readonly string[],
): Promise<ReplicationLag> {
  const now = (table.clock ?? (() => new Date()))();
  const oldest = await Promise.all(buckets.map((bucket) => oldestPending(table, bucket)));
  const perBucket: Record<string, BucketLag> = {};
  let overall: PendingSummary | null = null;
  buckets.forEach((bucket, index) => {
    const record = oldest[index];
    const summary: PendingSummary | null = record
      ? { ...record, ageSeconds: Math.max(0, (now.getTime() - Date.parse(record.eventTime)) / 1000) }
      : null;
    perBucket[bucket] = { lagSeconds: summary?.ageSeconds ?? 0, oldestPending: summary };
    if (summary && (!overall || summary.ageSeconds > overall.ageSeconds)) overall = summary;
  });
  const oldestOverall = overall as PendingSummary | null;
  return {
    measuredAt: now.toISOString(),
    lagSeconds: oldestOverall?.ageSeconds ?? 0,
    oldestPending: oldestOverall,
    perBucket,
  };
}
