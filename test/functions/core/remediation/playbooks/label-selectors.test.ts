import { describe, expect, it } from 'vitest';
import {
  selectorMatches,
  selectorString,
} from '../../../../../functions/core/remediation/playbooks/label-selectors.ts';

const selector = {
  matchLabels: { app: 'minio' },
  matchExpressions: [
    { key: 'tier', operator: 'In', values: ['hot', 'warm'] },
    { key: 'legacy', operator: 'DoesNotExist' },
    { key: 'zone', operator: 'NotIn', values: ['b'] },
    { key: 'pool', operator: 'Exists' },
  ],
};

describe('selectorMatches', () => {
  it.each([
    [{ app: 'minio', tier: 'hot', pool: 'storage' }, true],
    [{ app: 'minio', tier: 'hot', pool: 'storage', zone: 'a' }, true],
    [{ app: 'minio', tier: 'cold', pool: 'storage' }, false],
    [{ app: 'minio', tier: 'hot', pool: 'storage', legacy: 'yes' }, false],
    [{ app: 'minio', tier: 'hot', pool: 'storage', zone: 'b' }, false],
    [{ app: 'minio', tier: 'hot' }, false],
    [{ app: 'web', tier: 'hot', pool: 'storage' }, false],
  ])('matches %o: %s', (labels, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });

  it('selects everything with an empty selector and nothing without one', () => {
    expect(selectorMatches({}, { app: 'x' })).toBe(true);
    expect(selectorMatches(undefined, { app: 'x' })).toBe(false);
  });
});

describe('selectorString', () => {
  it('writes the query form of every requirement', () => {
    expect(selectorString(selector)).toBe('app=minio,tier in (hot,warm),!legacy,zone notin (b),pool');
  });
});
