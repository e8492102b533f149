import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { type NotificationTarget, publishNotification } from '../../notification/notify.ts';
import { PLAYBOOK_NAMES } from '../playbooks/catalogue.ts';
import { playbookEventSchema } from '../playbooks/playbook.ts';
import { type Target, targetKey } from '../target.ts';
import { type ApprovalDecision, approvalLink } from './approval-link.ts';
import {
  type ApprovalTable,
  deletePendingApproval,
  type PendingApproval,
  putPendingApproval,
} from './approval-store.ts';
import { epochSeconds } from './decide-approval.ts';
import { describeAction, describeTarget } from './describe-approval.ts';

/**
 * The approve-first tier's first half, run by the workflow's `.waitForTaskToken` Task: store the
 * pending approval with the Task's token, and tell the operators what would be done, to what, and
 * how to decide (the signed approve and reject links, or the CLI). The workflow then waits until
 * a decision answers the token, or its TimeoutSeconds (the same `timeoutMinutes`) escalate.
 */
export const approvalRequestSchema = z.extend(playbookEventSchema, {
  /** `$$.Task.Token` of the waiting Task. */
  taskToken: nonEmptyString(),
  playbook: z.enum(PLAYBOOK_NAMES),
  /** The Task's TimeoutSeconds / 60: the links stop working when the workflow stops waiting. */
  timeoutMinutes: z.number().check(z.positive()),
});
export type ApprovalRequest = z.output<typeof approvalRequestSchema>;

export interface ApprovalRequestDependencies {
  table: ApprovalTable;
  signingKey: () => Promise<Buffer>;
  /** The approve-remediation Function URL, where the links point. */
  approvalUrl: string;
  notification: NotificationTarget;
  clock?: () => Date;
}

export interface RequestedApproval {
  readonly approvalId: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export async function requestApproval(
  dependencies: ApprovalRequestDependencies,
  request: ApprovalRequest,
): Promise<RequestedApproval> {
  const now = (dependencies.clock ?? (() => new Date()))();
  const approvalId = randomUUID();
  const expiresAt = epochSeconds(now) + Math.round(request.timeoutMinutes * 60);
  // Read before anything is stored: a missing key fails the Task without leaving a pending approval.
  const key = await dependencies.signingKey();
  const pending: PendingApproval = {
    approvalId,
    taskToken: request.taskToken,
    executionId: request.executionId,
    playbook: request.playbook,
    params: request.params,
    dryRun: request.dryRun,
    alert: request.alert,
    target: request.target as Target,
    requestedAt: now.toISOString(),
    deadline: expiresAt,
  };
  await putPendingApproval(dependencies.table, pending);
  const link = (decision: ApprovalDecision) =>
    approvalLink(dependencies.approvalUrl, key, { approvalId, decision, expiresAt });
  try {
    await publishNotification(dependencies.notification, {
      workflow: 'remediate',
      subject: `Approval needed: ${request.playbook} on ${describeTarget(pending.target)}`,
      summary: approvalSummary(pending, link('approve'), link('reject')),
      detail: {
        approvalId,
        executionId: request.executionId,
        playbook: request.playbook,
        params: request.params,
        dryRun: request.dryRun,
        target: request.target,
        expiresAt: new Date(expiresAt * 1000).toISOString(),
        alert: request.alert,
      },
    });
  } catch (error) {
    // Nobody was told: an approval no one can see must not linger in the CLI's list. The Task fails
    // and its Retry asks again under a new token.
    await deletePendingApproval(dependencies.table, approvalId).catch(() => undefined);
    throw error;
  }
  return { approvalId, expiresAt };
}

function approvalSummary(approval: PendingApproval, approveLink: string, rejectLink: string): string {
  const { alert, target } = approval;
  const summary = alert.annotations.summary ? `: ${alert.annotations.summary}` : '';
  return [
    `${alert.alertname} (${alert.severity}) on ${describeTarget(target)} in cluster ${target.cluster}${summary}`,
    '',
    `lakehouse-ops wants to run ${describeAction(approval)}.`,
    `Target: ${targetKey(target)}`,
    `Nothing happens until someone decides. Without a decision by ${new Date(approval.deadline * 1000).toISOString()} the alert is escalated instead.`,
    '',
    `Approve: ${approveLink}`,
    `Reject:  ${rejectLink}`,
    '',
    `Or from a terminal: lakehouse-ops approvals decide ${approval.approvalId} approve|reject --as <your name>`,
  ].join('\n');
}
