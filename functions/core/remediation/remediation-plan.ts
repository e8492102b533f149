import * as z from 'zod/mini';
import { ConfigurationError, InvalidInputError } from '../../commons/errors.ts';
import { parseJsonVariable } from '../../commons/json-variable.ts';
import { nonEmptyString } from '../../commons/schemas.ts';
import { type AlertEvent, alertEventSchema } from './alert-event.ts';
import { PLAYBOOK_NAMES, type PlaybookName } from './playbooks/catalogue.ts';
import { type Target, targetKey, targetOfAlert } from './target.ts';

/**
 * The remediate workflow's first step: from the EventBridge event of one alert to what the run
 * will do. The routing configuration (infra/config/remediation-config.ts, validated at synth)
 * reaches the function as REMEDIATION_ROUTING JSON; it is checked again here for its shape only.
 *
 * - `ROUTED`: a firing alert of a routed name and severity, with the chain of playbooks to try
 *   (each with its tier and whether it runs as a dry run), the time budget and the lease's TTL.
 * - `NOTIFY`: a firing alert no route acts on (an `info` alert, an unrouted name or severity, a
 *   routed alert whose labels name no target): operators are told, nothing acts.
 * - `RESOLVED`: the alert ended; recorded in the audit trail (a remediation still verifying it
 *   sees the resolution in Prometheus on its own).
 */
const playbookPolicySchema = z.object({
  tier: z.enum(['automatic', 'approve-first', 'notify-only']),
  mode: z.enum(['act', 'dry-run']),
});

export const remediationRoutingSchema = z.object({
  routes: z.array(
    z.object({
      alertname: nonEmptyString(),
      severities: z.array(nonEmptyString()),
      chain: z.array(
        z.object({ playbook: z.enum(PLAYBOOK_NAMES), params: z.record(z.string(), z.unknown()) }),
      ),
    }),
  ),
  playbooks: z.partialRecord(z.enum(PLAYBOOK_NAMES), playbookPolicySchema),
  approvalTimeoutMinutes: z.number().check(z.positive()),
  verify: z.object({
    timeoutMinutes: z.number().check(z.positive()),
    intervalSeconds: z.number().check(z.positive()),
  }),
});
export type RemediationRouting = z.output<typeof remediationRoutingSchema>;

export function parseRemediationRouting(text: string): RemediationRouting {
  return parseJsonVariable('REMEDIATION_ROUTING', text, remediationRoutingSchema);
}

/** An EventBridge event as a rule target receives it; only the detail matters here. */
export const alertRuleEventSchema = z.looseObject({ detail: alertEventSchema });

export interface ChainStep {
  readonly playbook: PlaybookName;
  readonly params: Record<string, unknown>;
  readonly tier: 'automatic' | 'approve-first' | 'notify-only';
  readonly dryRun: boolean;
}

export type RemediationPlan =
  | {
      readonly status: 'ROUTED';
      readonly alert: AlertEvent;
      readonly target: Target;
      readonly targetKey: string;
      /** Where the run's decisions go in the audit trail: the target. */
      readonly auditTarget: string;
      readonly chain: readonly ChainStep[];
      readonly chainLength: number;
      /** Polls of the alert's expression, `intervalSeconds` apart, before an action counts as failed. */
      readonly verify: {
        readonly timeoutSeconds: number;
        readonly intervalSeconds: number;
        readonly maxPolls: number;
      };
      readonly approvalTimeoutSeconds: number;
      /** The whole chain, approvals included: the silence lasts this long. */
      readonly budgetSeconds: number;
      /** The target's lease: the budget and a margin, so only a dead execution's lease expires. */
      readonly leaseSeconds: number;
    }
  | {
      readonly status: 'NOTIFY' | 'RESOLVED';
      readonly alert: AlertEvent;
      readonly reason: string;
      /** Where the decision goes in the audit trail: the alert itself (`alert/<name>/<fingerprint>`). */
      readonly auditTarget: string;
    };

/** One playbook's own run (a drain takes minutes), on top of its verification. */
const ACTION_BUDGET_SECONDS = 10 * 60;
const LEASE_MARGIN_SECONDS = 15 * 60;

function alertAuditTarget(alert: AlertEvent): string {
  return `alert/${alert.alertname}/${alert.fingerprint}`;
}

export function planRemediation(
  event: z.output<typeof alertRuleEventSchema>,
  routing: RemediationRouting,
  cluster: string,
): RemediationPlan {
  const alert = event.detail;
  const notOurs = (status: 'NOTIFY' | 'RESOLVED', reason: string): RemediationPlan => ({
    status,
    alert,
    reason,
    auditTarget: alertAuditTarget(alert),
  });
  if (alert.status === 'resolved') return notOurs('RESOLVED', 'the alert resolved');
  const route = routing.routes.find((candidate) => candidate.alertname === alert.alertname);
  if (!route) return notOurs('NOTIFY', `no route acts on ${alert.alertname}`);
  if (!route.severities.includes(alert.severity)) {
    return notOurs(
      'NOTIFY',
      `${alert.alertname} is routed for severity ${route.severities.join(' or ')}, not ${alert.severity}`,
    );
  }
  let target: Target;
  try {
    target = targetOfAlert(alert.labels, cluster);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return notOurs('NOTIFY', error.message);
  }
  const chain = route.chain.map((step) => {
    const policy = routing.playbooks[step.playbook];
    if (!policy) {
      throw new ConfigurationError(`REMEDIATION_ROUTING: ${step.playbook} has no tier`, {
        playbook: step.playbook,
      });
    }
    return { ...step, tier: policy.tier, dryRun: policy.mode === 'dry-run' };
  });
  const timeoutSeconds = routing.verify.timeoutMinutes * 60;
  const verify = {
    timeoutSeconds,
    intervalSeconds: routing.verify.intervalSeconds,
    maxPolls: Math.max(1, Math.ceil(timeoutSeconds / routing.verify.intervalSeconds)),
  };
  const approvalTimeoutSeconds = routing.approvalTimeoutMinutes * 60;
  const perStep = (step: ChainStep) =>
    ACTION_BUDGET_SECONDS +
    verify.timeoutSeconds +
    (step.tier === 'approve-first' ? approvalTimeoutSeconds : 0);
  const budgetSeconds = chain.reduce((total, step) => total + perStep(step), 0);
  const key = targetKey(target);
  return {
    status: 'ROUTED',
    alert,
    target,
    targetKey: key,
    auditTarget: key,
    chain,
    chainLength: chain.length,
    verify,
    approvalTimeoutSeconds,
    budgetSeconds,
    leaseSeconds: budgetSeconds + LEASE_MARGIN_SECONDS,
  };
}
