import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppliedChange } from '../../../../../functions/core/cost/apply/apply.ts';
import {
  judgeWatch,
  oomKillsQuery,
  prometheusClient,
  watchRightsizing,
} from '../../../../../functions/core/cost/apply/watch.ts';
import type { WorkloadRef } from '../../../../../functions/core/cost/recommendation.ts';
import { type Sample, type Series, startBackfilledPrometheus } from './backfilled-prometheus.ts';

const MINUTE = 60;
/** The change, three hours ago on a whole minute; one hour watched before and after it. */
const APPLIED_AT = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3 * 3600;
const NOW = APPLIED_AT + 3600;
const MIB = 2 ** 20;

const workload = (name: string): WorkloadRef => ({
  namespace: 'prefect',
  kind: 'Deployment',
  name,
  container: 'main',
});

function change(name: string): AppliedChange {
  return {
    workload: workload(name),
    replicas: 1,
    before: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2' } },
    after: { requests: { cpu: '700m', memory: '768Mi' }, limits: { cpu: '2' } },
    change: 'cpu 1 -> 700m',
    patch: {},
    dryRun: false,
  };
}

/** One sample a minute from an hour before the change to `NOW`, `value(t)` at each. */
function every(labels: Record<string, string>, value: (time: number) => number): Sample {
  const points: [number, number][] = [];
  for (let time = APPLIED_AT - 3600; time <= NOW; time += MINUTE) points.push([time, value(time)]);
  return { labels, points };
}

/** A counter growing by `perMinute(time)` each minute. */
function counter(labels: Record<string, string>, perMinute: (time: number) => number): Sample {
  let total = 0;
  return every(labels, (time) => {
    total += perMinute(time);
    return total;
  });
}

const pod = (name: string) => ({ namespace: 'prefect', pod: `${name}-7d9f8b6c5-x2k4p`, container: 'main' });
const after = (time: number) => time > APPLIED_AT;

function workloadSeries(
  name: string,
  options: { oomKillsAfter?: number; throttledShare: (time: number) => number },
): Series {
  const labels = pod(name);
  const restartsAt = new Set(
    Array.from({ length: options.oomKillsAfter ?? 0 }, (_, index) => APPLIED_AT + (10 + index * 10) * MINUTE),
  );
  return {
    kube_pod_container_status_restarts_total: [counter(labels, (time) => (restartsAt.has(time) ? 1 : 0))],
    kube_pod_container_status_last_terminated_reason: options.oomKillsAfter
      ? [every({ ...labels, reason: 'OOMKilled' }, (time) => (time >= APPLIED_AT + 10 * MINUTE ? 1 : 0))]
      : [],
    container_cpu_cfs_periods_total: [counter(labels, () => 600)],
    container_cpu_cfs_throttled_periods_total: [
      counter(labels, (time) => 600 * options.throttledShare(time)),
    ],
    kube_pod_container_resource_requests: [
      every({ ...labels, resource: 'cpu', unit: 'core' }, (time) => (time >= APPLIED_AT ? 0.7 : 1)),
      every({ ...labels, resource: 'memory', unit: 'byte' }, (time) =>
        time >= APPLIED_AT ? 768 * MIB : 1024 * MIB,
      ),
    ],
  };
}

function merge(...all: Series[]): Series {
  const merged: Record<string, Sample[]> = {};
  for (const series of all) {
    for (const [name, samples] of Object.entries(series))
      merged[name] = [...(merged[name] ?? []), ...samples];
  }
  return merged;
}

