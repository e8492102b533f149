/**
 * The two anchors right-sizing is measured against, as their documentation and source define them.
 *
 * KRR "simple" strategy (robusta-dev/krr, strategies/simple.py): CPU request = the 95th
 * percentile of each pod's CPU usage, the maximum over the workload's pods, no CPU limit; memory
 * request = limit = the maximum working set x 1.15; its CLI floors: 10m CPU, 100Mi memory; no
 * recommendation for a resource an HPA targets (unless --allow-hpa). It gets its statistics from
 * the same Prometheus queries as lakehouse-ops.
 *
 * Both anchors leave a resource an HPA scales on as it is, as lakehouse-ops does (VPA on an
 * HPA's resource is a documented conflict), so the comparison is about the formulas.
 *
 * VPA recommender (kubernetes/autoscaler, vertical-pod-autoscaler/pkg/recommender): every CPU
 * sample goes into a decaying histogram (half-life 24 h, exponential buckets from 0.01 cores,
 * ratio 1.05), each day's memory peak of each pod into another (buckets from 10 MB), an OOM kill
 * as a memory sample of max(used + 100 MB, used x 1.2); the target is the 90th percentile of each
 * (the bucket's upper end) x 1.15 (safety margin), at least 25m and 250Mi per pod. Limits keep
 * their ratio to the requests (controlledValues RequestsAndLimits).
 */
import type { Resources } from '../../functions/core/cost/recommendation.ts';
import type { UsageStatistics } from '../../functions/core/cost/rightsizing/usage.ts';

const MIB = 2 ** 20;

export type ScaledResource = 'cpu' | 'memory';

/** `recommended`, with the resources an HPA scales on kept as they are. */
export function keepScaled(
  recommended: Resources,
  current: Resources,
  scaled: readonly ScaledResource[],
): Resources {
  const pick = (amounts: 'requests' | 'limits') => ({
    ...(scaled.includes('cpu')
      ? { cpuCores: current[amounts].cpuCores }
      : { cpuCores: recommended[amounts].cpuCores }),
    ...(scaled.includes('memory')
      ? { memoryBytes: current[amounts].memoryBytes }
      : { memoryBytes: recommended[amounts].memoryBytes }),
  });
  return { requests: pick('requests'), limits: pick('limits') };
}

export function krrSimple(
  usage: UsageStatistics | undefined,
  current: Resources,
  scaled: readonly ScaledResource[],
): Resources {
  if (usage?.cpuP95 === undefined || usage.memoryPeak === undefined) return current;
  const memory = Math.max(100 * MIB, Math.ceil(usage.memoryPeak * 1.15));
  return keepScaled(
    {
      requests: { cpuCores: Math.max(0.01, usage.cpuP95), memoryBytes: memory },
      limits: { memoryBytes: memory },
    },
    current,
    scaled,
  );
}

const HALF_LIFE_SECONDS = 24 * 3600;

/** VPA's decaying histogram: exponential buckets, weights doubling every half-life. */
export class DecayingHistogram {
  readonly #weights = new Map<number, number>();
  #total = 0;

  constructor(
    private readonly firstBucketSize: number,
    private readonly ratio: number,
    private readonly reference: number,
  ) {}

  #bucketOf(value: number): number {
    if (value < this.firstBucketSize) return 0;
    // Bucket i spans [s (r^i - 1) / (r - 1), s (r^(i+1) - 1) / (r - 1)).
    return Math.floor(Math.log((value * (this.ratio - 1)) / this.firstBucketSize + 1) / Math.log(this.ratio));
  }

  #bucketEnd(bucket: number): number {
    return (this.firstBucketSize * (this.ratio ** (bucket + 1) - 1)) / (this.ratio - 1);
  }

  add(value: number, weight: number, time: number): void {
    const decayed = weight * 2 ** ((time - this.reference) / HALF_LIFE_SECONDS);
    const bucket = this.#bucketOf(value);
    this.#weights.set(bucket, (this.#weights.get(bucket) ?? 0) + decayed);
    this.#total += decayed;
  }

  percentile(p: number): number | undefined {
    if (this.#total === 0) return undefined;
    const threshold = p * this.#total;
    let sum = 0;
    for (const bucket of [...this.#weights.keys()].sort((a, b) => a - b)) {
      sum += this.#weights.get(bucket)!;
      if (sum >= threshold) return this.#bucketEnd(bucket);
    }
    return undefined;
  }
}

/** One container's VPA state over the recommendation window. */
export class VpaContainer {
  readonly cpu: DecayingHistogram;
  readonly memory: DecayingHistogram;
  /** Per pod: the day being aggregated and its peak. */
  readonly #peaks = new Map<string, { day: number; peak: number; time: number }>();

  constructor(reference: number) {
    this.cpu = new DecayingHistogram(0.01, 1.05, reference);
    this.memory = new DecayingHistogram(1e7, 1.05, reference);
  }

  addSample(pod: string, time: number, cpuCores: number, memoryBytes: number): void {
    this.cpu.add(cpuCores, 1, time);
    const day = Math.floor(time / 86_400);
    const current = this.#peaks.get(pod);
    if (current && current.day !== day) {
      this.memory.add(current.peak, 1, current.time);
      this.#peaks.delete(pod);
    }
    const entry = this.#peaks.get(pod) ?? { day, peak: 0, time };
    if (memoryBytes >= entry.peak) Object.assign(entry, { peak: memoryBytes, time });
    this.#peaks.set(pod, entry);
  }

  addOom(time: number, usedBytes: number): void {
    this.memory.add(Math.max(usedBytes + 100e6, usedBytes * 1.2), 1, time);
  }

  recommend(current: Resources): Resources {
    for (const entry of this.#peaks.values()) this.memory.add(entry.peak, 1, entry.time);
    this.#peaks.clear();
    const cpu = this.cpu.percentile(0.9);
    const memory = this.memory.percentile(0.9);
    if (cpu === undefined || memory === undefined) return current;
    const requests = {
      cpuCores: Math.max(0.025, cpu * 1.15),
      memoryBytes: Math.max(250 * MIB, memory * 1.15),
    };
    const scaled = (limit: number | undefined, request: number | undefined, next: number) =>
      limit === undefined ? undefined : request ? limit * (next / request) : limit;
    const cpuLimit = scaled(current.limits.cpuCores, current.requests.cpuCores, requests.cpuCores);
    const memoryLimit = scaled(
      current.limits.memoryBytes,
      current.requests.memoryBytes,
      requests.memoryBytes,
    );
    return {
      requests,
      limits: {
        ...(cpuLimit === undefined ? {} : { cpuCores: cpuLimit }),
        ...(memoryLimit === undefined ? {} : { memoryBytes: memoryLimit }),
      },
    };
  }
}
