import { vi } from 'vitest';

/** The probe's first defined value, polled until it has one (vitest's waitFor fails the test after the timeout). */
export function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      if (value === undefined) throw new Error('the awaited condition has not come about yet');
      return value;
    },
    { timeout: timeoutMs, interval: 25 },
  );
}
