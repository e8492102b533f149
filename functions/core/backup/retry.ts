import { TransientError } from '../../commons/errors.ts';
import { classifyAwsError, isTransientAwsError } from '../../commons/transient-errors.ts';

/**
 * Exponential backoff with full jitter for the backup's S3 calls. A batch copies hundreds of
 * objects: one throttled or reset request must cost a short wait, not the whole batch (Step
 * Functions' own Retry would re-run every object of it).
 */
export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injected so tests can make the waits instant or count them. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5_000 };

export function isRetryable(error: unknown): boolean {
  return error instanceof TransientError || isTransientAwsError(error);
}

/**
 * Runs `call` until it succeeds, fails with a non-transient error, or runs out of attempts. The
 * last failure is rethrown classified (TransientError when it was transient), naming `operation`.
 */
export async function withRetries<Result>(
  operation: string,
  call: (attempt: number) => Promise<Result>,
  policy: RetryPolicy = defaultRetryPolicy,
): Promise<Result> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = policy.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(attempt);
    } catch (error) {
      if (attempt >= policy.maxAttempts || !isRetryable(error)) throw classifyAwsError(error, operation);
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.round(random() * ceiling));
    }
  }
}
