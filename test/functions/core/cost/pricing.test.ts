import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { onComputePool, onStoragePool, onSystemPool } from '../../../../cluster-manifests/src/scheduling.ts';
import {
  BYTES_PER_GIB,
  costPricingSchema,
  HOURS_PER_MONTH,
  hourlyRequestCostUsd,
  monthlySavingUsd,
  poolOfPodSpec,
  resourcePrices,
} from '../../../../functions/core/cost/pricing.ts';
import { PRICING } from './rightsizing/fixtures.ts';

describe('resourcePrices', () => {
  it('splits the instance price so that its vCPUs and memory cost exactly the instance', () => {
    for (const pool of ['system', 'storage', 'compute']) {
      const prices = resourcePrices(PRICING, pool);
      const instance = PRICING.pools[pool]!;
      const whole = hourlyRequestCostUsd(
        { cpuCores: instance.vcpu, memoryBytes: instance.memoryGiB * BYTES_PER_GIB },
        prices,
      );
      expect(whole).toBeCloseTo(instance.capacityType === 'SPOT' ? 0.15 : instance.onDemandHourlyUsd, 12);
      expect(prices.usdPerCoreHour / prices.usdPerGiBHour).toBeCloseTo(9, 12);
    }
  });

  it('prices a spot pool at its spot price', () => {
    // 0.15 / (8 * 9 + 32) per GiB-hour.
    expect(resourcePrices(PRICING, 'compute').usdPerGiBHour).toBeCloseTo(0.15 / 104, 12);
  });

  it('names the priced pools when asked for one without a price', () => {
    expect(() => resourcePrices(PRICING, 'gpu')).toThrow(
      /no price for node pool gpu: COST_PRICING prices system, storage, compute/,
    );
  });
});

describe('monthlySavingUsd', () => {
  const prices = resourcePrices(PRICING, 'system');

  it('is (current - recommended) x price x 730 h x replicas', () => {
    const saving = monthlySavingUsd(
      { cpuCores: 1, memoryBytes: 4 * BYTES_PER_GIB },
      { cpuCores: 0.25, memoryBytes: 1 * BYTES_PER_GIB },
      3,
      prices,
    );
    const expected = (0.75 * prices.usdPerCoreHour + 3 * prices.usdPerGiBHour) * HOURS_PER_MONTH * 3;
    expect(saving).toBeCloseTo(expected, 10);
    expect(saving).toBeGreaterThan(0);
  });

  it('is negative when the recommendation asks for more, and counts a missing recommendation as unchanged', () => {
    expect(monthlySavingUsd({ cpuCores: 0.1 }, { cpuCores: 0.3 }, 1, prices)).toBeCloseTo(
      -0.2 * prices.usdPerCoreHour * HOURS_PER_MONTH,
      10,
    );
    expect(
      monthlySavingUsd(
        { cpuCores: 0.5, memoryBytes: BYTES_PER_GIB },
        { memoryBytes: BYTES_PER_GIB },
        2,
        prices,
      ),
    ).toBe(0);
  });
});

describe('costPricingSchema', () => {
  const pool = { instanceType: 'm6i.large', vcpu: 2, memoryGiB: 8, onDemandHourlyUsd: 0.096 };
  const problems = (input: unknown) =>
    z
      .safeParse(costPricingSchema, input)
      .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

  it('refuses a spot pool without a spot price', () => {
    expect(
      problems({ defaultPool: 'compute', pools: { compute: { ...pool, capacityType: 'SPOT' } } }),
    ).toEqual(['pools.compute.spotHourlyUsd: a SPOT pool needs spotHourlyUsd']);
  });

  it('refuses a default pool that is not priced', () => {
    expect(
      problems({ defaultPool: 'gpu', pools: { system: { ...pool, capacityType: 'ON_DEMAND' } } }),
    ).toEqual(['defaultPool: defaultPool must be one of the priced pools']);
  });
});

describe('poolOfPodSpec', () => {
  it('reads the pool from the nodeSelector or from a required node affinity, as cluster-manifests writes them', () => {
    expect(poolOfPodSpec(onSystemPool())).toBe('system');
    expect(poolOfPodSpec(onStoragePool())).toBe('storage');
    expect(poolOfPodSpec(onComputePool())).toBe('compute');
    expect(poolOfPodSpec({})).toBeUndefined();
    expect(poolOfPodSpec(undefined)).toBeUndefined();
  });
});
