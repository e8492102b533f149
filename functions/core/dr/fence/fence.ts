import { type BucketsStepDependencies, fenceBuckets, liftBuckets } from './buckets-step.ts';
import type { FenceKey, FenceStep, FenceStepResult, LiftStepResult } from './outcome.ts';
import { fencePrefect, liftPrefect, type PrefectStepDependencies } from './prefect-step.ts';
import { fenceWriters, liftWriters, type WritersStepDependencies } from './writers-step.ts';

/**
 * The fence's steps in order, and its lift in the reverse order: writes are allowed again
 * (buckets) before the writers come back, and the work pools deliver work only once they are up.
 */
export interface FenceDependencies {
  readonly prefect: PrefectStepDependencies;
  readonly writers: WritersStepDependencies;
  readonly buckets: BucketsStepDependencies;
}

export function fenceStep(key: FenceKey, step: FenceStep, deps: FenceDependencies): Promise<FenceStepResult> {
  switch (step) {
    case 'prefect':
      return fencePrefect(key, deps.prefect);
    case 'writers':
      return fenceWriters(key, deps.writers);
    case 'buckets':
      return fenceBuckets(key, deps.buckets);
  }
}

export interface LiftResult {
  /** `lifted` once every step is lifted (or had nothing fenced); `incomplete` when a side did not answer. */
  readonly status: 'lifted' | 'incomplete';
  readonly steps: LiftStepResult[];
}

/**
 * Lifts the fence's steps, by default all. dr-failback lifts `buckets` alone first: its resync
 * writes into MinIO, while the writers and Prefect stay fenced until traffic is back.
 */
export async function liftFence(
  key: FenceKey,
  deps: FenceDependencies,
  only: readonly LiftableStep[] = LIFTABLE_STEPS,
): Promise<LiftResult> {
  const lifts = {
    buckets: () => liftBuckets(key, deps.buckets),
    writers: () => liftWriters(key, deps.writers),
    prefect: () => liftPrefect(key, deps.prefect),
  } as const;
  const steps = [];
  for (const step of LIFTABLE_STEPS) if (only.includes(step)) steps.push(await lifts[step]());
  return { status: steps.some((step) => step.status === 'unreachable') ? 'incomplete' : 'lifted', steps };
}

/** In the order a lift goes: the buckets first (the resync needs them), Prefect last (it starts flows). */
export const LIFTABLE_STEPS = ['buckets', 'writers', 'prefect'] as const;
export type LiftableStep = (typeof LIFTABLE_STEPS)[number];
