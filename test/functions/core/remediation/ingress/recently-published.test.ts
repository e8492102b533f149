import { describe, expect, it } from 'vitest';
import { RecentlyPublished } from '../../../../../functions/core/remediation/ingress/recently-published.ts';

describe('RecentlyPublished', () => {
  it('remembers a key until its expiry', () => {
    const recent = new RecentlyPublished();
    recent.add('ALERT#a\n2026-11-26T01:00:00Z#firing', 2_000);
    expect(recent.has('ALERT#a\n2026-11-26T01:00:00Z#firing', 1_999)).toBe(true);
    expect(recent.has('ALERT#a\n2026-11-26T01:00:00Z#resolved', 1_999)).toBe(false);
    expect(recent.has('ALERT#a\n2026-11-26T01:00:00Z#firing', 2_000)).toBe(false);
  });

  it('forgets the oldest keys beyond its capacity', () => {
    const recent = new RecentlyPublished(2);
    for (const key of ['a', 'b', 'c']) recent.add(key, 10_000);
    expect(['a', 'b', 'c'].map((key) => recent.has(key, 0))).toEqual([false, true, true]);
  });
});
