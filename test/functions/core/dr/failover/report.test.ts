import { describe, expect, it } from 'vitest';
import type { Journal, StepRecord } from '../../../../../functions/core/dr/failover/journal.ts';
import {
  buildFailoverReport,
  failoverAuditRecord,
  failoverReportInputSchema,
} from '../../../../../functions/core/dr/failover/report.ts';

const TARGETS = { rpoSeconds: 300, rtoMinutes: 30 };
const FAILOVER_ID = '20260302T060000Z-a1b2c3';

function step(
  name: string,
  startedAt: string,
  finishedAt?: string,
  status: StepRecord['status'] = 'SUCCEEDED',
): StepRecord {
  return {
    step: name,
    status: finishedAt ? status : 'STARTED',
    owner: 'exec-1',
    attempts: 1,
    firstStartedAt: startedAt,
    startedAt,
    leaseExpiresAt: 0,
    ...(finishedAt
      ? { finishedAt, durationSeconds: (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000 }
      : {}),
  };
}

function journal(mode: 'real' | 'drill', steps: StepRecord[]): Journal {
  return {
    run: {
      environment: 'staging',
      failoverId: FAILOVER_ID,
      mode,
      reason: 'region outage',
      requestedBy: 'alice',
      openedAt: '2026-03-02T06:00:00.000Z',
      openedBy: 'exec-1',
      status: 'OPEN',
    },
    steps,
  };
}

const drained = (rpoSeconds: number, status = 'drained') => ({
  status,
  deadline: '2026-03-02T06:05:00.000Z',
  lagSeconds: 0,
  rpo: {
    seconds: rpoSeconds,
    basis: 'replication lag when the buckets were fenced',
    measuredAt: '2026-03-02T06:03:00.000Z',
  },
});

const input = (fields: Record<string, unknown>) =>
  failoverReportInputSchema.parse({ failoverId: FAILOVER_ID, outcome: 'COMPLETED', ...fields });

describe('buildFailoverReport', () => {
  it('measures the RTO from the declaration to the green validation and meets both targets', () => {
    const report = buildFailoverReport(
      journal('drill', [
        step('check-gates', '2026-03-02T06:00:05.000Z', '2026-03-02T06:01:00.000Z'),
        step('validate-dr-platform', '2026-03-02T06:18:00.000Z', '2026-03-02T06:19:30.000Z'),
      ]),
      input({ steps: { drain: drained(42) } }),
      TARGETS,
    );

    expect(report.rto).toMatchObject({
      seconds: 1170,
      targetSeconds: 1800,
      verdict: 'MET',
      greenAt: '2026-03-02T06:19:30.000Z',
    });
    expect(report.rpo).toMatchObject({ seconds: 42, targetSeconds: 300, verdict: 'MET', drain: 'drained' });
    expect(report.notify).toBe(false);
    expect(report.subject).toBe('dr-failover drill COMPLETED: RTO MET, RPO MET');
    const gates = report.stepTimings.find((timing) => timing.step === 'check-gates');
    expect(gates).toMatchObject({ status: 'SUCCEEDED', durationSeconds: 55, secondsSinceOpened: 60 });
    expect(report.stepTimings.find((timing) => timing.step === 'switch-traffic')?.status).toBe('PENDING');
    expect(report.summary).toContain('- check-gates: SUCCEEDED in 55 s, 60 s after the declaration');
  });

  it('notifies a drill that missed the RTO, and says by how much', () => {
    const report = buildFailoverReport(
      journal('drill', [
        step('validate-dr-platform', '2026-03-02T06:30:00.000Z', '2026-03-02T06:31:00.000Z'),
      ]),
      input({ steps: { drain: drained(42) } }),
      TARGETS,
    );

    expect(report.rto).toMatchObject({ seconds: 1860, verdict: 'MISSED' });
    expect(report.notify).toBe(true);
    expect(report.subject).toContain('RTO MISSED');
  });

  it('misses the RPO when the lag at fencing was over it, and says a timed-out drain lost the pending events', () => {
    const report = buildFailoverReport(
      journal('drill', []),
      input({ steps: { drain: drained(420, 'timed-out') } }),
      TARGETS,
    );

    expect(report.rpo).toMatchObject({ seconds: 420, verdict: 'MISSED', drain: 'timed-out' });
    expect(report.rpo.detail).toContain('the events still pending were not replicated');
    expect(report.notify).toBe(true);
  });

  it('reports a failed failover with its error, nothing measured that was not reached, and notifies', () => {
    const report = buildFailoverReport(
      journal('drill', [
        step('fence-primary', '2026-03-02T06:01:00.000Z', '2026-03-02T06:01:20.000Z', 'FAILED'),
      ]),
      input({ outcome: 'FAILED', failure: { Error: 'KubernetesApiError', Cause: 'forbidden' } }),
      TARGETS,
    );

    expect(report.rto).toMatchObject({ seconds: null, verdict: 'NOT_MEASURED' });
    expect(report.rpo).toMatchObject({ seconds: null, verdict: 'NOT_MEASURED' });
    expect(report.failure).toEqual({ error: 'KubernetesApiError', cause: 'forbidden' });
    expect(report.notify).toBe(true);
    expect(report.summary).toContain('failed: KubernetesApiError: forbidden');
  });

  it('always notifies a real failover, and names the failed gates of an abandoned one', () => {
    const report = buildFailoverReport(
      journal('real', []),
      input({
        outcome: 'ABANDONED',
        steps: {
          gates: { decision: { status: 'FAILED', failedGates: ['replication-lag', 'images-in-dr-region'] } },
        },
      }),
      TARGETS,
    );

    expect(report.notify).toBe(true);
    expect(report.gates).toBe('FAILED');
    expect(report.summary).toContain('gates FAILED (failed: replication-lag, images-in-dr-region)');
  });

  it('gives the same report from the same journal and input, so its audit record is written once', () => {
    const build = () =>
      buildFailoverReport(journal('drill', []), input({ steps: { drain: drained(10) } }), TARGETS);
    expect(build()).toEqual(build());
    expect(failoverAuditRecord(build(), 'exec-1')).toMatchObject({
      workflow: 'dr-failover',
      action: 'report-completed',
      target: `staging/${FAILOVER_ID}`,
      decision: 'COMPLETED: RTO NOT_MEASURED, RPO MET',
      actor: 'alice',
      executionId: 'exec-1',
    });
  });

  it('refuses an input without a failover id or with an unknown outcome, naming the field', () => {
    const problems = failoverReportInputSchema.safeParse({ outcome: 'DONE' });
    expect(problems.success).toBe(false);
    const paths = problems.error?.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['failoverId', 'outcome']));
  });
});
