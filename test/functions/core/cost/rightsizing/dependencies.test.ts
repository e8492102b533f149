import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../../../functions/commons/errors.ts';
import type { KubernetesApi } from '../../../../../functions/commons/kubernetes/api.ts';
import {
  type RightsizingRun,
  runRightsizing,
} from '../../../../../functions/core/cost/rightsizing/dependencies.ts';
import { rightsizingRequestSchema } from '../../../../../functions/core/cost/rightsizing/request.ts';
import { defaultPlatformLayout } from '../../../../../functions/core/platform/layout.ts';

/** The configuration is read before anything is called: these clients must never be reached. */
const unreachable = new Proxy(
  {},
  {
    get: () => {
      throw new Error('no client may be called when the configuration is wrong');
    },
  },
);

function run(overrides: Partial<RightsizingRun>): RightsizingRun {
  return {
    kubernetes: unreachable as KubernetesApi,
    s3: unreachable as S3Client,
    layout: defaultPlatformLayout,
    prometheusUrl: 'http://127.0.0.1:1',
    prefectApiUrl: 'http://127.0.0.1:1/api',
    pricingJson: '{}',
    settingsJson: '{}',
    bucket: 'cost-reports',
    now: new Date('2026-11-15T03:00:00Z'),
    ...overrides,
  };
}

describe('runRightsizing', () => {
  const request = rightsizingRequestSchema.parse({});

  it('refuses pricing that is not JSON or misses a pool price, naming COST_PRICING', async () => {
    await expect(runRightsizing(request, run({ pricingJson: '{pools' }))).rejects.toThrow(
      /^COST_PRICING is not valid JSON/,
    );
    const missing = runRightsizing(request, run({ pricingJson: '{"defaultPool":"system","pools":{}}' }));
    await expect(missing).rejects.toThrow(ConfigurationError);
    await expect(missing).rejects.toThrow(
      /COST_PRICING is not node pool pricing: defaultPool: defaultPool must be one of the priced pools/,
    );
  });

  it('refuses thresholds out of range, naming COST_RIGHTSIZING', async () => {
    const pricingJson = JSON.stringify({
      defaultPool: 'system',
      pools: {
        system: {
          instanceType: 'm6i.large',
          vcpu: 2,
          memoryGiB: 8,
          onDemandHourlyUsd: 0.096,
          capacityType: 'ON_DEMAND',
        },
      },
    });
    await expect(
      runRightsizing(request, run({ pricingJson, settingsJson: '{"cpuPercentile": 95}' })),
    ).rejects.toThrow(/COST_RIGHTSIZING is not right-sizing settings: cpuPercentile/);
  });
});

describe('rightsizingRequestSchema', () => {
  it('defaults to 14 days over every namespace and refuses a run id that cannot be a key', () => {
    expect(rightsizingRequestSchema.parse({})).toEqual({ historyDays: 14, namespaces: [] });
    expect(rightsizingRequestSchema.safeParse({ runId: 'a/../b' }).success).toBe(false);
    expect(rightsizingRequestSchema.safeParse({ historyDays: 0 }).success).toBe(false);
  });
});
