import { describe, expect, it } from 'vitest';
import {
  percentile,
  round1,
  summarizeLatencies,
} from '../../../../functions/core/validation/measurements.ts';

describe('measurements', () => {
  it('takes the nearest-rank percentile, always a measured sample', () => {
    const sorted = Array.from({ length: 20 }, (_, index) => index + 1);

    expect(percentile(sorted, 95)).toBe(19);
    expect(percentile(sorted, 50)).toBe(10);
    expect(percentile(sorted, 100)).toBe(20);
    expect(percentile([7], 95)).toBe(7);
  });

  it('refuses no samples and a percent outside (0, 100]', () => {
    expect(() => percentile([], 95)).toThrow('a percentile of no samples does not exist');
    expect(() => percentile([1], 0)).toThrow('percent must be in (0, 100], got 0');
  });

  it('summarizes unsorted durations in whole milliseconds', () => {
    expect(summarizeLatencies([30.4, 10.2, 20.4, 400.5])).toEqual({
      samples: 4,
      p50Ms: 20,
      p95Ms: 401,
      maxMs: 401,
    });
  });

  it('rounds to one decimal place', () => {
    expect(round1(12.345)).toBe(12.3);
    expect(round1(0.06)).toBe(0.1);
  });
});
