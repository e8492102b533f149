import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesApi } from '../../../../../functions/commons/kubernetes/api.ts';
import {
  HOURS_PER_MONTH,
  monthlySavingUsd,
  resourcePrices,
} from '../../../../../functions/core/cost/pricing.ts';
import type { Recommendation } from '../../../../../functions/core/cost/recommendation.ts';
import { prefectWorkPoolSource } from '../../../../../functions/core/cost/rightsizing/prefect-work-pools.ts';
import {
  type RightsizingResult,
  recommendRightsizing,
} from '../../../../../functions/core/cost/rightsizing/recommend.ts';
import { rightsizingSettingsSchema } from '../../../../../functions/core/cost/rightsizing/settings.ts';
import { prometheusUsageSource } from '../../../../../functions/core/cost/rightsizing/usage.ts';
import {
  RECORDS,
  rightsizingRecordingRules,
} from '../../../../../functions/core/cost/rightsizing/usage-queries.ts';
import { kubernetesWorkloadSource } from '../../../../../functions/core/cost/rightsizing/workloads.ts';
import { type KubeObject, type KubeSim, startKubeSim } from '../../../../../local/kube-sim/index.ts';
import {
  backfillUsageHistory,
  type HistoryPrometheus,
  kubernetesObjectsOf,
  prefectWorkPoolOf,
  removeUsageHistory,
  type SyntheticContainer,
  type SyntheticWorkload,
  startPrometheusOnHistory,
  type UsageHistory,
} from '../../../../../local/lakehouse/usage-history.ts';
import { THREE_NODES } from '../../../../local/kube-sim/fixtures.ts';
import { GIB, MIB, PRICING } from './fixtures.ts';

/**
 * Right-sizing end to end on eight days of backfilled usage: a real Prometheus (Debian's, installed
 * when missing) answering the queries, kube-sim holding the workloads and an HPA, a Prefect API
 * stand-in holding a work pool. Each workload is made to hit one guardrail.
 */
const START = new Date('2026-11-01T00:00:00Z');
const DAYS = 8;
const AT = new Date(START.getTime() + DAYS * 86_400_000);

function container(overrides: Partial<SyntheticContainer> = {}): SyntheticContainer {
  return {
    name: 'main',
    current: { requests: { cpuCores: 1, memoryBytes: 2 * GIB }, limits: { memoryBytes: 4 * GIB } },
    cpu: { baseCores: 0.2, diurnalAmplitude: 0.3, noise: 0.1, spikeChance: 0, spikeFactor: 1 },
    memory: {
      baseBytes: 400 * MIB,
      diurnalAmplitude: 0.02,
      noise: 0.01,
      growthPerDay: 0,
      spikeChance: 0,
      spikeFactor: 1,
    },
    ...overrides,
  };
}

function workload(name: string, overrides: Partial<SyntheticWorkload> = {}): SyntheticWorkload {
  return {
    namespace: 'ingest',
    kind: 'Deployment',
    name,
    replicas: 1,
    pool: 'system',
    containers: [container()],
    ...overrides,
  };
}

const CATALOGUE: SyntheticWorkload[] = [
  workload('web', { replicas: 2 }),
  workload('scaled', { hpaResources: ['cpu'] }),
  workload('leaky', {
    kind: 'StatefulSet',
    pool: 'storage',
    containers: [container({ memory: { ...container().memory, growthPerDay: 0.05 } })],
  }),
  workload('oom', {
    containers: [
      container({
        current: { requests: { cpuCores: 0.5, memoryBytes: 400 * MIB }, limits: { memoryBytes: 420 * MIB } },
        memory: { ...container().memory, spikeChance: 0.02, spikeFactor: 1.1 },
      }),
    ],
  }),
  workload('idle', {
    containers: [
      container({
        cpu: { ...container().cpu, baseCores: 0.001 },
        memory: { ...container().memory, baseBytes: 8 * MIB },
      }),
    ],
  }),
  workload('fresh', { startsAfterSeconds: (DAYS - 1) * 86_400 }),
  workload('hourly', {
    kind: 'CronJob',
    pool: 'compute',
    schedule: { everyMinutes: 60, durationMinutes: 15 },
  }),
  workload('lakehouse-spot', {
    namespace: 'prefect',
    kind: 'PrefectWorkPool',
    pool: 'compute',
    schedule: { everyMinutes: 30, durationMinutes: 10 },
    containers: [container({ name: 'prefect-job' })],
  }),
];

