import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadClusterEnvironment } from '../../../../cluster-manifests/src/environments.ts';
import {
  ALERT_TARGET_LABELS,
  type AlertTarget,
  type PlatformAlert,
} from '../../../../cluster-manifests/src/monitoring/alert-rule.ts';
import { platformAlertRules, platformAlerts } from '../../../../cluster-manifests/src/monitoring/rules.ts';
import { FAST_TIMING } from '../../../../cluster-manifests/src/monitoring/timing.ts';
import { ENVIRONMENT_NAMES } from '../../../../infra/config/environment-config.ts';
import { type AlertCase, type AlertFixture, alertFixtures, SAMPLE_INTERVAL } from './alert-fixtures.ts';
import { configMapData, type MonitoringTools, monitoringTools } from './monitoring-tools.ts';

interface RuleFile {
  groups: {
    name: string;
    rules: { alert: string; for: string; labels: Record<string, string>; record?: string }[];
  }[];
}

/**
 * The target the remediation contract reads from an alert's labels (docs/remediation.md, "The
 * target"): the first label set of ALERT_TARGET_LABELS' order whose key label is present.
 */
function contractTarget(labels: Record<string, string>): AlertTarget | undefined {
  const order: [AlertTarget, string][] = [
    ['node', 'node'],
    ['persistentvolumeclaim', 'persistentvolumeclaim'],
    ['pod', 'pod'],
    ['deployment', 'deployment'],
    ['statefulset', 'statefulset'],
    ['workload', 'workload'],
  ];
  return order.find(([, key]) => labels[key])?.[0];
}

function committedRules(environment: string): { file: string; text: string } {
  const [entry, ...others] = Object.entries(configMapData(environment, 'prometheus-rules'));
  expect(others, 'one rule file').toEqual([]);
  return { file: entry![0], text: entry![1] };
}

/** The alerting rules (the recording rules of right-sizing's group have `record`, not `alert`). */
function alertsOf(rules: RuleFile): RuleFile['groups'][number]['rules'] {
  return rules.groups.flatMap((group) => group.rules).filter((rule) => rule.alert !== undefined);
}

/** A `promtool test rules` file: every fixture's two cases, evaluated against `rulesPath`. */
function unitTests(rulesPath: string, fixtures: AlertFixture[], alerts: Map<string, PlatformAlert>): string {
  const test = (fixture: AlertFixture, name: string, alertCase: AlertCase) => ({
    name: `${fixture.alert} ${name}`,
    interval: SAMPLE_INTERVAL,
    input_series: alertCase.series,
    alert_rule_test: [
      {
        eval_time: alertCase.evalTime,
        alertname: fixture.alert,
        exp_alerts: alertCase.firing.map((firing) => ({
          exp_labels: { ...firing.labels, severity: alerts.get(fixture.alert)?.severity },
          exp_annotations: { summary: firing.summary },
        })),
      },
    ],
  });
  return stringify({
    rule_files: [rulesPath],
    evaluation_interval: SAMPLE_INTERVAL,
    tests: fixtures.flatMap((fixture) => [
      test(fixture, 'fires', fixture.fires),
      test(fixture, 'stays quiet', fixture.staysQuiet),
    ]),
  });
}

describe('platformAlertRules', () => {
  let tools: MonitoringTools;
  beforeAll(() => {
    tools = monitoringTools();
  });
  afterAll(() => tools.remove());

  describe.each(ENVIRONMENT_NAMES)('in %s', (environmentName) => {
    const environment = loadClusterEnvironment(environmentName);
    const alerts = new Map(
      Object.values(platformAlerts(environment))
        .flat()
        .map((alert) => [alert.alert, alert]),
    );
    const fixtures = alertFixtures(environment);

    it('passes promtool check rules', () => {
      const { file, text } = committedRules(environmentName);
      tools.check('promtool', ['check', 'rules'], `${environmentName}-${file}`, text);
    });

    it('fires each alert with its labels on data that needs it, and only then (promtool test rules)', () => {
      const { file, text } = committedRules(environmentName);
      const rulesPath = tools.write(`${environmentName}-unit-${file}`, text);
      tools.check(
        'promtool',
        ['test', 'rules'],
        `${environmentName}-unit-tests.yaml`,
        unitTests(rulesPath, fixtures, alerts),
      );
    });

    it('has a firing and a quiet case for every alert', () => {
      expect(fixtures.map((fixture) => fixture.alert).sort()).toEqual([...alerts.keys()].sort());
      for (const fixture of fixtures) {
        expect(fixture.fires.firing.length, fixture.alert).toBeGreaterThan(0);
        expect(fixture.staysQuiet.firing, fixture.alert).toEqual([]);
      }
    });

    it('names in every firing alert the target it declares, as the remediation contract reads it', () => {
      for (const fixture of fixtures) {
        const alert = alerts.get(fixture.alert)!;
        for (const { labels } of fixture.fires.firing) {
          const all = { ...alert.labels, ...labels };
          expect(contractTarget(all), `${fixture.alert} ${JSON.stringify(all)}`).toBe(alert.target);
          for (const label of ALERT_TARGET_LABELS[alert.target]) {
            expect(all[label], `${fixture.alert}: ${label}`).toMatch(/^\S+$/);
          }
          if (alert.target === 'workload') expect(['Deployment', 'StatefulSet']).toContain(all.workload_kind);
        }
      }
    });

    it('gives every alert a severity Alertmanager routes and a production-sized `for`', () => {
      for (const rule of alertsOf(parse(committedRules(environmentName).text))) {
        expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels.severity);
        expect(rule.for, rule.alert).toMatch(/^([1-9]\d*)[mh]$/);
      }
    });
  });

  it('records one usage series per workload container for right-sizing, every 5 minutes', () => {
    const rules = platformAlertRules(loadClusterEnvironment('production')) as unknown as {
      groups: (RuleFile['groups'][number] & { interval?: string })[];
    };
    const recording = rules.groups.find((group) => group.name === 'lakehouse-ops-rightsizing');
    expect(recording?.interval).toBe('5m');
    expect(
      recording?.rules.every((rule) => typeof rule.record === 'string' && rule.alert === undefined),
    ).toBe(true);
  });

  it('shortens every `for` with FAST_TIMING and stays valid for promtool', () => {
    const environment = loadClusterEnvironment('development');
    const fast = platformAlertRules(environment, FAST_TIMING) as unknown as RuleFile;
    const production = platformAlertRules(environment) as unknown as RuleFile;
    expect(alertsOf(fast).map((rule) => rule.for)).toEqual(alertsOf(production).map(() => '0s'));
    expect(alertsOf(fast).map((rule) => rule.alert)).toEqual(alertsOf(production).map((rule) => rule.alert));
    tools.check('promtool', ['check', 'rules'], 'fast-rules.yaml', stringify(fast));
  });
});
