import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { SavedEntries } from '../../cost/off-hours/workload-scaling.ts';
import type { ReplicationLag } from '../replication/lag.ts';
import {
  type BucketPolicies,
  hasFenceStatement,
  samePolicy,
  UNSUPPORTED,
  withFence,
  withoutFence,
} from './bucket-policy.ts';
import { type FenceTable, markFenced, markLifted, readFenceRecord, saveOriginals } from './fence-store.ts';
import type { FenceChange, FenceKey, FenceStepResult, LiftStepResult } from './outcome.ts';
import { probeReachability } from './reachability.ts';

/**
 * Fence step `buckets`: every source bucket read-only (./bucket-policy.ts), each bucket's policy
 * saved first without the fence's own statement, so even a save lost between two attempts is
 * never replaced by the fenced policy. Once the buckets take no more writes, the replication lag
 * is the failover's RPO: it is measured then and kept with the step's record (first time only).
 */
export const savedBucketsSchema = z.object({
  buckets: z.array(z.object({ bucket: nonEmptyString(), policy: z.nullable(z.string()) })),
});
type SavedBucket = z.output<typeof savedBucketsSchema>['buckets'][number];

export interface BucketsStepDependencies {
  readonly policies: BucketPolicies;
  readonly table: FenceTable;
  readonly buckets: readonly string[];
  /** The replication lag now (functions/core/dr/replication/lag.ts). */
  readonly measureLag: () => Promise<ReplicationLag>;
}

export const RPO_FACT = 'replicationLagAtFence';

export async function fenceBuckets(key: FenceKey, deps: BucketsStepDependencies): Promise<FenceStepResult> {
  const { policies, table, buckets } = deps;
  const base = { step: 'buckets' as const, side: key.side, failoverId: key.failoverId };
  const first = buckets[0];
  const reach = first
    ? await probeReachability('MinIO', () => policies.probe(first))
    : { reachable: true as const };
  if (!reach.reachable)
    return { ...base, status: 'unreachable', detail: reach.reason, changes: [], saved: 0 };

  const stored = await readFenceRecord(table, key, 'buckets', savedBucketsSchema);
  const entries = new SavedEntries<SavedBucket>(stored?.original.buckets ?? [], (entry) => entry.bucket);
  const changes: FenceChange[] = [];
  const toFence: SavedBucket[] = [];
  for (const bucket of buckets) {
    const current = await policies.read(bucket);
    if (current === UNSUPPORTED) {
      changes.push({ target: `bucket ${bucket}`, change: 'deny writes', outcome: 'unsupported' });
      continue;
    }
    const saved = entries.keep({ bucket, policy: withoutFence(bucket, current) }, true);
    if (hasFenceStatement(bucket, current))
      changes.push({ target: `bucket ${bucket}`, change: 'deny writes', outcome: 'unchanged' });
    else if (saved) toFence.push(saved);
  }
  const original = { buckets: entries.values() };
  await saveOriginals(table, key, 'buckets', stored, original);
  for (const { bucket, policy } of toFence) {
    const written = await policies.write(bucket, withFence(bucket, policy));
    changes.push({
      target: `bucket ${bucket}`,
      change: 'deny writes',
      outcome: written === UNSUPPORTED ? 'unsupported' : 'changed',
    });
  }
  const unsupported = changes.filter((change) => change.outcome === 'unsupported').length;
  const lag = await deps.measureLag();
  await markFenced(table, key, 'buckets', { [RPO_FACT]: lag });
  const allUnsupported = buckets.length > 0 && unsupported === buckets.length;
  return {
    ...base,
    status: allUnsupported ? 'unsupported' : 'fenced',
    detail: allUnsupported
      ? `the object store has no bucket policies: ${buckets.length} buckets still take writes from anything not scaled down`
      : `${buckets.length - unsupported} of ${buckets.length} buckets deny writes; replication lag at fencing ${lag.lagSeconds} s`,
    changes,
    saved: original.buckets.length,
  };
}

export async function liftBuckets(key: FenceKey, deps: BucketsStepDependencies): Promise<LiftStepResult> {
  const { policies, table } = deps;
  const base = { step: 'buckets' as const, side: key.side, failoverId: key.failoverId, missing: [] };
  const stored = await readFenceRecord(table, key, 'buckets', savedBucketsSchema);
  if (!stored)
    return { ...base, changes: [], status: 'not-fenced', detail: 'no bucket was fenced by this failover' };
  if (stored.phase === 'lifted')
    return {
      ...base,
      changes: [],
      status: 'already-lifted',
      detail: `the buckets' fence was lifted at ${stored.liftedAt}`,
    };
  const first = stored.original.buckets[0]?.bucket;
  const reach = first
    ? await probeReachability('MinIO', () => policies.probe(first))
    : { reachable: true as const };
  if (!reach.reachable) return { ...base, changes: [], status: 'unreachable', detail: reach.reason };

  const changes: FenceChange[] = [];
  for (const { bucket, policy } of stored.original.buckets) {
    const target = `bucket ${bucket}`;
    const current = await policies.read(bucket);
    if (current === UNSUPPORTED) {
      changes.push({ target, change: 'restore policy', outcome: 'unsupported' });
      continue;
    }
    if (samePolicy(bucket, current, policy)) {
      changes.push({ target, change: 'restore policy', outcome: 'unchanged' });
      continue;
    }
    const done = policy === null ? await policies.remove(bucket) : await policies.write(bucket, policy);
    changes.push({
      target,
      change: policy === null ? 'remove policy (it had none)' : 'restore policy',
      outcome: done === UNSUPPORTED ? 'unsupported' : 'changed',
    });
  }
  await markLifted(table, key, 'buckets');
  return {
    ...base,
    status: 'lifted',
    detail: `gave ${changes.filter((change) => change.outcome === 'changed').length} of ${changes.length} buckets their policy from before the fence back`,
    changes,
  };
}
