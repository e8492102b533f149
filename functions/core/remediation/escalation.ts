import * as z from 'zod/mini';
import type { KubernetesApi } from '../../commons/kubernetes/api.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import type { StoredAuditRecord } from '../audit/audit-trail.ts';
import { type NotificationTarget, publishNotification } from '../notification/notify.ts';
import { alertEventSchema } from './alert-event.ts';
import { escalationContext } from './playbooks/escalation-context.ts';
import { targetSchema } from './playbooks/playbook.ts';
import { targetKey } from './target.ts';

/**
 * When remediation cannot or may not fix an alert, a human gets everything at once: the alert,
 * why it escalates (chain exhausted, breaker open, approval rejected or expired, target busy),
 * every decision this run recorded in the audit trail (limits, preflight, approval, action,
 * verification: the audit trail is the one record of the attempts, not the workflow's state), and the target's recent events and the last log lines of
 * its pods. Reading the cluster must not stop the page: if it fails, the page says so instead.
 */
export const escalationEventSchema = z.object({
  alert: alertEventSchema,
  target: targetSchema,
  reason: nonEmptyString(),
  executionId: nonEmptyString(),
});
export type EscalationRequest = z.output<typeof escalationEventSchema>;

export interface EscalationDependencies {
  kubernetes: KubernetesApi;
  notification: NotificationTarget;
  /** This target's audit trail: the run's own decisions are its attempts (step-record.ts). */
  auditTrail: (target: string) => Promise<StoredAuditRecord[]>;
}

export async function escalate(request: EscalationRequest, dependencies: EscalationDependencies) {
  const key = targetKey(request.target);
  const attempts = (await dependencies.auditTrail(key))
    .filter((record) => record.executionId === request.executionId)
    .map(({ action, decision, actor, auditAt, after }) => ({ action, decision, actor, at: auditAt, after }));
  const context = await escalationContext(dependencies.kubernetes, request.target).catch(
    (error: unknown) => ({
      unavailable: `the target's events and logs could not be read: ${(error as Error).message}`,
    }),
  );
  const { messageId } = await publishNotification(dependencies.notification, {
    workflow: 'remediate',
    subject: `ESCALATED ${request.alert.alertname} on ${key}`,
    summary: `${request.alert.alertname} (${request.alert.severity}) on ${key} needs a human: ${request.reason}. ${attempts.length} playbook attempt(s); execution ${request.executionId}.`,
    detail: {
      alert: {
        labels: request.alert.labels,
        annotations: request.alert.annotations,
        startsAt: request.alert.startsAt,
        generatorURL: request.alert.generatorURL,
      },
      target: request.target,
      reason: request.reason,
      attempts,
      cluster: context,
    },
  });
  return {
    messageId,
    reason: request.reason,
    events: 'events' in context ? context.events.length : 0,
    logs: 'logs' in context ? context.logs.length : 0,
  };
}
