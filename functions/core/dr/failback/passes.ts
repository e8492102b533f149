import type { ReplicationStores } from '../replication/object-sync.ts';
import { FailbackDiffNotEmptyError } from './errors.ts';
import {
  differencesOf,
  emptyCounts,
  type PassCounts,
  type PassProgress,
  type ResyncCallOptions,
  type ResyncMode,
  resyncCall,
} from './resync.ts';

/**
 * Failback's resync loop as the workflow drives it, one call at a time (docs/dr.md, "Failback"):
 * passes over every bucket until one complete pass finds no difference (`zero-diff`), at most
 * `maxPasses` of them. Each answer says what the workflow does next:
 *
 * - `in-pass`: the call's deadline came first; call again with this state.
 * - `next-pass`: a pass ended with differences (repaired in `repair` mode); call again for a new pass.
 * - `zero-diff`: the last complete pass found MinIO equal to the replica.
 * - `passes-exhausted`: `maxPasses` passes (or `maxCalls` calls) and still differences. With `requireZeroDiff` the call
 *   fails instead, with FailbackDiffNotEmptyError: that is how the switch back is refused.
 */
export type ResyncStatus = 'in-pass' | 'next-pass' | 'zero-diff' | 'passes-exhausted';

/** What the workflow hands the first call (JSONPath cannot leave a field out). */
export interface NewResync {
  status: 'new';
}

export interface ResyncState {
  mode: ResyncMode;
  status: ResyncStatus;
  /** Complete passes so far. */
  passes: number;
  /** Calls so far, this one included. */
  calls: number;
  /** The pass under way, or the last one once complete. */
  pass: PassProgress;
  /** Differences of the last complete pass; null before the first ends. */
  lastDifferences: number | null;
  /** Everything copied and deleted over all passes: the report's "objects resynced". */
  resynced: Pick<PassCounts, 'copied' | 'deleted' | 'bytesCopied'>;
}

export interface ResyncLoopOptions extends Omit<ResyncCallOptions, 'pass'> {
  readonly maxPasses: number;
  /** Calls at most (each up to a Lambda's time): past it, as when maxPasses are spent. */
  readonly maxCalls: number;
  readonly requireZeroDiff: boolean;
  /** The previous answer; none for the first call. */
  readonly state?: ResyncState | NewResync;
}

export async function resyncStep(
  stores: ReplicationStores,
  options: ResyncLoopOptions,
): Promise<ResyncState> {
  const { maxPasses } = options;
  const state = options.state?.status === 'new' ? undefined : (options.state as ResyncState | undefined);
  const continuing = state?.status === 'in-pass';
  const pass = await resyncCall(stores, { ...options, ...(continuing ? { pass: state.pass } : {}) });
  const resynced = { ...(state?.resynced ?? { copied: 0, deleted: 0, bytesCopied: 0 }) };
  // In check mode nothing is written: its counts say what a repair would do.
  if (options.mode === 'repair') {
    const earlier = continuing ? state.pass.counts : emptyCounts();
    for (const field of ['copied', 'deleted', 'bytesCopied'] as const)
      resynced[field] += pass.counts[field] - earlier[field];
  }
  const passesBefore = state?.passes ?? 0;
  const calls = (state?.calls ?? 0) + 1;
  const complete = pass.cursor === null;
  const passes = passesBefore + (complete ? 1 : 0);
  const differences = complete ? differencesOf(pass.counts) : (state?.lastDifferences ?? null);
  const spent = passes >= maxPasses || calls >= options.maxCalls;
  const status: ResyncStatus =
    complete && differences === 0
      ? 'zero-diff'
      : spent
        ? 'passes-exhausted'
        : complete
          ? 'next-pass'
          : 'in-pass';
  const result: ResyncState = {
    mode: options.mode,
    status,
    passes,
    calls,
    pass,
    lastDifferences: differences,
    resynced,
  };
  if (status === 'passes-exhausted' && options.requireZeroDiff) throw diffNotEmpty(result);
  return result;
}

function diffNotEmpty(state: ResyncState): FailbackDiffNotEmptyError {
  const { counts, conflicts, failures } = state.pass;
  const parts = [
    `${counts.copied} to copy${state.mode === 'repair' ? ' (copied, then changed again)' : ''}`,
    `${counts.deleted} to delete`,
    `${counts.conflicts} conflicts`,
    `${counts.failed} failed`,
  ];
  const first = conflicts[0] ?? failures[0];
  return new FailbackDiffNotEmptyError(
    `the replica and MinIO still differ after ${state.passes} passes and ${state.calls} calls (${parts.join(', ')})${first ? `; first: ${first.bucket}/${first.key}: ${first.reason}` : ''}: not switching back while the diff is not empty`,
    { passes: state.passes, counts, conflicts, failures },
  );
}
