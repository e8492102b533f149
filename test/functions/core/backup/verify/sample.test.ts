import { describe, expect, it } from 'vitest';
import { SmallestRanks, sampleRank, sampleSize } from '../../../../../functions/core/backup/verify/sample.ts';

describe('sampleSize', () => {
  it('takes the share rounded up, at least the minimum, at most everything', () => {
    expect(sampleSize(1000, 0.05, 20)).toBe(50);
    expect(sampleSize(100, 0.05, 20)).toBe(20);
    expect(sampleSize(10, 0.05, 20)).toBe(10);
    expect(sampleSize(61, 1, 0)).toBe(61);
    expect(() => sampleSize(10, 1.5, 0)).toThrow('share must be within 0..1, got 1.5');
  });
});

describe('SmallestRanks', () => {
  it('keeps the k smallest ranks whatever the order they arrive in', () => {
    const ranks = Array.from({ length: 500 }, (_, index) => sampleRank('seed', `key-${index}`));
    const forwards = new SmallestRanks(25);
    const backwards = new SmallestRanks(25);
    for (const rank of ranks) forwards.offer(rank);
    for (const rank of [...ranks].reverse()) backwards.offer(rank);
    const expected = [...ranks].sort((left, right) => left - right)[24];
    expect(forwards.threshold()).toBe(expected);
    expect(backwards.threshold()).toBe(expected);
    expect(new SmallestRanks(0).threshold()).toBe(-1);
  });

  it('ranks keys differently for another seed', () => {
    expect(sampleRank('a', 'key')).not.toBe(sampleRank('b', 'key'));
    expect(sampleRank('a', 'key')).toBe(sampleRank('a', 'key'));
  });
});
