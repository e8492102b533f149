import type { ExecutionResult } from '../runner/execution-result.ts';
import type { DeliveredEvent } from './remediation-loop.ts';

/**
 * One remediate execution in a line an operator reads: how it ended and why, from the execution's
 * result as the workflow leaves it (workflows/remediate.workflow.ts): REMEDIATED with the playbook
 * that cleared the alert, ESCALATED with the reason given to the human (RemediationEscalated's
 * cause), NOTIFY / RESOLVED runs that had nothing to act on, or FAILED when the run itself broke.
 */
export type RemediationStatus = 'REMEDIATED' | 'ESCALATED' | 'NOTIFIED' | 'RESOLVED' | 'FAILED';

export interface RemediationSummary {
  readonly status: RemediationStatus;
  readonly detail: string;
}

/** The error the remediate workflow fails with when a human must take over. */
const ESCALATED_ERROR = 'RemediationEscalated';

interface RemediateOutput {
  readonly plan?: { readonly status?: string; readonly reason?: string };
  readonly outcome?: { readonly status?: string; readonly playbook?: string };
}

export function summarizeRemediation(execution: ExecutionResult): RemediationSummary {
  if (execution.status !== 'SUCCEEDED') {
    if (execution.error === ESCALATED_ERROR)
      return { status: 'ESCALATED', detail: execution.cause ?? 'no reason given' };
    return {
      status: 'FAILED',
      detail: `${execution.status}: ${execution.error ?? 'unknown error'}${execution.cause ? ` (${execution.cause})` : ''}`,
    };
  }
  const output = (execution.output ?? {}) as RemediateOutput;
  if (output.outcome?.status === 'REMEDIATED')
    return { status: 'REMEDIATED', detail: `${output.outcome.playbook ?? 'a playbook'} cleared the alert` };
  if (output.plan?.status === 'RESOLVED')
    return { status: 'RESOLVED', detail: output.plan.reason ?? 'the alert resolved' };
  return { status: 'NOTIFIED', detail: output.plan?.reason ?? 'operators notified' };
}

/** `PodCrashLooping firing prefect/prefect-worker-abc (3f2a...)`: which alert an event carries. */
export function describeAlertEvent(event: Pick<DeliveredEvent, 'detail'>): string {
  const detail = event.detail as {
    alertname?: string;
    status?: string;
    fingerprint?: string;
    labels?: Record<string, string>;
  };
  const labels = detail.labels ?? {};
  const object =
    labels.node ?? labels.persistentvolumeclaim ?? labels.pod ?? labels.deployment ?? labels.workload;
  const where = object ? ` ${labels.namespace && !labels.node ? `${labels.namespace}/` : ''}${object}` : '';
  return `${detail.alertname ?? 'alert'} ${detail.status ?? ''}${where} (${detail.fingerprint ?? 'no fingerprint'})`;
}
