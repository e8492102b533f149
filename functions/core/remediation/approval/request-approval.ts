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
  type ChangeApproval,
  deletePendingApproval,
  type PendingApproval,
  putPendingApproval,
  type RemediationApproval,
} from './approval-store.ts';
import { epochSeconds } from './decide-approval.ts';
import { describeAction, describeRefusalConsequence, describeTarget } from './describe-approval.ts';

/**
 * The approve-first tier's first half, run by the workflow's `.waitForTaskToken` Task: store the
 * pending approval with the Task's token, and tell the operators what would be done, to what, and
 * how to decide (the signed approve and reject links, or the CLI). The workflow then waits until
 * a decision answers the token, or its TimeoutSeconds (the same `timeoutMinutes`) escalate.
 */
export const approvalRequestSchema = z.extend(playbookEventSchema, {
  /** Absent in remediate's requests; names the kind beside cost-optimise's `change`. */
  kind: z.optional(z.literal('remediation')),
  /** `$$.Task.Token` of the waiting Task. */
  taskToken: nonEmptyString(),
  playbook: z.enum(PLAYBOOK_NAMES),
  /** The Task's TimeoutSeconds / 60: the links stop working when the workflow stops waiting. */
  timeoutMinutes: z.number().check(z.positive()),
});
export type ApprovalRequest = z.output<typeof approvalRequestSchema>;

/**
 * Another workflow's planned change (cost-optimise's right-sizing): the same pending approval,
 * links and decision, about a list of changes instead of an alert's target.
 */
export const changeApprovalRequestSchema = z.object({
  kind: z.literal('change'),
  taskToken: nonEmptyString(),
  executionId: nonEmptyString(),
  workflow: nonEmptyString(),
  /** What approving lets the workflow do, in one line. */
  title: nonEmptyString(),
  /** One line per change the approval covers. */
  changes: z.array(z.string()).check(z.minLength(1)),
  dryRun: z._default(z.boolean(), false),
  timeoutMinutes: z.number().check(z.positive()),
});
export type ChangeApprovalRequest = z.output<typeof changeApprovalRequestSchema>;

/** request-approval's event: a remediation's playbook or another workflow's change. */
export const anyApprovalRequestSchema = z.discriminatedUnion('kind', [
  changeApprovalRequestSchema,
  approvalRequestSchema,
]);

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
  request: ApprovalRequest | ChangeApprovalRequest,
): Promise<RequestedApproval> {
  const now = (dependencies.clock ?? (() => new Date()))();
  const approvalId = randomUUID();
  const expiresAt = epochSeconds(now) + Math.round(request.timeoutMinutes * 60);
  // Read before anything is stored: a missing key fails the Task without leaving a pending approval.
  const key = await dependencies.signingKey();
  const base = {
    approvalId,
    taskToken: request.taskToken,
    executionId: request.executionId,
    dryRun: request.dryRun,
    requestedAt: now.toISOString(),
    deadline: expiresAt,
  };
  const pending: PendingApproval =
    request.kind === 'change'
      ? {
          ...base,
          kind: 'change',
          workflow: request.workflow,
          title: request.title,
          changes: request.changes,
        }
      : {
          ...base,
          playbook: request.playbook,
          params: request.params,
          alert: request.alert,
          target: request.target as Target,
        };
  await putPendingApproval(dependencies.table, pending);
  const link = (decision: ApprovalDecision) =>
    approvalLink(dependencies.approvalUrl, key, { approvalId, decision, expiresAt });
  try {
    await publishNotification(
      dependencies.notification,
      approvalNotification(pending, link('approve'), link('reject')),
    );
  } catch (error) {
    // Nobody was told: an approval no one can see must not linger in the CLI's list. The Task fails
    // and its Retry asks again under a new token.
    await deletePendingApproval(dependencies.table, approvalId).catch(() => undefined);
    throw error;
  }
  return { approvalId, expiresAt };
}

function approvalNotification(approval: PendingApproval, approveLink: string, rejectLink: string) {
  const expiresAt = new Date(approval.deadline * 1000).toISOString();
  if (approval.kind === 'change') {
    return {
      workflow: approval.workflow,
      subject: `Approval needed: ${approval.title}`,
      summary: changeSummary(approval, approveLink, rejectLink),
      detail: {
        approvalId: approval.approvalId,
        executionId: approval.executionId,
        dryRun: approval.dryRun,
        changes: approval.changes,
        expiresAt,
      },
    };
  }
  return {
    workflow: 'remediate',
    subject: `Approval needed: ${approval.playbook} on ${describeTarget(approval.target)}`,
    summary: approvalSummary(approval, approveLink, rejectLink),
    detail: {
      approvalId: approval.approvalId,
      executionId: approval.executionId,
      playbook: approval.playbook,
      params: approval.params,
      dryRun: approval.dryRun,
      target: approval.target,
      expiresAt,
      alert: approval.alert,
    },
  };
}

function decisionLines(approval: PendingApproval, approveLink: string, rejectLink: string): string[] {
  return [
    `Approve: ${approveLink}`,
    `Reject:  ${rejectLink}`,
    '',
    `Or from a terminal: lakehouse-ops approvals decide ${approval.approvalId} approve|reject --as <your name>`,
  ];
}

function changeSummary(approval: ChangeApproval, approveLink: string, rejectLink: string): string {
  return [
    `lakehouse-ops ${approval.workflow} wants to: ${approval.title}.`,
    '',
    ...approval.changes.map((change) => `- ${change}`),
    '',
    `Nothing happens until someone decides. Without a decision by ${new Date(approval.deadline * 1000).toISOString()}, ${describeRefusalConsequence(approval)}.`,
    '',
    ...decisionLines(approval, approveLink, rejectLink),
  ].join('\n');
}

function approvalSummary(approval: RemediationApproval, approveLink: string, rejectLink: string): string {
  const { alert, target } = approval;
  const summary = alert.annotations.summary ? `: ${alert.annotations.summary}` : '';
  return [
    `${alert.alertname} (${alert.severity}) on ${describeTarget(target)} in cluster ${target.cluster}${summary}`,
    '',
    `lakehouse-ops wants to run ${describeAction(approval)}.`,
    `Target: ${targetKey(target)}`,
    `Nothing happens until someone decides. Without a decision by ${new Date(approval.deadline * 1000).toISOString()} the alert is escalated instead.`,
    '',
    ...decisionLines(approval, approveLink, rejectLink),
  ].join('\n');
}
