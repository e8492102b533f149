import { describe, expect, it } from 'vitest';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { performanceConfigSchema } from '../../../infra/config/performance-config.ts';

const valid = {
  prefectApiUrl: 'https://prefect.example.com/api',
  s5cmdMinMiBPerSecond: 50,
  prefectApiP95Ms: 300,
  flowRunBurst: { count: 10, maxSeconds: 120 },
};

describe('performanceConfigSchema', () => {
  it('fills in the defaults for the transfer size, request count and burst deployment', () => {
    expect(performanceConfigSchema.parse(valid)).toEqual({
      ...valid,
      s5cmdTransferMiB: 256,
      prefectApiRequests: 20,
      flowRunBurst: { ...valid.flowRunBurst, deployment: 'lakehouse-ops-smoke/burst' },
    });
  });

  it('refuses a Prefect URL that is not the API root, and a burst Prefect cannot read in one call', () => {
    const result = performanceConfigSchema.safeParse({
      ...valid,
      prefectApiUrl: 'https://prefect.example.com',
      flowRunBurst: { count: 500, maxSeconds: 120, deployment: 'no-slash' },
    });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'flowRunBurst.count',
      'flowRunBurst.deployment',
      'prefectApiUrl',
    ]);
  });

  it('asks more of production than of development', () => {
    const development = loadEnvironmentConfig('development').performance;
    const production = loadEnvironmentConfig('production').performance;

    expect(production.s5cmdMinMiBPerSecond).toBeGreaterThan(development.s5cmdMinMiBPerSecond);
    expect(production.prefectApiP95Ms).toBeLessThan(development.prefectApiP95Ms);
    expect(production.flowRunBurst.count).toBeGreaterThan(development.flowRunBurst.count);
  });
});
