/** Summary of measured durations, in whole milliseconds. */
export interface LatencySummary {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/**
 * The nearest-rank percentile (the smallest sample with at least `percent` % of the samples at or
 * below it): always a measured value, never an interpolation between two.
 */
export function percentile(sortedMs: readonly number[], percent: number): number {
  if (sortedMs.length === 0) throw new RangeError('a percentile of no samples does not exist');
  if (!(percent > 0 && percent <= 100)) throw new RangeError(`percent must be in (0, 100], got ${percent}`);
  const rank = Math.ceil((percent / 100) * sortedMs.length);
  return sortedMs[rank - 1] as number;
}

export function summarizeLatencies(durationsMs: readonly number[]): LatencySummary {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value);
  return {
    samples: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    maxMs: round(sorted.at(-1) as number),
  };
}

/** One decimal place: what the report shows for rates and seconds. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
