import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../local/kube-sim/errors.ts';
import {
  formatSelector,
  matchesRequirements,
  parseLabelSelector,
  selectorMatches,
} from '../../../local/kube-sim/selectors.ts';

describe('selectors', () => {
  const labels = { app: 'minio', tier: 'storage', 'app.kubernetes.io/version': '7' };
  const matches = (selector: string) => matchesRequirements(parseLabelSelector(selector), labels);

  it('parses and matches every label selector form', () => {
    expect(matches('app=minio')).toBe(true);
    expect(matches('app==minio,tier=storage')).toBe(true);
    expect(matches('app!=minio')).toBe(false);
    expect(matches('tier in (storage, compute)')).toBe(true);
    expect(matches('tier notin (storage)')).toBe(false);
    expect(matches('app.kubernetes.io/version')).toBe(true);
    expect(matches('!app.kubernetes.io/version')).toBe(false);
    expect(matches('app.kubernetes.io/version>5')).toBe(true);
    expect(matches('app.kubernetes.io/version<5')).toBe(false);
    expect(matches('')).toBe(true);
  });

  it('rejects malformed selectors with a 400 that names the problem', () => {
    expect(() => parseLabelSelector('app in minio')).toThrow(KubeApiError);
    expect(() => parseLabelSelector('bad key=1')).toThrow(/unable to parse requirement/);
    expect(() => parseLabelSelector('app=not a value')).toThrow(/invalid label value/);
  });

  it('matches structured selectors and formats them for Scale.status.selector', () => {
    const selector = {
      matchLabels: { app: 'minio' },
      matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['storage', 'compute'] }],
    };
    expect(selectorMatches(selector, labels)).toBe(true);
    expect(selectorMatches(selector, { app: 'minio' })).toBe(false);
    expect(selectorMatches(undefined, labels)).toBe(false);
    expect(formatSelector(selector)).toBe('app=minio,tier in (storage,compute)');
  });
});
