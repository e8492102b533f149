import { describe, expect, it } from 'vitest';
import { ByteBudget, mapConcurrent } from '../../../../functions/core/backup/concurrency.ts';

/** Work that records how many bytes were held while it ran, and ends when the test says so. */
function heldWork(budget: ByteBudget, bytes: number, log: { held: number; peak: number; order: number[] }) {
  let finish = () => {};
  const done = budget.use(bytes, async () => {
    log.held += bytes;
    log.peak = Math.max(log.peak, log.held);
    log.order.push(bytes);
    await new Promise<void>((resolve) => {
      finish = resolve;
    });
    log.held -= bytes;
  });
  return { done, finish: () => finish() };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ByteBudget', () => {
  it('holds at most its limit, starting waiters first come first served', async () => {
    const budget = new ByteBudget(100);
    const log = { held: 0, peak: 0, order: [] as number[] };
    const first = heldWork(budget, 60, log);
    const second = heldWork(budget, 50, log);
    const third = heldWork(budget, 10, log);
    await tick();
    // 50 does not fit next to 60, and 10 must not overtake it.
    expect(log.order).toEqual([60]);
    first.finish();
    await first.done;
    await tick();
    expect(log.order).toEqual([60, 50, 10]);
    second.finish();
    third.finish();
    await Promise.all([second.done, third.done]);
    expect(log.peak).toBe(60);
  });

  it('runs a request larger than the limit alone instead of refusing it', async () => {
    const budget = new ByteBudget(10);
    const log = { held: 0, peak: 0, order: [] as number[] };
    const small = heldWork(budget, 5, log);
    const huge = heldWork(budget, 50, log);
    await tick();
    expect(log.order).toEqual([5]);
    small.finish();
    await small.done;
    await tick();
    expect(log.order).toEqual([5, 50]);
    huge.finish();
    await huge.done;
    expect(log.peak).toBe(50);
  });

  it('releases what a failed use held', async () => {
    const budget = new ByteBudget(10);
    await expect(budget.use(10, async () => Promise.reject(new Error('copy failed')))).rejects.toThrow(
      'copy failed',
    );
    await expect(budget.use(10, async () => 'next')).resolves.toBe('next');
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new ByteBudget(0)).toThrow(/positive integer, got 0/);
  });
});

describe('mapConcurrent', () => {
  it('keeps input order with at most `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapConcurrent([5, 1, 3, 2], 2, async (value) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, value));
      inFlight -= 1;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 30, 20]);
    expect(peak).toBe(2);
  });
});
