import { randomUUID } from 'node:crypto';
import { TransientError } from '../../../commons/errors.ts';
import type { ApprovalDecision } from './approval-link.ts';
import {
  type ApprovalRecord,
  type ApprovalTable,
  claimDecision,
  getApproval,
  type RecordedDecision,
  recordTaskGone,
  releaseDecision,
} from './approval-store.ts';
import { type TaskAnswers, taskGoneError } from './task-answers.ts';

/**
 * Taking a decision on a pending approval, the same for the approval link (approve-remediation)
 * and the operators' CLI (`lakehouse-ops approvals decide`): claim it in the table, then answer
 * the waiting Task. The claim comes first so that of two decisions only one reaches the
 * workflow; if the workflow cannot be told for a passing reason, the claim is given back, so a
 * refusal or failure leaves no trace and the approver can simply try again.
 *
 * The Task's result on approval is `{ approved: true, approver, decidedAt, approvalId }`; a
 * rejection fails it with `ApprovalRejected` and the cause `{ approver, decidedAt, approvalId,
 * reason? }` (JSON), which the workflow catches and escalates like an expiry.
 */
export const APPROVAL_REJECTED_ERROR = 'ApprovalRejected';

export interface DecisionDependencies {
  table: ApprovalTable;
  tasks: TaskAnswers;
  clock?: () => Date;
}

export interface DecisionRequest {
  readonly approvalId: string;
  readonly decision: ApprovalDecision;
  readonly approver: string;
  readonly reason?: string;
  readonly via: RecordedDecision['via'];
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

export type DecisionOutcome =
  /** This request decided; the workflow has its answer. */
  | { readonly outcome: 'decided'; readonly approval: ApprovalRecord }
  /** Someone decided before (`approval.decision` says who and when); nothing changed. */
  | { readonly outcome: 'already-decided'; readonly approval: ApprovalRecord }
  /** The deadline passed before this request; nothing changed. */
  | { readonly outcome: 'expired'; readonly approval: ApprovalRecord }
  /**
   * The decision was recorded, but the execution no longer waited (it timed out or was stopped
   * meanwhile): the approval is EXPIRED with `taskError`, and nothing was done.
   */
  | { readonly outcome: 'execution-gone'; readonly approval: ApprovalRecord; readonly taskError: string }
  | { readonly outcome: 'not-found' };

/** Limits of what a person types, well inside SendTaskFailure's 32 KiB cause. */
export const MAX_APPROVER_LENGTH = 200;
export const MAX_REASON_LENGTH = 2000;

export async function decideApproval(
  dependencies: DecisionDependencies,
  request: DecisionRequest,
): Promise<DecisionOutcome> {
  const now = (dependencies.clock ?? (() => new Date()))();
  const claim = {
    decisionId: randomUUID(),
    outcome: request.decision === 'approve' ? 'APPROVED' : 'REJECTED',
    approver: request.approver,
    decidedAt: now.toISOString(),
    via: request.via,
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.sourceIp ? { sourceIp: request.sourceIp } : {}),
    ...(request.userAgent ? { userAgent: request.userAgent } : {}),
  } as const;
  const claimed = await claimDecision(dependencies.table, request.approvalId, claim, epochSeconds(now));
  if (!claimed) return whyNotOpen(dependencies.table, request.approvalId, now);

  try {
    await answerTask(dependencies.tasks, claimed.taskToken, request.approvalId, claim);
  } catch (error) {
    const taskError = taskGoneError(error);
    if (taskError === undefined) {
      await releaseDecision(dependencies.table, request.approvalId, claim.decisionId);
      throw error;
    }
    await recordTaskGone(dependencies.table, request.approvalId, claim.decisionId, taskError);
    return { outcome: 'execution-gone', approval: { ...claimed, status: 'EXPIRED', taskError }, taskError };
  }
  return { outcome: 'decided', approval: claimed };
}

async function answerTask(
  tasks: TaskAnswers,
  taskToken: string,
  approvalId: string,
  claim: Pick<RecordedDecision, 'outcome' | 'approver' | 'decidedAt' | 'reason'>,
): Promise<void> {
  const who = { approver: claim.approver, decidedAt: claim.decidedAt, approvalId };
  if (claim.outcome === 'APPROVED') {
    await tasks.succeed(taskToken, { approved: true, ...who });
    return;
  }
  const cause = { ...who, ...(claim.reason ? { reason: claim.reason } : {}) };
  await tasks.fail(taskToken, APPROVAL_REJECTED_ERROR, JSON.stringify(cause));
}

/** The claim was refused: say why, from the approval as it is now. */
async function whyNotOpen(table: ApprovalTable, approvalId: string, now: Date): Promise<DecisionOutcome> {
  const approval = await getApproval(table, approvalId);
  if (!approval) return { outcome: 'not-found' };
  if (approval.status === 'APPROVED' || approval.status === 'REJECTED') {
    return { outcome: 'already-decided', approval };
  }
  if (approval.status === 'EXPIRED' || approval.deadline <= epochSeconds(now)) {
    return { outcome: 'expired', approval };
  }
  // PENDING and open, yet the claim failed: another decision was claimed and given back meanwhile.
  throw new TransientError(`approval ${approvalId} changed while it was being decided; decide again`, {
    approvalId,
  });
}

export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
