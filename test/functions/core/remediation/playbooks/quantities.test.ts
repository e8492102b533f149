import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  GIB,
  grownBytes,
  MIB,
  parseBytes,
} from '../../../../../functions/core/remediation/playbooks/quantities.ts';

describe('parseBytes', () => {
  it.each([
    ['256Mi', 256 * MIB],
    ['1.5Gi', 1.5 * GIB],
    ['1G', 1e9],
    ['536870912', 536_870_912],
    ['1e3', 1000],
    ['500k', 500_000],
    ['128974848000m', 128_974_848],
  ])('reads %s', (quantity, bytes) => {
    expect(parseBytes(quantity)).toBe(bytes);
  });

  it('refuses what is not a quantity, saying what it expected', () => {
    expect(() => parseBytes('lots')).toThrow(
      '"lots" is not a byte quantity: expected a number with an optional suffix such as 512Mi, 2Gi or 1G',
    );
  });
});

describe('formatBytes', () => {
  it('writes whole GiB and MiB with their suffix, other sizes in bytes', () => {
    expect([formatBytes(20 * GIB), formatBytes(320 * MIB), formatBytes(1000)]).toEqual([
      '20Gi',
      '320Mi',
      '1000',
    ]);
  });
});

describe('grownBytes', () => {
  it('grows by the factor, rounded up to the unit', () => {
    expect(grownBytes(256 * MIB, 1.25, 16 * GIB, MIB)).toBe(320 * MIB);
    expect(grownBytes(10 * GIB + 1, 1.5, 100 * GIB, GIB)).toBe(16 * GIB);
  });

  it('never grows past the cap, and not at all at the cap', () => {
    expect(grownBytes(10 * GIB, 2, 12 * GIB, GIB)).toBe(12 * GIB);
    expect(grownBytes(12 * GIB, 2, 12 * GIB, GIB)).toBeUndefined();
  });
});