function startPrefectStandIn(pools: unknown[]): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/api/work_pools/filter') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pools));
      return;
    }
    response.writeHead(404).end('{"detail":"Not Found"}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('recommendRightsizing over a real Prometheus', () => {
  let history: UsageHistory;
  let prometheus: HistoryPrometheus;
  let sim: KubeSim;
  let prefect: Server;
  let result: RightsizingResult;
  const settings = rightsizingSettingsSchema.parse({});

  beforeAll(async () => {
    history = await backfillUsageHistory({ workloads: CATALOGUE, start: START, days: DAYS });
    prometheus = await startPrometheusOnHistory(history);
    sim = await startKubeSim({ nodes: THREE_NODES });
    for (const object of CATALOGUE.flatMap(kubernetesObjectsOf)) sim.apply(object as KubeObject);
    prefect = await startPrefectStandIn(
      CATALOGUE.filter((w) => w.kind === 'PrefectWorkPool').map(prefectWorkPoolOf),
    );
    const prefectUrl = `http://127.0.0.1:${(prefect.address() as AddressInfo).port}/api`;
    result = await recommendRightsizing(
      { historyDays: 7, namespaces: [], at: AT },
      {
        workloads: [
          kubernetesWorkloadSource(createKubernetesApi({ server: sim.url, token: sim.token })),
          prefectWorkPoolSource({ apiUrl: prefectUrl, defaultNamespace: 'prefect' }),
        ],
        usage: prometheusUsageSource(prometheus.url, settings),
        pricing: PRICING,
        settings,
      },
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([
      prometheus?.stop(),
      sim?.stop(),
      new Promise((resolve) => prefect?.close(resolve)),
    ]);
    if (history) await removeUsageHistory(history);
  });

  const recommendationFor = (name: string): Recommendation => {
    const found = result.recommendations.find((recommendation) => recommendation.workload.name === name);
    if (!found) throw new Error(`no recommendation for ${name}; skipped: ${JSON.stringify(result.skipped)}`);
    return found;
  };

  it('reads recorded series that the recording rules compute from the raw series', async () => {
    const query = async (expression: string, time: number) => {
      const response = await fetch(
        `${prometheus.url}/api/v1/query?query=${encodeURIComponent(expression)}&time=${time}`,
      );
      const body = (await response.json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return new Map(
        body.data.result.map((row) => [
          `${row.metric.workload_kind}/${row.metric.workload}/${row.metric.container}`,
          Number(row.value[1]),
        ]),
      );
    };
    // 00:05, while the CronJob and the work pool run; 00:15, when the CronJob's run has just ended
    // (its last samples are still in the rules' windows; the creation time follows the map's own
    // lookback there, which the synthetic records do not).
    const around = (START.getTime() + (3 * 24 * 60 + 7) * 60_000) / 1000;
    const instants = [
      { at: around, rules: rightsizingRecordingRules().rules },
      {
        at: around + 600,
        rules: rightsizingRecordingRules().rules.filter((rule) => rule.record !== RECORDS.created),
      },
    ];
    for (const { at, rules } of instants) {
      for (const rule of rules) {
        // The instant the rule was recorded at, just before `at`.
        const evaluated = Math.max(...(await query(`timestamp(${rule.record})`, at)).values());
        const recorded = await query(
          `${rule.record} and (timestamp(${rule.record}) == ${evaluated})`,
          evaluated,
        );
        const computed = await query(rule.expr, evaluated);
        expect([rule.record, evaluated, [...recorded.keys()].sort()]).toEqual([
          rule.record,
          evaluated,
          [...computed.keys()].sort(),
        ]);
        for (const [series, value] of recorded) {
          expect([rule.record, series, computed.get(series)]).toEqual([
            rule.record,
            series,
            expect.closeTo(value, 6),
          ]);
        }
      }
    }
    // Every kind of workload is mapped: Deployments, a StatefulSet, a CronJob and a work pool.
    const kinds = [...(await query(RECORDS.pods, around)).keys()].map((key) => key.split('/')[0]);
    expect(new Set(kinds)).toEqual(new Set(['Deployment', 'StatefulSet', 'CronJob', 'PrefectWorkPool']));
  });

  it('right-sizes an over-provisioned Deployment, priced on its pool for its replicas', () => {
    const web = recommendationFor('web');
    expect(web.workload).toEqual({ namespace: 'ingest', kind: 'Deployment', name: 'web', container: 'main' });
    expect(web.replicas).toBe(2);
    // Base 0.2 cores, +-30% diurnal, 10% noise: p95 is near 0.27 cores.
    expect(web.recommended.requests.cpuCores).toBeGreaterThan(0.24);
    expect(web.recommended.requests.cpuCores).toBeLessThan(0.34);
    expect(web.recommended.requests.memoryBytes).toBeGreaterThan(web.evidence.memoryPeakBytes);
    expect(web.recommended.limits.memoryBytes).toBeGreaterThan(web.recommended.requests.memoryBytes!);
    expect(web.evidence.historyHours).toBe(7 * 24);
    expect(web.confidence).toBe('high');
    const expected = monthlySavingUsd(
      web.current.requests,
      web.recommended.requests,
      2,
      resourcePrices(PRICING, 'system'),
    );
    expect(web.monthlySavingUsd).toBeCloseTo(expected, 2);
    expect(web.monthlySavingUsd).toBeGreaterThan(0);
  });

  it('leaves the CPU of a workload its HPA scales on cpu as it is', () => {
    const scaled = recommendationFor('scaled');
    expect(scaled.recommended.requests.cpuCores).toBe(1);
    expect(scaled.evidence.hpaResources).toEqual(['cpu']);
    expect(scaled.notes).toContain('CPU left as is: an HorizontalPodAutoscaler scales on cpu');
    expect(scaled.recommended.requests.memoryBytes).toBeLessThan(GIB);
  });

  it('projects the growth of a leaking StatefulSet', () => {
    const leaky = recommendationFor('leaky');
    // 5%/day of 400Mi is 20Mi/day: a week ahead adds about 140Mi to the peak.
    const growth = leaky.recommended.limits.memoryBytes! / 1.2 - leaky.evidence.memoryPeakBytes;
    expect(growth).toBeGreaterThan(100 * MIB);
    expect(growth).toBeLessThan(180 * MIB);
    expect(leaky.notes.some((note) => note.startsWith('memory grows about'))).toBe(true);
  });

  it('counts the OOM kills and bumps memory above the old limit', () => {
    const oom = recommendationFor('oom');
    expect(oom.evidence.oomKills).toBeGreaterThan(0);
    expect(oom.evidence.memoryPeakBytes).toBeLessThanOrEqual(420 * MIB);
    // max(420 + 100, 420 x 1.2) = 520Mi target, limit x1.2.
    expect(oom.recommended.limits.memoryBytes).toBe(624 * MIB);
    expect(oom.recommended.requests.memoryBytes).toBeGreaterThan(oom.current.requests.memoryBytes!);
  });

  it('keeps an idle workload at the floors', () => {
    expect(recommendationFor('idle').recommended.requests).toEqual({ cpuCores: 0.01, memoryBytes: 64 * MIB });
  });

  it('skips a workload with too little history and says why', () => {
    expect(result.skipped).toContainEqual({
      namespace: 'ingest',
      kind: 'Deployment',
      name: 'fresh',
      container: 'main',
      reason: 'insufficient history: 24h of usage, at least 72h needed',
    });
    expect(result.recommendations.some((recommendation) => recommendation.workload.name === 'fresh')).toBe(
      false,
    );
  });

  it('recommends for a CronJob and a Prefect work pool, weighing the saving by the pods running', () => {
    const hourly = recommendationFor('hourly');
    expect(hourly.workload.kind).toBe('CronJob');
    expect(hourly.replicas).toBe(1);
    const prices = resourcePrices(PRICING, 'compute');
    const full = monthlySavingUsd(hourly.current.requests, hourly.recommended.requests, 1, prices);
    // 15 of every 60 minutes: about a quarter of a pod.
    expect(hourly.monthlySavingUsd / full).toBeGreaterThan(0.2);
    expect(hourly.monthlySavingUsd / full).toBeLessThan(0.3);
    const pool = recommendationFor('lakehouse-spot');
    expect(pool.workload).toEqual({
      namespace: 'prefect',
      kind: 'PrefectWorkPool',
      name: 'lakehouse-spot',
      container: 'prefect-job',
    });
    expect(pool.current.requests).toEqual({ cpuCores: 1, memoryBytes: 2 * GIB });
    expect(pool.monthlySavingUsd).toBeGreaterThan(0);
    expect(pool.monthlySavingUsd).toBeLessThan(full * HOURS_PER_MONTH);
  });

  it('orders the recommendations by saving, largest first', () => {
    const savings = result.recommendations.map((recommendation) => recommendation.monthlySavingUsd);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
  });
});
