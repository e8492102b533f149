/**
 * Right-sizing benchmark (issue 6, bench/cost): on one synthetic history of 2,000 workloads over
 * two weeks (local/lakehouse/usage-history.ts, backfilled by promtool into a real Prometheus),
 *
 * 1. quality: recommendations made from week one (lakehouse-ops through its Prometheus queries;
 *    KRR's simple strategy from the same statistics; the VPA recommender's histograms fed with the
 *    same week's samples) are scored against week two's demand (./evaluate.ts): slack, share of
 *    5-minute bins above request, simulated OOM kills;
 * 2. speed: the time lakehouse-ops takes to recommend for all 2,000 workloads over 14 days.
 *
 *   npm run bench:cost   # ~10 min here; writes bench/results/cost.json and prints the tables
 *
 * Environment: BENCH_WORKLOADS (default 2000), BENCH_SAMPLE_SECONDS (written sample interval,
 * default 300), BENCH_ROUNDS (timed runs, default 3).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resourcePrices } from '../../functions/core/cost/pricing.ts';
import type { Resources } from '../../functions/core/cost/recommendation.ts';
import {
  type RightsizingResult,
  recommendRightsizing,
} from '../../functions/core/cost/rightsizing/recommend.ts';
import { rightsizingSettingsSchema } from '../../functions/core/cost/rightsizing/settings.ts';
import {
  containerUsage,
  prometheusUsageSource,
  usageKey,
} from '../../functions/core/cost/rightsizing/usage.ts';
import type { WorkloadSource } from '../../functions/core/cost/rightsizing/workloads.ts';
import {
  backfillUsageHistory,
  demandOf,
  podsOf,
  removeUsageHistory,
  type SyntheticWorkload,
  startPrometheusOnHistory,
  syntheticCatalogue,
  USAGE_RESOLUTION_SECONDS,
  usagePeriods,
} from '../../local/lakehouse/usage-history.ts';
import { PRICING } from '../../test/functions/core/cost/rightsizing/fixtures.ts';
import { BIN_SECONDS, Evaluation, type Scores } from './evaluate.ts';
import { keepScaled, krrSimple, VpaContainer } from './strategies.ts';

const WORKLOADS = positiveInteger('BENCH_WORKLOADS', 2000);
const SAMPLE_SECONDS = positiveInteger('BENCH_SAMPLE_SECONDS', 300);
const ROUNDS = positiveInteger('BENCH_ROUNDS', 3);
const START = new Date('2026-10-05T00:00:00Z');
const DAY = 86_400;
const TARGET_SECONDS = 10;
const RESULTS_FILE = fileURLToPath(new URL('../results/cost.json', import.meta.url));
const STRATEGIES = ['current', 'lakehouse-ops', 'KRR simple', 'VPA'] as const;
type Strategy = (typeof STRATEGIES)[number];

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** The catalogue as discovery would find it (the bench times Prometheus and the formula, not kube-sim). */
function catalogueSource(catalogue: readonly SyntheticWorkload[]): WorkloadSource {
  return {
    async discover() {
      return {
        skipped: [],
        workloads: catalogue.map((workload) => ({
          namespace: workload.namespace,
          kind: workload.kind,
          name: workload.name,
          replicas: workload.schedule ? 1 : workload.replicas,
          pool: workload.pool,
          containers: workload.containers.map((container) => ({
            name: container.name,
            current: container.current,
            hpaResources: workload.hpaResources ?? [],
          })),
        })),
      };
    },
  };
}

