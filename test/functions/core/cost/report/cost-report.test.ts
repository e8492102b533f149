import { describe, expect, it } from 'vitest';
import type { AppliedChange } from '../../../../../functions/core/cost/apply/apply.ts';
import type { RightsizingPlan } from '../../../../../functions/core/cost/apply/plan.ts';
import { costPricingSchema } from '../../../../../functions/core/cost/pricing.ts';
import {
  buildCostReport,
  type CostReportRequest,
  chartRows,
  costPricing,
  costReportRequestSchema,
} from '../../../../../functions/core/cost/report/cost-report.ts';
import { recommendationFor } from '../apply/rightsizing-fixtures.ts';

const GIB = 2 ** 30;
const NOW = new Date('2026-11-30T08:00:00.000Z');
/** m6i.large on demand: 2 vCPU, 8 GiB, $0.096/h; ratio 9 -> $0.096/26 per GiB-hour, 9x that per core-hour. */
const PRICING = costPricing(
  costPricingSchema.parse({
    pools: {
      compute: {
        instanceType: 'm6i.large',
        vcpu: 2,
        memoryGiB: 8,
        onDemandHourlyUsd: 0.096,
        capacityType: 'ON_DEMAND',
      },
    },
    defaultPool: 'compute',
  }),
);
const PER_GIB_MONTH = (0.096 / 26) * 730;
const PER_CORE_MONTH = 9 * PER_GIB_MONTH;
const cents = (usd: number) => Math.round(usd * 100) / 100;

const ref = (name: string) => ({
  namespace: 'prefect',
  kind: 'Deployment' as const,
  name,
  container: 'main',
});
const BEFORE = { requests: { cpu: '1', memory: '2Gi' }, limits: {} };
const AFTER = { requests: { cpu: '700m', memory: '1536Mi' }, limits: {} };

const change = (name: string) => ({
  workload: ref(name),
  replicas: 2,
  before: BEFORE,
  after: AFTER,
  change: 'c',
  patch: {},
});

function applied(name: string): AppliedChange {
  return { ...change(name), dryRun: false };
}

function planned(name: string) {
  return { ...change(name), notes: [], approvalReasons: [], recommendedMonthlySavingUsd: 1 };
}

const PLAN: RightsizingPlan = {
  environment: 'production',
  mode: 'on',
  dryRun: false,
  changes: [planned('kept'), planned('oomy'), planned('refused')],
  gitOps: [
    {
      ...planned('synced'),
      manager: 'Argo CD (argocd.argoproj.io/instance)',
      patchFile: { path: 'rightsizing/prefect-deployment-synced.yaml', content: 'apiVersion: "apps/v1"\n' },
    },
  ],
  skipped: [{ workload: ref('gone'), reason: 'Deployment prefect/gone no longer exists' }],
  approvalRequired: true,
  approvalChanges: [],
  watch: { maxOomKillIncrease: 0, maxThrottlingIncrease: 0.1 },
  plannedAt: NOW.toISOString(),
};

const verdict = (name: string, rollback: boolean, observed: { cpuCores?: number; memoryBytes?: number }) => ({
  workload: ref(name),
  rollback,
  reasons: rollback ? ['OOM kills rose from 0 to 2 (at most +0 allowed)'] : [],
  before: { oomKills: 0, throttling: 0.01 },
  after: { oomKills: rollback ? 2 : 0, throttling: 0.01 },
  observedRequests: observed,
});

const STATE: CostReportRequest = {
  executionId: 'cost-run-7',
  request: { requestedBy: 'schedule' },
  recommendation: {
    generatedAt: NOW.toISOString(),
    historyDays: 14,
    recommendations: ['kept', 'oomy', 'refused', 'synced', 'gone'].map((name) => recommendationFor({ name })),
    skipped: [
      { namespace: 'prefect', kind: 'Deployment', name: 'scaled', reason: 'an HPA scales it on cpu' },
    ],
  },
  plan: PLAN,
  approval: { status: 'APPROVED', approver: 'alice@example.com' },
  apply: {
    dryRun: false,
    appliedAt: '2026-11-30T02:00:00.000Z',
    applied: [applied('kept'), applied('oomy')],
    skipped: [{ workload: ref('refused'), reason: 'the resources changed since the plan' }],
  },
  watch: {
    evaluatedAt: NOW.toISOString(),
    watchedSeconds: 21_600,
    verdicts: [
      // Half the watched period on the new requests (a slow rollout): the average says so.
      verdict('kept', false, { cpuCores: 0.85, memoryBytes: 1.75 * GIB }),
      verdict('oomy', true, { cpuCores: 0.7, memoryBytes: 1.5 * GIB }),
    ],
  },
  rollback: {
    rolledBackAt: NOW.toISOString(),
    rolledBack: [{ workload: ref('oomy'), reasons: ['OOM kills rose from 0 to 2 (at most +0 allowed)'] }],
    notRolledBack: [],
  },
};

