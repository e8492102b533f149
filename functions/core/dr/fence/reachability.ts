import { describeError, TransientError } from '../../../commons/errors.ts';
import { isNetworkError } from '../../../commons/transient-errors.ts';

/**
 * "Fence the primary if it answers": each step first asks its side's API something cheap with a
 * short deadline. No answer (refused, reset, timed out, a 5xx or 429 that the clients turn into
 * TransientError) means the side is lost: the step reports `unreachable` and the failover goes on.
 * Any other failure (a refused token, a wrong URL) is a real error and is thrown: a fence that
 * silently skipped a reachable primary would let both sides take writes.
 */
export type Reachability =
  | { readonly reachable: true }
  | { readonly reachable: false; readonly reason: string };

export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

export function isNoAnswer(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return (
    error instanceof TransientError ||
    isNetworkError(error) ||
    name === 'TimeoutError' ||
    name === 'AbortError'
  );
}

export async function probeReachability(what: string, probe: () => Promise<unknown>): Promise<Reachability> {
  try {
    await probe();
    return { reachable: true };
  } catch (error) {
    if (!isNoAnswer(error)) throw error;
    return { reachable: false, reason: `${what} does not answer: ${describeError(error)}` };
  }
}
