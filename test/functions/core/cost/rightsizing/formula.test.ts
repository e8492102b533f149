import { describe, expect, it } from 'vitest';
import {
  type ContainerInput,
  type FormulaContext,
  recommendContainer,
} from '../../../../../functions/core/cost/rightsizing/formula.ts';
import { rightsizingSettingsSchema } from '../../../../../functions/core/cost/rightsizing/settings.ts';
import type { UsageStatistics } from '../../../../../functions/core/cost/rightsizing/usage.ts';
import { GIB, MIB } from './fixtures.ts';

const AT = new Date('2026-11-15T00:00:00Z');
const DAY = 86_400;
// Margins spelled out (not the defaults), so that the arithmetic below stays readable.
const settings = rightsizingSettingsSchema.parse({
  cpuMargin: 0.05,
  memoryRequestMargin: 0.1,
  memoryLimitMargin: 0.2,
});
const context: FormulaContext = { settings, at: AT, historyHours: 14 * 24, sampleHours: 1 / 60 };

function usage(overrides: UsageStatistics = {}): UsageStatistics {
  return {
    firstSeen: AT.getTime() / 1000 - 14 * DAY,
    cpuPercentile: 0.2,
    cpuP95: 0.2,
    cpuP99: 0.3,
    cpuMax: 0.4,
    memoryP99: 400 * MIB,
    memoryPeak: 500 * MIB,
    memoryGrowthPerSecond: 0,
    podSamples: 14 * 24 * 60,
    oomKilledPods: 0,
    ...overrides,
  };
}

function input(overrides: Partial<ContainerInput> = {}): ContainerInput {
  return {
    kind: 'Deployment',
    current: { requests: { cpuCores: 1, memoryBytes: 2 * GIB }, limits: { memoryBytes: 4 * GIB } },
    hpaResources: [],
    usage: usage(),
    ...overrides,
  };
}

function recommended(outcome: ReturnType<typeof recommendContainer>) {
  if (outcome.type !== 'recommended') throw new Error(`expected a recommendation, got: ${outcome.reason}`);
  return outcome;
}

