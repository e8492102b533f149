import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../../functions/commons/errors.ts';
import type { PrefectApi } from '../../../../functions/core/validation/prefect-api.ts';
import { checkPrefectApiLatency } from '../../../../functions/core/validation/prefect-api-latency.ts';

/** A Prefect API whose n-th call (the warm-up is call 0) takes durations[n] ms on a fake clock. */
function timedApi(durations: readonly (number | Error)[]) {
  let now = 0;
  let call = 0;
  const answer = async () => {
    const outcome = durations[call] ?? 1;
    call += 1;
    if (outcome instanceof Error) throw outcome;
    now += outcome;
    return [];
  };
  const prefect = { health: answer, filterFlows: answer } as unknown as PrefectApi;
  return { prefect, clock: () => now, calls: () => call };
}

describe('checkPrefectApiLatency', () => {
  it('passes when the p95 of the timed requests is within the threshold, not counting the warm-up', async () => {
    const api = timedApi([900, 10, 20, 30, 40]);

    const result = await checkPrefectApiLatency({ ...api, requests: 4, p95ThresholdMs: 40 });

    expect(result).toMatchObject({
      status: 'PASSED',
      detail: 'Prefect API p95 latency 40 ms over 4 requests (threshold 40 ms)',
      observations: { samples: 4, p50Ms: 20, p95Ms: 40, maxMs: 40, warmUpMs: 900 },
    });
    expect(api.calls()).toBe(5);
  });

  it('fails when the p95 exceeds the threshold', async () => {
    const result = await checkPrefectApiLatency({
      ...timedApi([1, 10, 10, 10, 90]),
      requests: 4,
      p95ThresholdMs: 50,
    });

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: 'Prefect API p95 latency 90 ms exceeds the threshold of 50 ms',
    });
  });

  it('fails naming the count and the first error when some requests fail', async () => {
    const api = timedApi([1, 10, new TransientError('Prefect API GET /health answered 503'), 10, 10]);

    const result = await checkPrefectApiLatency({ ...api, requests: 4, p95ThresholdMs: 50 });

    expect(result).toMatchObject({
      status: 'FAILED',
      detail: '1 of 4 Prefect API requests failed; first: Prefect API GET /health answered 503',
      observations: { samples: 3, failedRequests: 1 },
    });
  });

  it('throws the last error when no request succeeded, so the workflow records ERROR', async () => {
    const refused = new TransientError('Prefect API GET /health failed: connect ECONNREFUSED');
    const api = timedApi([refused, refused, refused]);

    await expect(checkPrefectApiLatency({ ...api, requests: 2, p95ThresholdMs: 50 })).rejects.toBe(refused);
  });
});
