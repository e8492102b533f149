import { describe, expect, it } from 'vitest';
import { anyOf, atLeastRegex } from '../../../../cluster-manifests/src/monitoring/promql.ts';

/** Prometheus anchors label regexes: the whole value must match. */
function matches(regex: string, value: string): boolean {
  return new RegExp(`^(?:${regex})$`).test(value);
}

describe('atLeastRegex', () => {
  it.each([0, 1, 5, 9, 10, 19, 25, 99, 100, 120, 909])(
    'matches exactly the decimal integers from %i up',
    (minimum) => {
      const regex = atLeastRegex(minimum);
      for (let value = 0; value <= 2000; value += 1) {
        expect(matches(regex, String(value)), `${value} against ${regex}`).toBe(value >= minimum);
      }
    },
  );

  it('matches no label value that is not a plain number', () => {
    for (const value of ['', 'null', '-7', '07', '5.0', '1e3', ' 12']) {
      expect(matches(atLeastRegex(5), value), value).toBe(false);
    }
  });

  it('refuses a minimum that is not a non-negative integer', () => {
    expect(() => atLeastRegex(-1)).toThrow(/non-negative integer, got -1/);
    expect(() => atLeastRegex(2.5)).toThrow(/non-negative integer, got 2.5/);
  });
});

describe('anyOf', () => {
  it('matches any of the names and refuses an empty list', () => {
    expect(anyOf('namespace', ['prefect', 'minio'])).toBe('namespace=~"prefect|minio"');
    expect(() => anyOf('namespace', [])).toThrow(/no values to match namespace/);
  });
});