function keyOf(workload: SyntheticWorkload, container: string): string {
  return usageKey({ namespace: workload.namespace, kind: workload.kind, name: workload.name, container });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** VPA's recommendation for every container, from week one's samples as the cluster saw them. */
function vpaRecommendations(
  catalogue: readonly SyntheticWorkload[],
  weekEnd: number,
): Map<string, Resources> {
  const states = new Map<string, VpaContainer>();
  for (const { podDays } of usagePeriods({ workloads: catalogue, start: START, days: 7 })) {
    for (const { pod, containers } of podDays) {
      for (const day of containers) {
        const key = keyOf(pod.workload, day.container.name);
        let state = states.get(key);
        if (!state) {
          state = new VpaContainer(weekEnd);
          states.set(key, state);
        }
        let previousRestarts: number | undefined;
        for (let index = 0; index < day.times.length; index += 1) {
          const time = day.times[index]!;
          const cpu =
            index === 0
              ? Number.NaN
              : (day.cpuSeconds[index]! - day.cpuSeconds[index - 1]!) / USAGE_RESOLUTION_SECONDS;
          if (!Number.isNaN(cpu)) state.addSample(pod.name, time, cpu, day.workingSet[index]!);
          const restarts = day.restarts[index]!;
          if (previousRestarts !== undefined && restarts > previousRestarts)
            state.addOom(time, day.workingSet[index]!);
          previousRestarts = restarts;
        }
        if (day.terminatedByOom)
          state.addOom(day.times[day.times.length - 1]!, day.workingSet[day.times.length - 1]!);
      }
    }
  }
  const recommendations = new Map<string, Resources>();
  for (const workload of catalogue) {
    for (const container of workload.containers) {
      const state = states.get(keyOf(workload, container.name));
      const recommended = state ? state.recommend(container.current) : container.current;
      recommendations.set(
        keyOf(workload, container.name),
        keepScaled(recommended, container.current, workload.hpaResources ?? []),
      );
    }
  }
  return recommendations;
}

function recommendedBy(result: RightsizingResult): Map<string, Resources> {
  return new Map(
    result.recommendations.map((recommendation) => [
      usageKey({ ...recommendation.workload }),
      recommendation.recommended,
    ]),
  );
}

/** Week two's demand, in 5-minute bins, scored under each strategy's resources. */
function evaluateWeekTwo(
  catalogue: readonly SyntheticWorkload[],
  resources: Record<Strategy, Map<string, Resources>>,
) {
  const evaluations = Object.fromEntries(
    STRATEGIES.map((strategy) => [strategy, new Evaluation()]),
  ) as Record<Strategy, Evaluation>;
  const historyStart = START.getTime() / 1000;
  const from = historyStart + 7 * DAY;
  const to = historyStart + 14 * DAY;
  for (const workload of catalogue) {
    const prices = resourcePrices(PRICING, workload.pool);
    for (const pod of podsOf(workload, historyStart, from, to)) {
      for (const container of workload.containers) {
        const key = keyOf(workload, container.name);
        const chosen = STRATEGIES.map(
          (strategy) => [evaluations[strategy], resources[strategy].get(key) ?? container.current] as const,
        );
        const demand = demandOf(pod, container, historyStart);
        const begin = Math.max(
          from,
          Math.ceil(pod.start / USAGE_RESOLUTION_SECONDS) * USAGE_RESOLUTION_SECONDS,
        );
        const end = Math.min(to, pod.end);
        let bin = Math.floor(begin / BIN_SECONDS);
        let cpuSum = 0;
        let samples = 0;
        let memoryPeak = 0;
        const close = () => {
          if (samples === 0) return;
          for (const [evaluation, chosenResources] of chosen) {
            evaluation.add(
              `${pod.name}/${container.name}`,
              chosenResources,
              prices,
              cpuSum / samples,
              memoryPeak,
            );
          }
          cpuSum = 0;
          samples = 0;
          memoryPeak = 0;
        };
        for (let t = begin; t < end; t += USAGE_RESOLUTION_SECONDS) {
          if (Math.floor(t / BIN_SECONDS) !== bin) {
            close();
            bin = Math.floor(t / BIN_SECONDS);
          }
          const usage = demand(t);
          cpuSum += usage.cpuCores;
          samples += 1;
          memoryPeak = Math.max(memoryPeak, usage.memoryBytes);
        }
        close();
      }
    }
  }
  return Object.fromEntries(
    STRATEGIES.map((strategy) => [strategy, evaluations[strategy].scores()]),
  ) as Record<Strategy, Scores>;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

async function main(): Promise<void> {
  const catalogue = syntheticCatalogue({ count: WORKLOADS, seed: 1 });
  const settings = rightsizingSettingsSchema.parse({});
  const containers = catalogue.reduce((sum, workload) => sum + workload.containers.length, 0);
  console.log(
    `backfilling 14 days of ${WORKLOADS} workloads (${containers} containers), one sample per ${SAMPLE_SECONDS} s...`,
  );
  const backfillStarted = Date.now();
  const history = await backfillUsageHistory({
    workloads: catalogue,
    start: START,
    days: 14,
    sampleSeconds: SAMPLE_SECONDS,
  });
  const backfillSeconds = (Date.now() - backfillStarted) / 1000;
  console.log(`  ${Math.round(history.samples / 1e6)}M container samples in ${backfillSeconds.toFixed(0)} s`);
  const prometheus = await startPrometheusOnHistory(history);
  try {
    const dependencies = {
      workloads: [catalogueSource(catalogue)],
      usage: prometheusUsageSource(prometheus.url, settings),
      pricing: PRICING,
      settings,
    };
    const weekOneEnd = new Date(START.getTime() + 7 * DAY * 1000);
    const historyEnd = new Date(START.getTime() + 14 * DAY * 1000);

    console.log('timing: recommendations for every workload over 14 days...');
    const timings: number[] = [];
    let full: RightsizingResult | undefined;
    for (let round = 0; round < ROUNDS; round += 1) {
      const started = performance.now();
      full = await recommendRightsizing({ historyDays: 14, namespaces: [], at: historyEnd }, dependencies);
      timings.push((performance.now() - started) / 1000);
      console.log(
        `  round ${round + 1}: ${timings[round]!.toFixed(2)} s, ${full.recommendations.length} recommendations`,
      );
    }

    console.log('quality: week one recommends, week two scores...');
    const ours = await recommendRightsizing({ historyDays: 7, namespaces: [], at: weekOneEnd }, dependencies);
    const weekOneUsage = await dependencies.usage.fetch({ historyHours: 7 * 24, namespaces: [] }, weekOneEnd);
    const krr = new Map<string, Resources>();
    for (const workload of catalogue) {
      for (const container of workload.containers) {
        const ref = {
          namespace: workload.namespace,
          kind: workload.kind,
          name: workload.name,
          container: container.name,
        };
        krr.set(
          usageKey(ref),
          krrSimple(containerUsage(weekOneUsage, ref), container.current, workload.hpaResources ?? []),
        );
      }
    }
    const vpa = vpaRecommendations(catalogue, weekOneEnd.getTime() / 1000);
    const scores = evaluateWeekTwo(catalogue, {
      current: new Map(),
      'lakehouse-ops': recommendedBy(ours),
      'KRR simple': krr,
      VPA: vpa,
    });

    const record = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: `${cpus().length} x ${cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'unknown'}`,
      workloads: WORKLOADS,
      containers,
      sampleSeconds: SAMPLE_SECONDS,
      backfillSeconds,
      containerSamples: history.samples,
      timing: {
        historyDays: 14,
        rounds: timings,
        medianSeconds: median(timings),
        targetSeconds: TARGET_SECONDS,
        recommendations: full?.recommendations.length,
        skipped: full?.skipped.length,
      },
      quality: { recommendations: ours.recommendations.length, skipped: ours.skipped.length, scores },
    };
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(record, null, 2)}\n`);

    console.log(
      '\n| strategy | CPU slack | memory slack | priced slack | CPU bins above request | memory bins above request | simulated OOM kills (containers) | requests, $/week |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const strategy of STRATEGIES) {
      const s = scores[strategy];
      console.log(
        `| ${strategy} | ${percent(s.cpuSlack)} | ${percent(s.memorySlack)} | ${percent(s.costSlack)} | ${percent(s.cpuBinsAboveRequest)} | ${percent(s.memoryBinsAboveRequest)} | ${s.oomKills} (${s.containersKilled}) | ${s.requestedUsd.toFixed(0)} |`,
      );
    }
    const ourScores = scores['lakehouse-ops'];
    const krrScores = scores['KRR simple'];
    console.log(`\nbins scored: ${ourScores.bins}`);
    console.log(`slack vs KRR (priced): ${(ourScores.costSlack / krrScores.costSlack).toFixed(2)}x`);
    console.log(
      `recommendations for ${WORKLOADS} workloads over 14 days: median ${median(timings).toFixed(2)} s (target ${TARGET_SECONDS} s)`,
    );
    console.log(`results: ${RESULTS_FILE}`);
  } finally {
    await prometheus.stop();
    await removeUsageHistory(history);
  }
}

await main();
