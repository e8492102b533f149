import * as z from 'zod/mini';

/**
 * The right-sizing thresholds of an environment (infra config -> COST_RIGHTSIZING, JSON; every
 * field has a default, so `{}` is valid). docs/cost.md explains each choice; the formula is in
 * ./formula.ts.
 */
const MIB = 2 ** 20;

const fraction = () => z.number().check(z.gt(0), z.lt(1));
const nonNegative = () => z.number().check(z.nonnegative());
const positive = () => z.number().check(z.positive());

export const rightsizingSettingsSchema = z.object({
  /** The CPU request is this percentile of each pod's usage (5-minute rates). */
  cpuPercentile: z._default(fraction(), 0.95),
  /**
   * Added on top of the CPU percentile (0.05 = +5%). None by default: CPU above its request is
   * throttled only under contention, never killed, and p95 alone kept 5-minute bins above request
   * under 3% in bench/cost.
   */
  cpuMargin: z._default(nonNegative(), 0),
  /** Memory request = projected peak x (1 + memoryRequestMargin). */
  memoryRequestMargin: z._default(nonNegative(), 0.05),
  /** Memory limit = projected peak x (1 + memoryLimitMargin), never below the request. */
  memoryLimitMargin: z._default(nonNegative(), 0.2),
  /** After an OOM kill the observed peak is the old limit, not the demand: raise by max(+bytes, x factor). */
  oomBumpBytes: z._default(nonNegative(), 100 * MIB),
  oomBumpFactor: z._default(z.number().check(z.gte(1)), 1.2),
  /** How far ahead a growing working set is projected (the apply cadence: weekly). */
  memoryGrowthHorizonHours: z._default(nonNegative(), 7 * 24),
  /** Projected growth below this share of the peak is noise, not a leak: the margins cover it. */
  minMemoryGrowthRatio: z._default(nonNegative(), 0.05),
  minCpuCores: z._default(positive(), 0.01),
  minMemoryBytes: z._default(positive(), 64 * MIB),
  /** Below this much usage history a workload gets no recommendation at all. */
  minHistoryHours: z._default(positive(), 72),
  /** At or above this much history (and steady usage) the confidence is high. */
  fullConfidenceHistoryHours: z._default(positive(), 7 * 24),
  /** CPU p99 / p95 above which confidence drops a level: a heavy tail, so p95 is often exceeded by far. */
  maxCpuTailRatio: z._default(z.number().check(z.gte(1)), 1.5),
  /** Changes smaller than this (relative) are not worth a rollout: the current value is kept. */
  minChangeRatio: z._default(nonNegative(), 0.05),
  /** How often the recording rules run (usage-queries.ts): one recorded sample is this much pod-time. */
  recordingIntervalSeconds: z._default(positive(), 300),
  /** Deadline of one Prometheus query. */
  queryTimeoutSeconds: z._default(positive(), 60),
  /** Queries sent to Prometheus at once (each runs on one of its cores). */
  queryConcurrency: z._default(z.number().check(z.int(), z.positive()), 4),
});
export type RightsizingSettings = z.output<typeof rightsizingSettingsSchema>;

export const defaultRightsizingSettings: RightsizingSettings = rightsizingSettingsSchema.parse({});
