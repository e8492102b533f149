import { describe, expect, it } from 'vitest';
import {
  architectureOf,
  architectureOfAmiType,
  instanceTypeProblems,
} from '../../../../../functions/core/cost/spot/instance-types.ts';
import { SPOT_TYPES } from './spot-cluster.ts';

describe('instance types', () => {
  it.each([
    ['m6i.xlarge', 'x86_64'],
    ['m7i-flex.large', 'x86_64'],
    ['c6a.2xlarge', 'x86_64'],
    ['g4dn.xlarge', 'x86_64'],
    ['m6g.xlarge', 'arm64'],
    ['c7gn.large', 'arm64'],
    ['r6gd.2xlarge', 'arm64'],
    ['t4g.medium', 'arm64'],
    ['im4gn.large', 'arm64'],
    ['a1.large', 'arm64'],
  ])('reads %s as %s', (type, architecture) => {
    expect(architectureOf(type)).toBe(architecture);
  });

  it('reads no architecture from what is not an instance type', () => {
    expect(architectureOf('xlarge')).toBeUndefined();
    expect(architectureOf('M6I.XLARGE')).toBeUndefined();
  });

  it('reads the AMI type architecture, and none for a custom AMI', () => {
    expect(architectureOfAmiType('AL2023_x86_64_STANDARD')).toBe('x86_64');
    expect(architectureOfAmiType('AL2023_ARM_64_STANDARD')).toBe('arm64');
    expect(architectureOfAmiType('BOTTLEROCKET_ARM_64')).toBe('arm64');
    expect(architectureOfAmiType('CUSTOM')).toBeUndefined();
  });

  it('accepts six x86 types for a spot group on an x86 AMI', () => {
    expect(
      instanceTypeProblems(SPOT_TYPES, { capacityType: 'SPOT', amiType: 'AL2023_x86_64_STANDARD' }),
    ).toEqual([]);
  });

  it('accepts a single type for an on-demand group', () => {
    expect(instanceTypeProblems(['m6i.xlarge'], { capacityType: 'ON_DEMAND' })).toEqual([]);
  });

  it('counts distinct types, and says so when one is listed twice', () => {
    const problems = instanceTypeProblems([...SPOT_TYPES.slice(0, 5), 'm6i.xlarge'], {
      capacityType: 'SPOT',
    });

    expect(problems).toEqual([
      'instance types are listed more than once',
      expect.stringContaining('got 5 (m6i.xlarge, m6a.xlarge, m5.xlarge, m5a.xlarge, m7i.xlarge)'),
    ]);
  });

  it('refuses Graviton types on an x86 AMI, and names what is not an instance type', () => {
    const graviton = ['m6g.xlarge', 'm7g.xlarge', 'c6g.xlarge', 'c7g.xlarge', 'r6g.xlarge', 'r7g.xlarge'];

    expect(
      instanceTypeProblems(graviton, { capacityType: 'SPOT', amiType: 'AL2023_x86_64_STANDARD' }),
    ).toEqual([`AMI type AL2023_x86_64_STANDARD runs x86_64, but ${graviton.join(', ')} are not x86_64`]);
    expect(instanceTypeProblems(['huge'], { capacityType: 'ON_DEMAND' })).toEqual([
      'not EC2 instance types (expected e.g. m6i.xlarge): huge',
    ]);
  });
});
