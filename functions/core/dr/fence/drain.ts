import type { ReplicationLag } from '../replication/lag.ts';
import { RPO_FACT, savedBucketsSchema } from './buckets-step.ts';
import { type FenceTable, readFenceRecord } from './fence-store.ts';
import type { FenceKey } from './outcome.ts';

/**
 * Drain the last replication events: one look at the pending journal per call (the workflow waits
 * and calls again) until nothing is pending or the deadline set by the first look has passed.
 * The RPO is the replication lag measured when the buckets were fenced; with the primary lost (no
 * fence, no more events) it is the lag now: everything not replicated by then is lost.
 */
export const DEFAULT_DRAIN_TIMEOUT_SECONDS = 600;

export interface DrainLook {
  /** Until when the workflow keeps looking; set by the first look. */
  readonly deadline?: string;
  /**
   * The buckets step's status as the fence reported it. The fence runs in the primary region and
   * this look in drRegion, reading the ops table's replica (about a second behind): a record the
   * fence wrote may not be here yet, and without it the RPO would take the wrong basis.
   */
  readonly bucketsFence?: string;
}

export interface DrainDependencies {
  readonly table: FenceTable;
  readonly measureLag: () => Promise<ReplicationLag>;
  readonly timeoutSeconds: number;
  readonly clock?: () => Date;
}

export interface Rpo {
  readonly seconds: number;
  readonly basis:
    | 'replication lag when the buckets were fenced'
    | 'replication lag now (the buckets were not fenced)';
  readonly measuredAt: string;
}

export interface DrainResult {
  readonly status: 'drained' | 'waiting' | 'timed-out';
  readonly deadline: string;
  readonly pendingOldest: ReplicationLag['oldestPending'];
  readonly lagSeconds: number;
  readonly rpo: Rpo;
}

export async function awaitReplicationDrain(
  key: FenceKey,
  look: DrainLook,
  { table, measureLag, timeoutSeconds, clock }: DrainDependencies,
): Promise<DrainResult> {
  const now = (clock ?? (() => new Date()))();
  const deadline = look.deadline ?? new Date(now.getTime() + timeoutSeconds * 1000).toISOString();
  const [lag, fence] = await Promise.all([
    measureLag(),
    readFenceRecord(table, key, 'buckets', savedBucketsSchema),
  ]);
  const atFence = fence?.facts?.[RPO_FACT] as ReplicationLag | undefined;
  const rpo: Rpo = atFence
    ? {
        seconds: atFence.lagSeconds,
        basis: 'replication lag when the buckets were fenced',
        measuredAt: atFence.measuredAt,
      }
    : {
        seconds: lag.lagSeconds,
        basis: 'replication lag now (the buckets were not fenced)',
        measuredAt: lag.measuredAt,
      };
  const drained = lag.oldestPending === null;
  const expired = now.getTime() >= Date.parse(deadline);
  const fenceNotHereYet = look.bucketsFence === 'fenced' && !atFence;
  // Past the deadline a missing record no longer holds the drain: nothing is pending, so nothing is lost.
  const status = drained && (!fenceNotHereYet || expired) ? 'drained' : expired ? 'timed-out' : 'waiting';
  return { status, deadline, pendingOldest: lag.oldestPending, lagSeconds: lag.lagSeconds, rpo };
}
