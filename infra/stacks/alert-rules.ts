import {
  ALERT_EVENT_DETAIL_TYPE,
  ALERT_EVENT_SOURCE,
  DEFAULT_SEVERITY,
} from '../../functions/core/remediation/alert-event.ts';
import type { RemediationConfig } from '../config/remediation-config.ts';

/**
 * The alert bus's rules, from the environment's routes (docs/remediation.md). Every alert event
 * matches exactly one rule, so each (fingerprint, startsAt, status) the ingress publishes starts
 * exactly one remediate execution:
 *
 * - one rule per routed alert name: its firing alerts of the route's severities (the chain runs);
 * - info alerts (firing): the run notifies and audits, nothing acts;
 * - every other firing alert (a name without a route, or a routed name at a severity its route
 *   does not act on): the run notifies and audits too. Alertmanager sends every alert to the
 *   webhook and has no other receiver, so an alert no rule took would reach nobody;
 * - resolved alerts, whatever their name: the run records the resolution in the audit trail.
 *
 * All of them target the one remediate state machine with the whole event as input; its first
 * step (resolve-remediation) decides ROUTED, NOTIFY or RESOLVED from the same routes.
 */
export interface AlertRule {
  /** The rule's construct id and name suffix. */
  readonly id: string;
  readonly description: string;
  readonly pattern: AlertEventPattern;
}

/** An EventBridge event pattern over the alert event (source, detail-type and detail fields). */
export interface AlertEventPattern {
  readonly source: string[];
  readonly detailType: string[];
  readonly detail: Record<string, unknown>;
}

const FIRING = 'firing';
const RESOLVED = 'resolved';

function alertPattern(detail: Record<string, unknown>): AlertEventPattern {
  return { source: [ALERT_EVENT_SOURCE], detailType: [ALERT_EVENT_DETAIL_TYPE], detail };
}

export function alertRules(remediation: Pick<RemediationConfig, 'routes'>): AlertRule[] {
  const { routes } = remediation;
  const routed = routes.map((route) => ({
    id: `Remediate${route.alertname}`,
    description: `${route.alertname} firing at ${route.severities.join(' or ')}: run its playbook chain`,
    pattern: alertPattern({
      alertname: [route.alertname],
      status: [FIRING],
      severity: [...route.severities],
    }),
  }));
  // Firing, not info, and not what a route rule takes: an unrouted name, or a routed name at
  // another severity. EventBridge's anything-but needs a non-empty list, hence the guards.
  const unrouted = [
    ...(routes.length > 0
      ? [{ alertname: [{ 'anything-but': routes.map((route) => route.alertname) }] }]
      : []),
    ...routes.map((route) => ({
      alertname: [route.alertname],
      severity: [{ 'anything-but': [...route.severities] }],
    })),
  ];
  return [
    ...routed,
    {
      id: 'NotifyInfoAlerts',
      description: 'Firing info alerts: notify and audit, nothing acts',
      pattern: alertPattern({ status: [FIRING], severity: [DEFAULT_SEVERITY] }),
    },
    {
      id: 'NotifyUnroutedAlerts',
      description: 'Firing alerts no route acts on (name or severity): notify and audit',
      pattern: alertPattern(
        routes.length === 0
          ? { status: [FIRING], severity: [{ 'anything-but': [DEFAULT_SEVERITY] }] }
          : {
              status: [FIRING],
              severity: [{ 'anything-but': [DEFAULT_SEVERITY] }],
              $or: unrouted,
            },
      ),
    },
    {
      id: 'AuditResolvedAlerts',
      description: 'Resolved alerts: record the resolution in the audit trail',
      pattern: alertPattern({ status: [RESOLVED] }),
    },
  ];
}