describe('recommendContainer', () => {
  it('asks for the CPU percentile plus its margin and the memory peak plus its margins', () => {
    const outcome = recommended(recommendContainer(input(), context));
    expect(outcome.recommended).toEqual({
      requests: { cpuCores: 0.21, memoryBytes: 550 * MIB },
      limits: { memoryBytes: 600 * MIB },
    });
    expect(outcome.confidence).toBe('high');
    expect(outcome.evidence).toMatchObject({
      historyHours: 336,
      cpuP95Cores: 0.2,
      memoryPeakBytes: 500 * MIB,
      oomKills: 0,
    });
    expect(outcome.averageRunningPods).toBeUndefined();
  });

  it('never goes below the floors for an idle container', () => {
    const outcome = recommended(
      recommendContainer(input({ usage: usage({ cpuPercentile: 0.0004, memoryPeak: 3 * MIB }) }), context),
    );
    expect(outcome.recommended.requests).toEqual({ cpuCores: 0.01, memoryBytes: 64 * MIB });
    expect(outcome.recommended.limits.memoryBytes).toBe(64 * MIB);
  });

  it('recommends nothing with less history than the minimum, and says how much there was', () => {
    const outcome = recommendContainer(
      input({ usage: usage({ firstSeen: AT.getTime() / 1000 - 2 * DAY }) }),
      context,
    );
    expect(outcome).toEqual({
      type: 'skipped',
      reason: 'insufficient history: 48h of usage, at least 72h needed',
    });
    expect(recommendContainer(input({ usage: undefined }), context)).toMatchObject({
      type: 'skipped',
      reason: 'insufficient history: 0h of usage, at least 72h needed',
    });
  });

  it('leaves a resource an HPA scales on as it is, and skips a container scaled on both', () => {
    const cpuScaled = recommended(recommendContainer(input({ hpaResources: ['cpu'] }), context));
    expect(cpuScaled.recommended.requests).toEqual({ cpuCores: 1, memoryBytes: 550 * MIB });
    expect(cpuScaled.notes).toContain('CPU left as is: an HorizontalPodAutoscaler scales on cpu');
    const memoryScaled = recommended(recommendContainer(input({ hpaResources: ['memory'] }), context));
    expect(memoryScaled.recommended).toEqual({
      requests: { cpuCores: 0.21, memoryBytes: 2 * GIB },
      limits: { memoryBytes: 4 * GIB },
    });
    expect(recommendContainer(input({ hpaResources: ['cpu', 'memory'] }), context)).toEqual({
      type: 'skipped',
      reason: 'an HorizontalPodAutoscaler scales on both cpu and memory',
    });
  });

  it('bumps memory above the old limit after an OOM kill, by max(+100Mi, x1.2), and lowers confidence', () => {
    const current = {
      requests: { cpuCores: 0.2, memoryBytes: 256 * MIB },
      limits: { memoryBytes: 300 * MIB },
    };
    // The working set never shows more than the limit it was killed at.
    const killed = recommended(
      recommendContainer(
        input({ current, usage: usage({ memoryPeak: 300 * MIB, oomKilledPods: 3 }) }),
        context,
      ),
    );
    // max(300 + 100, 300 x 1.2) = 400Mi target; request x1.1, limit x1.2.
    expect(killed.recommended.requests.memoryBytes).toBe(440 * MIB);
    expect(killed.recommended.limits.memoryBytes).toBe(480 * MIB);
    expect(killed.confidence).toBe('medium');
    expect(killed.notes).toContain('3 pod(s) OOM-killed: the target is bumped above the old limit');
    // A large container: the factor wins over the fixed bump.
    const large = recommended(
      recommendContainer(
        input({
          current: { requests: {}, limits: { memoryBytes: 4 * GIB } },
          usage: usage({ memoryPeak: 4 * GIB, oomKilledPods: 1 }),
        }),
        context,
      ),
    );
    expect(large.recommended.limits.memoryBytes).toBe(Math.ceil((4 * 1.2 * 1.2 * GIB) / MIB) * MIB);
  });

  it('projects a growing working set over the growth horizon', () => {
    const perSecond = (100 * MIB) / DAY;
    const outcome = recommended(
      recommendContainer(input({ usage: usage({ memoryGrowthPerSecond: perSecond }) }), context),
    );
    // 500Mi peak + 7 days x 100Mi = 1200Mi target.
    expect(outcome.recommended.requests.memoryBytes).toBe(1320 * MIB);
    expect(outcome.recommended.limits.memoryBytes).toBe(1440 * MIB);
    expect(outcome.notes[0]).toMatch(/memory grows about 700Mi over 168h/);
  });

  it('treats a slope under the growth ratio as noise', () => {
    const noise = usage({ memoryGrowthPerSecond: (2 * MIB) / DAY });
    expect(
      recommended(recommendContainer(input({ usage: noise }), context)).recommended.requests.memoryBytes,
    ).toBe(550 * MIB);
  });

  it('projects a run-to-completion kind from the peaks of the two halves of its history, not from a pod slope', () => {
    const leakingRun = usage({ memoryGrowthPerSecond: (100 * MIB) / DAY });
    const cronJob = recommended(recommendContainer(input({ kind: 'CronJob', usage: leakingRun }), context));
    expect(cronJob.recommended.requests.memoryBytes).toBe(550 * MIB);
    // Peaks 430Mi then 500Mi, 7 days apart: 70Mi more in the next 7 days.
    const growingInput = usage({ memoryEarlyPeak: 430 * MIB, memoryLatePeak: 500 * MIB });
    const grown = recommended(recommendContainer(input({ kind: 'CronJob', usage: growingInput }), context));
    expect(grown.recommended.limits.memoryBytes).toBe(Math.ceil((570 * 1.2 * MIB) / MIB) * MIB);
  });

  it('keeps a value whose change is under the minimum ratio, and raises a CPU limit below the new request', () => {
    const current = {
      requests: { cpuCores: 0.205, memoryBytes: 2 * GIB },
      limits: { cpuCores: 0.1, memoryBytes: 4 * GIB },
    };
    const outcome = recommended(
      recommendContainer(input({ current, usage: usage({ cpuPercentile: 0.4 }) }), context),
    );
    // 0.4 x 1.05 = 0.42 cores; the limit keeps its ratio to the request, at least 1.
    expect(outcome.recommended.requests.cpuCores).toBe(0.42);
    expect(outcome.recommended.limits.cpuCores).toBe(0.42);
    const small = recommended(
      recommendContainer(
        input({ current: { ...current, requests: { ...current.requests, cpuCores: 0.22 } } }),
        context,
      ),
    );
    expect(small.recommended.requests.cpuCores).toBe(0.22);
    expect(small.notes).toContain('CPU request kept: the change would be under 5%');
  });

  it('rates confidence by history length and the CPU tail (p99 / p95)', () => {
    const short = usage({ firstSeen: AT.getTime() / 1000 - 4 * DAY });
    expect(recommended(recommendContainer(input({ usage: short }), context)).confidence).toBe('medium');
    expect(
      recommended(recommendContainer(input({ usage: { ...short, cpuP99: 0.4 } }), context)).confidence,
    ).toBe('low');
    expect(
      recommended(recommendContainer(input({ usage: usage({ cpuP99: 0.4 }) }), context)).confidence,
    ).toBe('medium');
  });

  it('weighs a run-to-completion workload by the pods it had running on average', () => {
    // 14 days of hourly 10-minute runs: 1/6 of a pod on average.
    const outcome = recommended(
      recommendContainer(input({ kind: 'CronJob', usage: usage({ podSamples: 14 * 24 * 10 }) }), context),
    );
    expect(outcome.averageRunningPods).toBeCloseTo(1 / 6, 10);
  });
});