describe('buildCostReport', () => {
  const report = buildCostReport(costReportRequestSchema.parse(STATE), 'production', PRICING, NOW);
  const row = (name: string) => report.rows.find((candidate) => candidate.workload.name === name);
  /** 0.3 cores and 0.5 GiB less, on 2 replicas. */
  const estimated = cents((0.3 * PER_CORE_MONTH + 0.5 * PER_GIB_MONTH) * 2);

  it('says what became of each recommendation', () => {
    expect(report.rows.map((candidate) => [candidate.workload.name, candidate.status])).toEqual([
      ['kept', 'KEPT'],
      ['oomy', 'ROLLED_BACK'],
      ['refused', 'SKIPPED'],
      ['synced', 'GITOPS'],
      ['gone', 'SKIPPED'],
    ]);
    expect(row('oomy')?.detail).toEqual(['OOM kills rose from 0 to 2 (at most +0 allowed)']);
    expect(row('refused')?.detail).toEqual(['the resources changed since the plan']);
    expect(row('synced')?.detail[0]).toBe(
      'managed by Argo CD (argocd.argoproj.io/instance): patch written to rightsizing/prefect-deployment-synced.yaml',
    );
    expect(report.gitOpsPatches).toEqual([
      expect.objectContaining({ path: 'rightsizing/prefect-deployment-synced.yaml' }),
    ]);
  });

  it('estimates what each change saves with the recommender pricing, and nothing for a skip', () => {
    expect(row('kept')?.estimatedMonthlySavingUsd).toBe(estimated);
    expect(row('oomy')?.estimatedMonthlySavingUsd).toBe(estimated);
    expect(row('synced')?.estimatedMonthlySavingUsd).toBe(estimated);
    expect(row('refused')?.estimatedMonthlySavingUsd).toBe(0);
    expect(report.summary.estimatedMonthlySavingUsd).toBe(cents(3 * estimated));
  });

  it('realises savings from the requests actually held over the watch, and none for a rollback', () => {
    const realised = cents((0.15 * PER_CORE_MONTH + 0.25 * PER_GIB_MONTH) * 2);
    expect(row('kept')?.realisedMonthlySavingUsd).toBe(realised);
    expect(row('oomy')?.realisedMonthlySavingUsd).toBe(0);
    expect(report.summary).toMatchObject({
      recommendations: 5,
      notRecommended: 1,
      realisedMonthlySavingUsd: realised,
      recommendedMonthlySavingUsd: 17.5,
      byStatus: { KEPT: 1, ROLLED_BACK: 1, SKIPPED: 2, GITOPS: 1, DRY_RUN: 0 },
    });
  });

  it('reports every recommendation as RECOMMENDED with no saving claimed when applying is off', () => {
    const off = buildCostReport(
      costReportRequestSchema.parse({
        ...STATE,
        plan: { ...PLAN, mode: 'off', changes: [], gitOps: [], skipped: [] },
        apply: undefined,
        watch: undefined,
        rollback: undefined,
      }),
      'development',
      PRICING,
      NOW,
    );
    expect(off.rows.every((candidate) => candidate.status === 'RECOMMENDED')).toBe(true);
    expect(off.summary).toMatchObject({
      estimatedMonthlySavingUsd: 0,
      realisedMonthlySavingUsd: 0,
      recommendedMonthlySavingUsd: 17.5,
    });
  });

  it('charts requests before and after against the usage evidence, in cores and bytes', () => {
    const [kept] = chartRows(report);
    expect(kept).toEqual({
      label: 'prefect/kept/main',
      status: 'KEPT',
      cpu: { requestBefore: 1, requestAfter: 0.7, usage: { low: 0.05, p99: 0.06, high: 0.07 } },
      memory: {
        requestBefore: 2 * GIB,
        requestAfter: 1.5 * GIB,
        usage: { low: 90 * 2 ** 20, p99: 90 * 2 ** 20, high: 100 * 2 ** 20 },
      },
    });
  });
});
