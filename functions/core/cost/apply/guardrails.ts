import type { ResourceAmounts, Resources, UsageEvidence } from '../recommendation.ts';
import { formatCpu, formatMemory } from './quantities.ts';

/**
 * The guardrails between a recommendation and what is written, each a pure rule on numbers:
 *
 * - weekly cap: no request or limit falls more than `maxWeeklyDecrease` below its value a week
 *   ago (the earliest value the history of applied changes holds for the last 7 days, or the
 *   current one). The cap clamps the decrease: the workload still moves as far as it may.
 * - p99 floor: no CPU value below the observed p99 CPU usage, no memory value below the p99 working
 *   set, whatever the recommender says.
 * - consistency: a limit is never below its request (the API server would refuse the patch).
 *
 * Increases pass untouched (an under-provisioned workload gets what it needs at once). A quantity
 * the recommendation leaves out is not touched.
 */
export interface GuardInput {
  readonly current: Resources;
  readonly recommended: Resources;
  readonly evidence: Pick<UsageEvidence, 'cpuP99Cores' | 'memoryP99Bytes'>;
  /** Each quantity as it was at the start of the 7-day window, where the history knows it. */
  readonly weekAgo: Resources;
  readonly maxWeeklyDecrease: number;
}

export interface GuardedResources {
  readonly target: Resources;
  /** One line per rule that changed the recommendation. */
  readonly notes: string[];
}

type Section = keyof Resources;
type Amount = keyof ResourceAmounts;

const QUANTITIES: readonly { section: Section; amount: Amount; label: string }[] = [
  { section: 'requests', amount: 'cpuCores', label: 'CPU request' },
  { section: 'limits', amount: 'cpuCores', label: 'CPU limit' },
  { section: 'requests', amount: 'memoryBytes', label: 'memory request' },
  { section: 'limits', amount: 'memoryBytes', label: 'memory limit' },
];

function format(amount: Amount, value: number): string {
  return amount === 'cpuCores' ? formatCpu(value) : formatMemory(value);
}

/** The lowest value the weekly cap allows, from the value a week ago. */
export function weeklyCapFloor(weekAgo: number, maxWeeklyDecrease: number): number {
  return weekAgo * (1 - maxWeeklyDecrease);
}

/** One quantity through the cap and the floor; undefined when it is not to be written. */
export function guardQuantity(
  current: number | undefined,
  recommended: number | undefined,
  options: { weekAgo: number | undefined; maxWeeklyDecrease: number; p99: number },
): { value: number | undefined; cap?: { recommended: number; heldAt: number }; flooredFrom?: number } {
  if (recommended === undefined) return { value: current };
  let value = recommended;
  let cap: { recommended: number; heldAt: number } | undefined;
  if (current !== undefined && value < current) {
    const floor = weeklyCapFloor(options.weekAgo ?? current, options.maxWeeklyDecrease);
    if (value < floor) {
      // Already at (or past) the week's allowance: hold, never go back up because of the cap.
      cap = { recommended: value, heldAt: Math.min(current, floor) };
      value = cap.heldAt;
    }
  }
  let flooredFrom: number | undefined;
  if (value < options.p99) {
    flooredFrom = value;
    value = options.p99;
  }
  return {
    value,
    ...(cap === undefined ? {} : { cap }),
    ...(flooredFrom === undefined ? {} : { flooredFrom }),
  };
}

export function guardResources(input: GuardInput): GuardedResources {
  const notes: string[] = [];
  const target: Resources = { requests: {}, limits: {} };
  for (const { section, amount, label } of QUANTITIES) {
    const p99 = amount === 'cpuCores' ? input.evidence.cpuP99Cores : input.evidence.memoryP99Bytes;
    const guarded = guardQuantity(input.current[section][amount], input.recommended[section][amount], {
      weekAgo: input.weekAgo[section][amount],
      maxWeeklyDecrease: input.maxWeeklyDecrease,
      p99,
    });
    if (guarded.value === undefined) continue;
    target[section][amount] = guarded.value;
    if (guarded.cap !== undefined) {
      notes.push(
        `${label}: ${format(amount, guarded.cap.recommended)} recommended, held at ${format(amount, guarded.cap.heldAt)} by the weekly cap of ${Math.round(input.maxWeeklyDecrease * 100)}%`,
      );
    }
    if (guarded.flooredFrom !== undefined) {
      notes.push(
        `${label}: raised from ${format(amount, guarded.flooredFrom)} to the observed p99 usage ${format(amount, p99)}`,
      );
    }
  }
  for (const amount of ['cpuCores', 'memoryBytes'] as const) {
    const request = target.requests[amount];
    const limit = target.limits[amount];
    if (request !== undefined && limit !== undefined && limit < request) {
      target.limits[amount] = request;
      notes.push(
        `${amount === 'cpuCores' ? 'CPU' : 'memory'} limit raised to the request ${format(amount, request)}`,
      );
    }
  }
  return { target, notes };
}

/** Why a change must wait for a person; empty when it may be applied at once. */
export function approvalReasons(options: {
  readonly environment: string;
  readonly requireApproval: boolean;
  readonly statefulTier: string | undefined;
}): string[] {
  const reasons: string[] = [];
  if (options.statefulTier !== undefined) {
    reasons.push(
      `${options.statefulTier} is in the stateful tier: approval is required in every environment`,
    );
  }
  if (options.requireApproval) {
    reasons.push(`applying right-sizing in ${options.environment} requires approval`);
  }
  return reasons;
}
