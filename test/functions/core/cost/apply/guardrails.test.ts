import { describe, expect, it } from 'vitest';
import {
  approvalReasons,
  guardQuantity,
  guardResources,
  weeklyCapFloor,
} from '../../../../../functions/core/cost/apply/guardrails.ts';

const MIB = 2 ** 20;
const NO_USAGE = { cpuP99Cores: 0, memoryP99Bytes: 0 };
const NOTHING = { requests: {}, limits: {} };

describe('weeklyCapFloor', () => {
  it('allows at most the configured fraction below the value a week ago', () => {
    expect(weeklyCapFloor(1, 0.3)).toBeCloseTo(0.7);
    expect(weeklyCapFloor(1000 * MIB, 0.5)).toBe(500 * MIB);
  });
});

describe('guardQuantity', () => {
  const options = { weekAgo: undefined, maxWeeklyDecrease: 0.3, p99: 0 };

  it('clamps a decrease beyond the cap to the cap instead of skipping it', () => {
    expect(guardQuantity(1, 0.2, options)).toEqual({ value: 0.7, cap: { recommended: 0.2, heldAt: 0.7 } });
  });

  it('lets a decrease within the cap through unchanged', () => {
    expect(guardQuantity(1, 0.8, options)).toEqual({ value: 0.8 });
  });

  it('measures the cap from the value a week ago, so two runs in a week cannot stack', () => {
    // 1 core a week ago, 0.8 now: only 0.1 more may go this week.
    expect(guardQuantity(0.8, 0.5, { ...options, weekAgo: 1 }).value).toBeCloseTo(0.7);
  });

  it('holds the current value when the week allowance is used up, never raising it for the cap', () => {
    expect(guardQuantity(0.7, 0.5, { ...options, weekAgo: 1 })).toEqual({
      value: 0.7,
      cap: { recommended: 0.5, heldAt: 0.7 },
    });
    expect(guardQuantity(0.6, 0.5, { ...options, weekAgo: 1 }).value).toBe(0.6);
  });

  it('never goes below the observed p99 usage, even within the cap', () => {
    expect(guardQuantity(1, 0.8, { ...options, p99: 0.9 })).toEqual({ value: 0.9, flooredFrom: 0.8 });
  });

  it('applies the p99 floor after the cap', () => {
    expect(guardQuantity(1, 0.1, { ...options, p99: 0.85 })).toEqual({
      value: 0.85,
      cap: { recommended: 0.1, heldAt: 0.7 },
      flooredFrom: 0.7,
    });
  });

  it('lets an increase through untouched (the cap is on decreases only)', () => {
    expect(guardQuantity(1, 3, { ...options, weekAgo: 0.5 })).toEqual({ value: 3 });
  });

  it('keeps the current value when nothing is recommended, and sets a new value with no current one', () => {
    expect(guardQuantity(1, undefined, options)).toEqual({ value: 1 });
    expect(guardQuantity(undefined, 0.25, options)).toEqual({ value: 0.25 });
  });
});

describe('guardResources', () => {
  it('caps each quantity on its own and explains what it changed', () => {
    const guarded = guardResources({
      current: { requests: { cpuCores: 1, memoryBytes: 1000 * MIB }, limits: { memoryBytes: 2000 * MIB } },
      recommended: {
        requests: { cpuCores: 0.1, memoryBytes: 900 * MIB },
        limits: { memoryBytes: 1000 * MIB },
      },
      evidence: NO_USAGE,
      weekAgo: NOTHING,
      maxWeeklyDecrease: 0.3,
    });
    expect(guarded.target.requests.cpuCores).toBeCloseTo(0.7);
    expect(guarded.target.requests.memoryBytes).toBe(900 * MIB);
    expect(guarded.target.limits.memoryBytes).toBe(1400 * MIB);
    expect(guarded.notes).toEqual([
      'CPU request: 100m recommended, held at 700m by the weekly cap of 30%',
      'memory limit: 1000Mi recommended, held at 1400Mi by the weekly cap of 30%',
    ]);
  });

  it('raises CPU and memory to their p99 usage and says so', () => {
    const guarded = guardResources({
      current: { requests: { cpuCores: 1, memoryBytes: 1024 * MIB }, limits: {} },
      recommended: { requests: { cpuCores: 0.8, memoryBytes: 800 * MIB }, limits: {} },
      evidence: { cpuP99Cores: 0.9, memoryP99Bytes: 900 * MIB },
      weekAgo: NOTHING,
      maxWeeklyDecrease: 0.3,
    });
    expect(guarded.target.requests).toEqual({ cpuCores: 0.9, memoryBytes: 900 * MIB });
    expect(guarded.notes).toEqual([
      'CPU request: raised from 800m to the observed p99 usage 900m',
      'memory request: raised from 800Mi to the observed p99 usage 900Mi',
    ]);
  });

  it('raises a limit that would fall below its request to the request', () => {
    const guarded = guardResources({
      current: { requests: { memoryBytes: 512 * MIB }, limits: { memoryBytes: 600 * MIB } },
      recommended: { requests: { memoryBytes: 700 * MIB }, limits: { memoryBytes: 600 * MIB } },
      evidence: NO_USAGE,
      weekAgo: NOTHING,
      maxWeeklyDecrease: 0.3,
    });
    expect(guarded.target.limits.memoryBytes).toBe(700 * MIB);
    expect(guarded.notes).toEqual(['memory limit raised to the request 700Mi']);
  });
});

describe('approvalReasons', () => {
  it('requires approval for the stateful tier in every environment', () => {
    expect(
      approvalReasons({ environment: 'development', requireApproval: false, statefulTier: 'MinIO' }),
    ).toEqual(['MinIO is in the stateful tier: approval is required in every environment']);
  });

  it('requires approval for every change where the environment says so (production)', () => {
    expect(
      approvalReasons({ environment: 'production', requireApproval: true, statefulTier: undefined }),
    ).toEqual(['applying right-sizing in production requires approval']);
  });

  it('requires none for an ordinary workload where approval is off', () => {
    expect(
      approvalReasons({ environment: 'development', requireApproval: false, statefulTier: undefined }),
    ).toEqual([]);
  });
});
