import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/check-prefect-api-latency.handler.ts';
import { type PrefectApiStandIn, startPrefectApiStandIn } from '../../local/lakehouse/prefect-api.ts';
import { lambdaContext, useHandlerEnvironment } from './support/lambda.ts';
import { rejectionOf } from './support/rejection.ts';

describe('check-prefect-api-latency handler', () => {
  let prefect: PrefectApiStandIn;
  beforeAll(async () => {
    prefect = await startPrefectApiStandIn({ deployments: [] });
  });
  afterAll(() => prefect.stop());
  useHandlerEnvironment(() => ({
    PREFECT_API_URL: prefect.url,
    PERFORMANCE_PREFECT_API_REQUESTS: '6',
    PERFORMANCE_PREFECT_API_P95_MS: '150',
  }));

  it('returns PASSED with the measured p95 when the API answers within the threshold', async () => {
    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({
      name: 'prefect-api-latency',
      status: 'PASSED',
      observations: { samples: 6, requests: 6, failedRequests: 0, thresholdP95Ms: 150 },
    });
    expect(result.observations.p95Ms).toBeLessThanOrEqual(150);
  });

  it('returns FAILED when every answer is slower than the threshold', async () => {
    const restore = prefect.slowResponses(200);
    try {
      const result = await handler({}, lambdaContext());

      expect(result.status).toBe('FAILED');
      expect(result.observations.p95Ms).toBeGreaterThanOrEqual(200);
      expect(result.detail).toMatch(/^Prefect API p95 latency \d+ ms exceeds the threshold of 150 ms$/);
    } finally {
      await restore();
    }
  });

  it('throws a TransientError when no request reaches the API', async () => {
    vi.stubEnv('PREFECT_API_URL', 'http://127.0.0.1:1/api');

    const error = await rejectionOf(handler({}, lambdaContext()));

    expect(error).toMatchObject({ name: 'TransientError' });
  });

  it('refuses a threshold that is not a positive number', async () => {
    vi.stubEnv('PERFORMANCE_PREFECT_API_P95_MS', 'fast');

    const error = await rejectionOf(handler({}, lambdaContext()));

    expect(error).toMatchObject({ name: 'ConfigurationError' });
    expect((error as Error).message).toContain('PERFORMANCE_PREFECT_API_P95_MS');
  });
});
