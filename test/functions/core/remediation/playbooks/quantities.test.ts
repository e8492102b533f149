import { describe, expect, it } from 'vitest';
import { GIB, MIB } from '../../../../../functions/core/kubernetes/quantities.ts';
import { formatBytes, grownBytes } from '../../../../../functions/core/remediation/playbooks/quantities.ts';

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
