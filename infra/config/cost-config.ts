import { z } from 'zod';
import { applySettingsSchema } from '../../functions/core/cost/apply/settings.ts';
import { rightsizingSettingsSchema } from '../../functions/core/cost/rightsizing/settings.ts';

/**
 * Cost optimisation (issue 6, docs/cost.md), per environment: what an instance costs, how
 * right-sizing recommends (functions/core/cost/rightsizing/settings.ts), whether and how it applies
 * (functions/core/cost/apply/settings.ts), and how long a change waits for approval and is watched.
 *
 * Prices are configuration, not looked up: the AWS Price List API answers only in us-east-1 and
 * ap-south-1 and spot prices move hourly, while a saving estimate needs a stable, reviewable number.
 * The defaults are eu-central-1 Linux list prices (on-demand) and a typical recent spot price, per
 * hour, for the instance types the environments use; a node group's first instance type prices its
 * pool. Update them with the region or when prices change; synth refuses a pool whose instance type
 * has no price.
 */
const instancePriceSchema = z.object({
  vcpu: z.number().positive(),
  memoryGiB: z.number().positive(),
  onDemandHourlyUsd: z.number().positive(),
  spotHourlyUsd: z.number().positive(),
});
export type InstancePrice = z.output<typeof instancePriceSchema>;

export const DEFAULT_INSTANCE_PRICES: Record<string, InstancePrice> = {
  'm6i.large': { vcpu: 2, memoryGiB: 8, onDemandHourlyUsd: 0.115, spotHourlyUsd: 0.045 },
  'm6i.xlarge': { vcpu: 4, memoryGiB: 16, onDemandHourlyUsd: 0.23, spotHourlyUsd: 0.09 },
  'm6i.2xlarge': { vcpu: 8, memoryGiB: 32, onDemandHourlyUsd: 0.46, spotHourlyUsd: 0.18 },
  'm6in.2xlarge': { vcpu: 8, memoryGiB: 32, onDemandHourlyUsd: 0.67, spotHourlyUsd: 0.24 },
  'i4i.large': { vcpu: 2, memoryGiB: 16, onDemandHourlyUsd: 0.198, spotHourlyUsd: 0.07 },
  'i4i.xlarge': { vcpu: 4, memoryGiB: 32, onDemandHourlyUsd: 0.396, spotHourlyUsd: 0.14 },
  'i4i.2xlarge': { vcpu: 8, memoryGiB: 64, onDemandHourlyUsd: 0.792, spotHourlyUsd: 0.28 },
};

export const costConfigSchema = z
  .object({
    /** Instance type -> its size and hourly prices; the defaults above unless given. */
    instancePrices: z.record(z.string(), instancePriceSchema).default(DEFAULT_INSTANCE_PRICES),
    /** Days of usage history a recommendation is based on. */
    historyDays: z.number().int().min(1).max(90).default(14),
    /** Namespaces right-sized; every namespace with workloads when absent. */
    namespaces: z.array(z.string().min(1)).min(1).optional(),
    rightsizing: z.prefault(rightsizingSettingsSchema, {}),
    apply: z.prefault(applySettingsSchema, {}),
    /** How long a change that needs approval waits for a person before it is skipped. */
    approvalTimeoutMinutes: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 60)
      .default(240),
    /** How long after applying OOM kills and CPU throttling are watched before the change is kept. */
    watchMinutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .default(360),
  })
  .prefault({});
export type CostConfig = z.output<typeof costConfigSchema>;

export interface PricedNodeGroups {
  readonly [pool: string]: { readonly instanceTypes: readonly string[] };
}

/** A missing price, named (empty when every pool is priced). */
export function unpricedPools(cost: CostConfig, nodeGroups: PricedNodeGroups): string[] {
  return Object.entries(nodeGroups)
    .filter(([, group]) => !cost.instancePrices[group.instanceTypes[0] ?? ''])
    .map(([pool, group]) => `${pool} (${group.instanceTypes[0]}): add its price to cost.instancePrices`);
}
