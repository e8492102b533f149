import { describe, expect, it } from 'vitest';
import { describeAlertEvent, summarizeRemediation } from '../../../local/lakehouse/remediation-outcome.ts';
import type { ExecutionResult } from '../../../local/runner/execution-result.ts';

const execution = (result: Partial<ExecutionResult>): ExecutionResult => ({
  workflow: 'remediate',
  status: 'SUCCEEDED',
  durationMs: 10,
  timeline: [],
  ...result,
});

describe('summarizeRemediation', () => {
  it('names the playbook that cleared the alert when the run remediated', () => {
    const result = execution({ output: { outcome: { status: 'REMEDIATED', playbook: 'delete-pod' } } });
    expect(summarizeRemediation(result)).toEqual({
      status: 'REMEDIATED',
      detail: 'delete-pod cleared the alert',
    });
  });

  it("gives the escalation's reason when a human must take over", () => {
    const result = execution({ status: 'FAILED', error: 'RemediationEscalated', cause: 'breaker open' });
    expect(summarizeRemediation(result)).toEqual({ status: 'ESCALATED', detail: 'breaker open' });
  });

  it('tells a broken run from an escalation', () => {
    const result = execution({ status: 'FAILED', error: 'States.Runtime', cause: 'bad path' });
    expect(summarizeRemediation(result)).toEqual({
      status: 'FAILED',
      detail: 'FAILED: States.Runtime (bad path)',
    });
  });

  it('reports resolved and notify-only runs with their reason', () => {
    expect(
      summarizeRemediation(execution({ output: { plan: { status: 'RESOLVED', reason: 'gone' } } })),
    ).toEqual({
      status: 'RESOLVED',
      detail: 'gone',
    });
    expect(
      summarizeRemediation(execution({ output: { plan: { status: 'NOTIFY', reason: 'info' } } })),
    ).toEqual({
      status: 'NOTIFIED',
      detail: 'info',
    });
  });
});

describe('describeAlertEvent', () => {
  it('names the alert, its status, its namespaced object and fingerprint', () => {
    const detail = {
      alertname: 'PodCrashLooping',
      status: 'firing',
      fingerprint: 'abc',
      labels: { namespace: 'prefect', pod: 'worker-1' },
    };
    expect(describeAlertEvent({ detail })).toBe('PodCrashLooping firing prefect/worker-1 (abc)');
  });

  it('names a node without a namespace', () => {
    const detail = {
      alertname: 'NodeNotReady',
      status: 'resolved',
      fingerprint: 'f',
      labels: { node: 'n1' },
    };
    expect(describeAlertEvent({ detail })).toBe('NodeNotReady resolved n1 (f)');
  });
});
