import { describe, expect, it } from 'vitest';
import type { ReportRow } from '../../../../functions/core/cost/report/cost-report.ts';
import { guardrailProblems } from '../../../../local/cli/drill/rightsizing-checks.ts';

const MIB = 2 ** 20;
const WORKLOAD = {
  namespace: 'monitoring',
  kind: 'Deployment',
  name: 'dashboard-api',
  container: 'main',
} as const;

function row(after: { cpu: string; memory: string }, p99: { cpu: number; memory: number }): ReportRow {
  const current = { requests: { cpuCores: 1, memoryBytes: 2048 * MIB }, limits: {} };
  return {
    workload: WORKLOAD,
    status: 'KEPT',
    detail: [],
    recommendation: {
      workload: WORKLOAD,
      replicas: 1,
      current,
      recommended: current,
      confidence: 'medium',
      evidence: {
        historyHours: 96,
        cpuP95Cores: p99.cpu,
        cpuP99Cores: p99.cpu,
        cpuMaxCores: p99.cpu,
        memoryP99Bytes: p99.memory,
        memoryPeakBytes: p99.memory,
        oomKills: 0,
        hpaResources: [],
      },
      monthlySavingUsd: 1,
      notes: [],
    },
    before: { requests: { cpu: '1', memory: '2Gi' }, limits: {} },
    after: { requests: after, limits: {} },
    recommendedMonthlySavingUsd: 1,
    estimatedMonthlySavingUsd: 1,
  };
}

describe('guardrailProblems', () => {
  it('accepts a change held at the weekly cap and above the p99 usage', () => {
    expect(
      guardrailProblems(row({ cpu: '700m', memory: '1434Mi' }, { cpu: 0.2, memory: 500 * MIB }), 0.3),
    ).toEqual([]);
  });

  it('names a cut deeper than the weekly cap', () => {
    expect(
      guardrailProblems(row({ cpu: '600m', memory: '1434Mi' }, { cpu: 0.2, memory: 500 * MIB }), 0.3),
    ).toEqual([
      'monitoring/Deployment/dashboard-api/main: cpu requests 1 -> 600m, more than the 30% weekly cap',
    ]);
  });

  it('names a lowered request below the observed p99 usage', () => {
    expect(
      guardrailProblems(row({ cpu: '700m', memory: '1434Mi' }, { cpu: 0.8, memory: 500 * MIB }), 0.3),
    ).toEqual([
      'monitoring/Deployment/dashboard-api/main: cpu request 700m is below the observed p99 usage 0.8',
    ]);
  });
});
