import { describe, expect, it } from 'vitest';
import { failoverDrillDetails } from '../../../../local/cli/drill/dr-drill.ts';
import {
  describeDrillScenarios,
  renderProgress,
  renderSummary,
} from '../../../../local/cli/drill/render-drill.ts';
import type { DrillReport, ScenarioOutcome } from '../../../../local/cli/drill/run-drill.ts';
import type { DrillScenario } from '../../../../local/cli/drill/scenarios.ts';
import { styleFor } from '../../../../local/cli/style.ts';

const PLAIN = styleFor({ isTTY: false });

function outcome(overrides: Partial<ScenarioOutcome> = {}): ScenarioOutcome {
  return {
    id: 'crash-loop',
    title: 'Crash-looping worker',
    passed: true,
    problems: [],
    checks: [],
    details: [],
    notifications: [],
    execution: {
      workflow: 'remediate',
      status: 'SUCCEEDED',
      durationMs: 2920,
      timeline: [
        {
          state: 'RunPlaybook',
          type: 'Task',
          status: 'CAUGHT',
          startedAt: '2026-11-26T16:00:00.000Z',
          durationMs: 12,
          retries: 0,
          error: { error: 'PlaybookFailed', cause: 'pod gone' },
        },
      ],
    },
    ...overrides,
  };
}

function header(scenario: ScenarioOutcome): string {
  const [first] = renderProgress({ kind: 'scenario-finished', outcome: scenario }, PLAIN, false);
  return first ?? '';
}

function report(overrides: Partial<DrillReport> = {}): DrillReport {
  return {
    passed: true,
    durationMs: 95_000,
    startup: { lakehouseMs: 1, workflowsMs: 1 },
    scenarios: [outcome(), outcome({ id: 'storm' })],
    skipped: [],
    ...overrides,
  };
}

describe('drill rendering', () => {
  it('shows a report status only for workflows that produced one', () => {
    expect(header(outcome())).toBe('PASS Crash-looping worker  remediate SUCCEEDED, 2.92 s');
    expect(header(outcome({ reportStatus: 'AWAKE' }))).toBe(
      'PASS Crash-looping worker  remediate SUCCEEDED, report AWAKE, 2.92 s',
    );
  });

  it('explains the timeline markers once, before the first scenario', () => {
    const lines = renderProgress({ kind: 'workflows-loaded', ms: 1200 }, PLAIN, false);
    expect(lines).toContain(
      '✓ succeeded  ↷ failed, caught by the workflow, which went on  ✗ failed  … still running',
    );
    const timeline = renderProgress({ kind: 'scenario-finished', outcome: outcome() }, PLAIN, false);
    expect(timeline[1]).toMatch(/^ {4}↷ RunPlaybook/);
  });

  it('ends with the verdict alone when every scenario ran', () => {
    expect(renderSummary(report(), PLAIN)).toEqual([
      'PASS drill: 2/2 scenarios behaved as expected in 95.00 s',
    ]);
  });

  it('says in the final line how many scenarios were skipped and why', () => {
    const noPostgres = 'needs PostgreSQL and the AWS CLI (apt-get install postgresql awscli): not installed';
    const noMonitoring = 'needs Prometheus and Alertmanager: not installed';
    const skipped = [
      { id: 'backup', workflow: 'backup', reason: noPostgres },
      { id: 'restore-prefix', workflow: 'restore', reason: noPostgres },
      { id: 'remediate-alert-storm', workflow: 'remediate', reason: noMonitoring },
    ];
    expect(renderSummary(report({ skipped }), PLAIN)).toEqual([
      `PASS drill: 2/2 scenarios behaved as expected in 95.00 s; 3 skipped: 2 (${noPostgres}), 1 (${noMonitoring})`,
    ]);
  });

  it('describes the scenarios as the workflows they run, in order, consecutive runs counted', () => {
    const scenario = (workflow: string, alsoRuns?: string[]) =>
      ({ workflow, ...(alsoRuns ? { alsoRuns } : {}) }) as DrillScenario;
    expect(
      describeDrillScenarios([
        scenario('validate-platform'),
        scenario('validate-platform'),
        scenario('backup'),
        scenario('dr-failover'),
        scenario('dr-failover', ['dr-failback']),
        scenario('backup'),
      ]),
    ).toBe('validate-platform x2, backup, dr-failover, dr-failover then dr-failback, backup');
  });

  it('leaves out the DR timings a report does not have yet instead of printing dashes', () => {
    const timing = { attempts: 1 };
    const lines = failoverDrillDetails({
      failover: outcome().execution,
      failoverReport: {
        failoverId: 'f-1',
        outcome: 'COMPLETED',
        rto: { seconds: 31, targetSeconds: 900, verdict: 'MET', detail: '' },
        rpo: { seconds: null, targetSeconds: 300, verdict: 'NOT_MEASURED', detail: '' },
        gates: 'PASSED',
        stepTimings: [
          { ...timing, step: 'gates', status: 'SUCCEEDED', durationSeconds: 2, secondsSinceOpened: 3 },
          { ...timing, step: 'report', status: 'STARTED' },
        ],
        summary: '',
      },
      failbackReport: {
        failoverId: 'f-1',
        durationSeconds: null,
        resynced: { copied: 1, deleted: 0, bytesCopied: 10, passes: 2 },
        diffAtSwitch: 0,
        diffZero: true,
        timings: [{ ...timing, step: 'failback-switch', status: 'STARTED' }],
      },
      written: [],
      objectsLost: [],
      problems: [],
    });
    expect(lines).toEqual([
      'failover f-1: RTO 31 s (MET), RPO not measured (NOT_MEASURED)',
      '  gates: SUCCEEDED in 2 s, 3 s after the declaration',
      '  report: STARTED',
      'failback: 1 copied and 0 deleted in 2 passes, diff at the switch 0',
      '  failback-switch: STARTED',
      '0 objects checked by SHA-256 in the replica and back in MinIO',
    ]);
  });
});
