import { describe, expect, it } from 'vitest';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import type { RemediationConfig } from '../../../infra/config/remediation-config.ts';
import { type AlertRule, alertRules } from '../../../infra/stacks/alert-rules.ts';
import { alertRuleWirePattern, matchesEventPattern } from '../event-pattern.ts';

function alertEvent(alertname: string, severity: string, status: 'firing' | 'resolved' = 'firing') {
  return {
    source: 'lakehouse-ops.alerts',
    'detail-type': 'Prometheus Alert',
    detail: { alertname, severity, status, fingerprint: '3f2a', labels: { alertname, severity } },
  };
}

/** The ids of the rules an event matches. */
function rulesMatching(rules: AlertRule[], event: unknown): string[] {
  return rules
    .filter((rule) => matchesEventPattern(alertRuleWirePattern(rule), event))
    .map((rule) => rule.id);
}

const { remediation } = loadEnvironmentConfig('production');
const rules = alertRules(remediation);

describe('alertRules', () => {
  it('starts each routed alert firing at a routed severity through its own rule', () => {
    for (const route of remediation.routes) {
      for (const severity of route.severities) {
        expect(rulesMatching(rules, alertEvent(route.alertname, severity))).toEqual([
          `Remediate${route.alertname}`,
        ]);
      }
    }
  });

  it('notifies info alerts through one rule, routed names included', () => {
    expect(rulesMatching(rules, alertEvent('NodeCordoned', 'info'))).toEqual(['NotifyInfoAlerts']);
    expect(rulesMatching(rules, alertEvent('PodCrashLooping', 'info'))).toEqual(['NotifyInfoAlerts']);
  });

  it('notifies firing alerts no route acts on, by name or by severity', () => {
    expect(rulesMatching(rules, alertEvent('KubeApiServerDown', 'critical'))).toEqual([
      'NotifyUnroutedAlerts',
    ]);
    const narrowed: Pick<RemediationConfig, 'routes'> = {
      routes: [{ alertname: 'NodeNotReady', severities: ['critical'], chain: [] }],
    };
    const narrowedRules = alertRules(narrowed);
    expect(rulesMatching(narrowedRules, alertEvent('NodeNotReady', 'warning'))).toEqual([
      'NotifyUnroutedAlerts',
    ]);
    expect(rulesMatching(narrowedRules, alertEvent('NodeNotReady', 'critical'))).toEqual([
      'RemediateNodeNotReady',
    ]);
    expect(rulesMatching(rules, alertEvent('PodCrashLooping', 'page'))).toEqual(['NotifyUnroutedAlerts']);
  });

  it('sends every resolved alert to the audit rule only', () => {
    for (const [name, severity] of [
      ['PodCrashLooping', 'warning'],
      ['NodeCordoned', 'info'],
      ['KubeApiServerDown', 'critical'],
    ] as const) {
      expect(rulesMatching(rules, alertEvent(name, severity, 'resolved'))).toEqual(['AuditResolvedAlerts']);
    }
  });

  it('matches every alert event by exactly one rule, also without any route', () => {
    const names = [...remediation.routes.map((route) => route.alertname), 'NodeCordoned', 'Unknown'];
    for (const ruleSet of [rules, alertRules({ routes: [] })]) {
      for (const name of names) {
        for (const severity of ['critical', 'warning', 'info', 'none']) {
          for (const status of ['firing', 'resolved'] as const) {
            const event = alertEvent(name, severity, status);
            expect(rulesMatching(ruleSet, event), JSON.stringify(event.detail)).toHaveLength(1);
          }
        }
      }
    }
  });

  it('takes nothing from another source or detail type', () => {
    const event = { ...alertEvent('PodCrashLooping', 'warning'), source: 'aws.health' };
    expect(rulesMatching(rules, event)).toEqual([]);
    expect(rulesMatching(rules, { ...alertEvent('PodCrashLooping', 'warning'), 'detail-type': 'x' })).toEqual(
      [],
    );
  });
});
