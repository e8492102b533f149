import { costPricingSchema } from '../../../../../functions/core/cost/pricing.ts';

/** Three pools priced like us-east-1 on-demand list prices (compute on spot). */
export const PRICING = costPricingSchema.parse({
  defaultPool: 'system',
  pools: {
    system: {
      instanceType: 'm6i.xlarge',
      vcpu: 4,
      memoryGiB: 16,
      onDemandHourlyUsd: 0.192,
      capacityType: 'ON_DEMAND',
    },
    storage: {
      instanceType: 'i4i.xlarge',
      vcpu: 4,
      memoryGiB: 32,
      onDemandHourlyUsd: 0.343,
      capacityType: 'ON_DEMAND',
    },
    compute: {
      instanceType: 'm6i.2xlarge',
      vcpu: 8,
      memoryGiB: 32,
      onDemandHourlyUsd: 0.384,
      spotHourlyUsd: 0.15,
      capacityType: 'SPOT',
    },
  },
});

export const MIB = 2 ** 20;
export const GIB = 2 ** 30;
