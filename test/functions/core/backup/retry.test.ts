import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../../functions/commons/errors.ts';
import { withRetries } from '../../../../functions/core/backup/retry.ts';

function awsError(name: string, status: number) {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

describe('withRetries', () => {
  it('retries transient failures with growing, jittered waits until the call succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetries(
      'op',
      async () => {
        calls += 1;
        if (calls < 4) throw awsError('SlowDown', 503);
        return 'done';
      },
      {
        maxAttempts: 5,
        baseDelayMs: 100,
        maxDelayMs: 250,
        random: () => 1,
        sleep: async (ms) => void waits.push(ms),
      },
    );
    expect(result).toBe('done');
    expect(waits).toEqual([100, 200, 250]);
  });

  it('gives up after maxAttempts with a TransientError naming the operation', async () => {
    const call = withRetries(
      'PutObject b/k',
      async () => {
        throw awsError('InternalError', 500);
      },
      { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} },
    );
    await expect(call).rejects.toBeInstanceOf(TransientError);
    await expect(call).rejects.toThrow(/PutObject b\/k failed transiently/);
  });

  it('does not retry a permanent failure', async () => {
    let calls = 0;
    const call = withRetries('op', async () => {
      calls += 1;
      throw awsError('AccessDenied', 403);
    });
    await expect(call).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(calls).toBe(1);
  });
});
