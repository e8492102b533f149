import * as z from 'zod/mini';
import { POOL_LABEL } from '../../../cluster-manifests/src/scheduling.ts';
import { ConfigurationError } from '../../commons/errors.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import type { ResourceAmounts } from './recommendation.ts';

/**
 * What a node pool costs, per environment (infra config -> COST_PRICING, JSON), and what a core
 * and a GiB of requests cost on it. Requests are what the scheduler packs onto nodes, so a request
 * removed is node capacity freed: the saving of a recommendation is priced on requests, never on
 * usage.
 *
 * An instance is sold whole, so its hourly price must be split between its vCPUs and its memory.
 * The split keeps a fixed price ratio between one vCPU-hour and one GiB-hour
 * (`cpuToMemoryPriceRatio`, default 9: what AWS's on-demand list prices imply when the general
 * purpose m and memory-optimised r families of one generation are solved for a vCPU and a GiB
 * price, e.g. m6i.large 2 vCPU / 8 GiB $0.096 and r6i.large 2 vCPU / 16 GiB $0.126 give
 * $0.033 per vCPU-hour and $0.00375 per GiB-hour). With price P, v vCPUs, m GiB and ratio r:
 *   per GiB-hour  = P / (v * r + m),   per core-hour = r * per GiB-hour,
 * so v cores and m GiB priced this way cost exactly P: nothing is double-counted or lost.
 */
export const HOURS_PER_MONTH = 730;
export const BYTES_PER_GIB = 2 ** 30;
export const DEFAULT_CPU_TO_MEMORY_PRICE_RATIO = 9;

export const CAPACITY_TYPES = ['ON_DEMAND', 'SPOT'] as const;

const positiveNumber = () => z.number().check(z.positive());

export const nodePoolPricingSchema = z
  .object({
    /** The representative instance type of the pool (a spot pool diversifies, price its usual type). */
    instanceType: nonEmptyString(),
    vcpu: positiveNumber(),
    memoryGiB: positiveNumber(),
    onDemandHourlyUsd: positiveNumber(),
    /** Required when the pool runs on spot: the recent average spot price of the instance type. */
    spotHourlyUsd: z.optional(positiveNumber()),
    capacityType: z.enum(CAPACITY_TYPES),
  })
  .check(
    z.refine((pool) => pool.capacityType !== 'SPOT' || pool.spotHourlyUsd !== undefined, {
      message: 'a SPOT pool needs spotHourlyUsd',
      path: ['spotHourlyUsd'],
    }),
  );
export type NodePoolPricing = z.output<typeof nodePoolPricingSchema>;

export const costPricingSchema = z
  .object({
    /** Node pools by their `lakehouse-ops.io/pool` label value (system, storage, compute). */
    pools: z.record(nonEmptyString(), nodePoolPricingSchema),
    /** The pool of a workload that names none (no pool nodeSelector or affinity). */
    defaultPool: nonEmptyString(),
    cpuToMemoryPriceRatio: z._default(positiveNumber(), DEFAULT_CPU_TO_MEMORY_PRICE_RATIO),
  })
  .check(
    z.refine((pricing) => pricing.defaultPool in pricing.pools, {
      message: 'defaultPool must be one of the priced pools',
      path: ['defaultPool'],
    }),
  );
export type CostPricing = z.output<typeof costPricingSchema>;

export interface ResourcePrices {
  pool: string;
  usdPerCoreHour: number;
  usdPerGiBHour: number;
}

export function poolHourlyUsd(pool: NodePoolPricing): number {
  return pool.capacityType === 'SPOT'
    ? (pool.spotHourlyUsd ?? pool.onDemandHourlyUsd)
    : pool.onDemandHourlyUsd;
}

/** The prices of one core-hour and one GiB-hour on `poolName` (see the split above). */
export function resourcePrices(pricing: CostPricing, poolName: string): ResourcePrices {
  const pool = pricing.pools[poolName];
  if (!pool) {
    throw new ConfigurationError(
      `no price for node pool ${poolName}: COST_PRICING prices ${Object.keys(pricing.pools).join(', ')}`,
      { pool: poolName },
    );
  }
  const ratio = pricing.cpuToMemoryPriceRatio;
  const usdPerGiBHour = poolHourlyUsd(pool) / (pool.vcpu * ratio + pool.memoryGiB);
  return { pool: poolName, usdPerCoreHour: ratio * usdPerGiBHour, usdPerGiBHour };
}

/** What requests of `amounts` cost per hour at `prices` (a missing amount costs nothing). */
export function hourlyRequestCostUsd(amounts: ResourceAmounts, prices: ResourcePrices): number {
  return (
    (amounts.cpuCores ?? 0) * prices.usdPerCoreHour +
    ((amounts.memoryBytes ?? 0) / BYTES_PER_GIB) * prices.usdPerGiBHour
  );
}

/**
 * The monthly saving of moving requests from `current` to `recommended`:
 * (current - recommended) x price x 730 h x replicas. `replicas` may be fractional for
 * run-to-completion workloads (the average number of their pods running, see rightsizing).
 * A resource without a recommendation counts as unchanged.
 */
export function monthlySavingUsd(
  current: ResourceAmounts,
  recommended: ResourceAmounts,
  replicas: number,
  prices: ResourcePrices,
): number {
  const freed: ResourceAmounts = {
    cpuCores: (current.cpuCores ?? 0) - (recommended.cpuCores ?? current.cpuCores ?? 0),
    memoryBytes: (current.memoryBytes ?? 0) - (recommended.memoryBytes ?? current.memoryBytes ?? 0),
  };
  return hourlyRequestCostUsd(freed, prices) * HOURS_PER_MONTH * replicas;
}

interface Placement {
  nodeSelector?: Record<string, string>;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[];
      };
    };
  };
}

/**
 * The node pool a pod template lands on: its `lakehouse-ops.io/pool` nodeSelector, or a required
 * node affinity `In` a single pool (cluster-manifests/src/scheduling.ts writes both forms);
 * undefined when it names none (then the pricing's default pool applies).
 */
export function poolOfPodSpec(spec: Placement | undefined): string | undefined {
  const selected = spec?.nodeSelector?.[POOL_LABEL];
  if (selected) return selected;
  const terms =
    spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const pools = new Set(
    terms.flatMap((term) =>
      (term.matchExpressions ?? [])
        .filter((expression) => expression.key === POOL_LABEL && expression.operator === 'In')
        .flatMap((expression) => expression.values ?? []),
    ),
  );
  return pools.size === 1 ? [...pools][0] : undefined;
}