describe('watchRightsizing against a real Prometheus', () => {
  let prometheus: Awaited<ReturnType<typeof startBackfilledPrometheus>>;

  beforeAll(async () => {
    prometheus = await startBackfilledPrometheus(
      merge(
        workloadSeries('steady', { throttledShare: () => 0.02 }),
        workloadSeries('oomy', { oomKillsAfter: 2, throttledShare: () => 0.02 }),
        workloadSeries('throttled', { throttledShare: (time) => (after(time) ? 0.4 : 0.05) }),
        // Throttled before the change as much as after: its own level, so no rollback.
        workloadSeries('always-throttled', { throttledShare: () => 0.5 }),
      ),
    );
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
  });

  const watch = (names: string[]) =>
    watchRightsizing(
      prometheusClient(prometheus.url),
      {
        applied: names.map(change),
        appliedAt: new Date(APPLIED_AT * 1000).toISOString(),
        maxOomKillIncrease: 0,
        maxThrottlingIncrease: 0.1,
      },
      new Date(NOW * 1000),
    );

  it('keeps a workload whose OOM kills and throttling stayed at their level, and measures the requests held', async () => {
    const result = await watch(['steady', 'always-throttled']);
    expect(result).toMatchObject({ watchedSeconds: 3600, rollbackNeeded: false });
    const [steady, throttledAlways] = result.verdicts;
    expect(steady).toMatchObject({
      rollback: false,
      reasons: [],
      before: { oomKills: 0 },
      after: { oomKills: 0 },
    });
    expect(steady?.before.throttling).toBeCloseTo(0.02, 3);
    expect(steady?.after.throttling).toBeCloseTo(0.02, 3);
    expect(steady?.observedRequests.cpuCores).toBeCloseTo(0.7, 6);
    expect(steady?.observedRequests.memoryBytes).toBeCloseTo(768 * MIB, 0);
    expect(throttledAlways?.rollback).toBe(false);
  });

  it('rolls back a workload whose container was OOM-killed after the change', async () => {
    const result = await watch(['oomy']);
    expect(result.rollbackNeeded).toBe(true);
    expect(result.verdicts[0]).toMatchObject({
      rollback: true,
      before: { oomKills: 0 },
      after: { oomKills: 2 },
      reasons: ['OOM kills rose from 0 to 2 (at most +0 allowed)'],
    });
  });

  it('rolls back a workload whose CPU throttling rose beyond the allowance', async () => {
    const result = await watch(['throttled']);
    expect(result.verdicts[0]?.rollback).toBe(true);
    expect(result.verdicts[0]?.after.throttling).toBeCloseTo(0.4, 2);
    expect(result.verdicts[0]?.reasons).toEqual([
      'CPU throttling rose from 5.0% to 40.0% of CFS periods (at most +10.0% allowed)',
    ]);
  });

  it('counts no OOM kill and no throttling for a workload Prometheus has no series of', async () => {
    const result = await watch(['unknown']);
    expect(result.verdicts[0]).toMatchObject({
      rollback: false,
      before: { oomKills: 0, throttling: 0 },
      after: { oomKills: 0, throttling: 0 },
      observedRequests: {},
    });
  });

  it('ignores dry-run entries: nothing was changed, so nothing is watched', async () => {
    const result = await watchRightsizing(
      prometheusClient(prometheus.url),
      {
        applied: [{ ...change('steady'), dryRun: true }],
        appliedAt: new Date(APPLIED_AT * 1000).toISOString(),
        maxOomKillIncrease: 0,
        maxThrottlingIncrease: 0.1,
      },
      new Date(NOW * 1000),
    );
    expect(result).toMatchObject({ verdicts: [], rollbackNeeded: false });
  });
});

describe('judgeWatch', () => {
  const quiet = { oomKills: 0, throttling: 0.01 };

  it('allows a configured number of extra OOM kills', () => {
    expect(
      judgeWatch(quiet, { ...quiet, oomKills: 1 }, { maxOomKillIncrease: 1, maxThrottlingIncrease: 0.1 }),
    ).toEqual({
      rollback: false,
      reasons: [],
    });
    expect(
      judgeWatch(quiet, { ...quiet, oomKills: 2 }, { maxOomKillIncrease: 1, maxThrottlingIncrease: 0.1 })
        .rollback,
    ).toBe(true);
  });

  it('rolls back on either measure and gives both reasons when both rose', () => {
    const verdict = judgeWatch(
      quiet,
      { oomKills: 3, throttling: 0.5 },
      { maxOomKillIncrease: 0, maxThrottlingIncrease: 0.1 },
    );
    expect(verdict.reasons).toHaveLength(2);
  });

  it('asks Prometheus for one sum per workload, restricted to its pods and container', () => {
    expect(oomKillsQuery(workload('web'), 3600)).toContain(
      '{namespace="prefect",pod=~"web-[a-z0-9]+-[a-z0-9]+",container="main"}[3600s]',
    );
  });
});
