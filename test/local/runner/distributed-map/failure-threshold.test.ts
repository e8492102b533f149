import { describe, expect, it } from 'vitest';
import {
  EXCEEDED_ERROR,
  exceedsThreshold,
  resolveFailureThreshold,
  thresholdExceededError,
} from '../../../../local/runner/distributed-map/failure-threshold.ts';

describe('resolveFailureThreshold', () => {
  it('tolerates no failure when neither count nor percentage is set', () => {
    expect(resolveFailureThreshold({}, {}, {}, 'Copy')).toEqual({ percentage: 0 });
  });

  it('reads the *Path fields from the input', () => {
    const fields = {
      ToleratedFailureCountPath: '$.tolerance.count',
      ToleratedFailurePercentagePath: '$.tolerance.pct',
    };
    expect(resolveFailureThreshold(fields, { tolerance: { count: 2, pct: 10 } }, {}, 'Copy')).toEqual({
      count: 2,
      percentage: 10,
    });
  });

  it('refuses a percentage above 100, naming the state and the field', () => {
    expect(() => resolveFailureThreshold({ ToleratedFailurePercentage: 150 }, {}, {}, 'Copy')).toThrow(
      /Copy: ToleratedFailurePercentage must be a number from 0 to 100, got 150/,
    );
  });
});

describe('exceedsThreshold', () => {
  it('fails only when the failed share is above the percentage, not at it', () => {
    expect(exceedsThreshold({ percentage: 25 }, 1, 4)).toBe(false);
    expect(exceedsThreshold({ percentage: 25 }, 2, 4)).toBe(true);
  });

  it('fails when the count is exceeded', () => {
    expect(exceedsThreshold({ count: 1 }, 1, 100)).toBe(false);
    expect(exceedsThreshold({ count: 1 }, 2, 100)).toBe(true);
  });

  it('fails when either bound is exceeded with both set', () => {
    expect(exceedsThreshold({ count: 5, percentage: 10 }, 2, 10)).toBe(true);
    expect(exceedsThreshold({ count: 1, percentage: 50 }, 2, 10)).toBe(true);
    expect(exceedsThreshold({ count: 2, percentage: 20 }, 2, 10)).toBe(false);
  });

  it('fails on any failure with the default 0%', () => {
    expect(exceedsThreshold({ percentage: 0 }, 0, 3)).toBe(false);
    expect(exceedsThreshold({ percentage: 0 }, 1, 3)).toBe(true);
  });
});

describe('thresholdExceededError', () => {
  it('is named like the Step Functions error and says how many items failed', () => {
    const error = thresholdExceededError({ count: 1, percentage: 10 }, 3, 8);
    expect(error.name).toBe(EXCEEDED_ERROR);
    expect(error.message).toBe(
      'The specified tolerated failure threshold was exceeded: 3 of 8 items failed (tolerated: 1 items or 10%)',
    );
  });
});
