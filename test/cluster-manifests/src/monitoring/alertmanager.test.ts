import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Manifest } from '../../../../cluster-manifests/src/manifest.ts';
import { ALERT_TARGET_LABELS } from '../../../../cluster-manifests/src/monitoring/alert-rule.ts';
import {
  alertmanagerConfig,
  WEBHOOK_TOKEN_DIRECTORY,
} from '../../../../cluster-manifests/src/monitoring/alertmanager.ts';
import { FAST_TIMING } from '../../../../cluster-manifests/src/monitoring/timing.ts';
import { ENVIRONMENT_NAMES } from '../../../../infra/config/environment-config.ts';
import { committedDocuments } from '../../support/committed-manifests.ts';
import { configMapData, type MonitoringTools, monitoringTools } from './monitoring-tools.ts';

interface Route {
  receiver: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: Route[];
}

interface Config {
  route: Route;
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: {
    name: string;
    webhook_configs: {
      url: string;
      send_resolved: boolean;
      max_alerts: number;
      http_config: { authorization: { type: string; credentials_file: string } };
    }[];
  }[];
}

const SECONDS = { s: 1, m: 60, h: 3600 } as const;

function seconds(duration: string | undefined): number {
  const match = /^(\d+)([smh])$/.exec(duration ?? '');
  if (!match) throw new Error(`"${duration}" is not a duration like 30s, 5m or 4h`);
  return Number(match[1]) * SECONDS[match[2] as keyof typeof SECONDS];
}

function config(timing?: typeof FAST_TIMING): Config {
  return alertmanagerConfig({
    webhookUrl: 'https://alerts.example.com/alertmanager',
    credentialsFile: `${WEBHOOK_TOKEN_DIRECTORY}/token`,
    ...(timing ? { timing } : {}),
  }) as unknown as Config;
}

function routeFor(severity: string, routes: Route[]): Route {
  const matching = routes.filter((route) => route.matchers?.includes(`severity="${severity}"`));
  expect(matching, `routes for severity ${severity}`).toHaveLength(1);
  return matching[0]!;
}

function documentOf(environment: string, kind: string, name: string): Manifest & { spec: unknown } {
  const found = committedDocuments(environment).find(
    (document) => document.kind === kind && document.metadata.name === name,
  );
  if (!found) throw new Error(`no ${kind} ${name} in the ${environment} manifests`);
  return found as Manifest & { spec: unknown };
}

describe('alertmanagerConfig', () => {
  let tools: MonitoringTools;
  beforeAll(() => {
    tools = monitoringTools();
  });
  afterAll(() => tools.remove());

  it('sends each severity to the lakehouse-ops webhook on a route of its own', () => {
    const { route, receivers } = config();
    expect(receivers.map((receiver) => receiver.name)).toEqual(['lakehouse-ops']);
    expect(route.receiver).toBe('lakehouse-ops');
    const routes = route.routes ?? [];
    for (const severity of ['critical', 'warning', 'info']) {
      expect(routeFor(severity, routes).receiver).toBe('lakehouse-ops');
    }
    expect(routes).toHaveLength(3);
  });

  it('groups by alert name and target, notifies critical alerts first and batches info ones', () => {
    const { route } = config();
    const targetLabels = new Set(Object.values(ALERT_TARGET_LABELS).flat());
    expect(new Set(route.group_by)).toEqual(new Set(['alertname', ...targetLabels]));
    const routes = route.routes ?? [];
    const critical = routeFor('critical', routes);
    const info = routeFor('info', routes);
    expect(seconds(critical.group_wait)).toBeLessThanOrEqual(10);
    expect(seconds(critical.group_wait)).toBeLessThan(seconds(route.group_wait));
    expect(seconds(critical.repeat_interval)).toBeLessThan(seconds(route.repeat_interval));
    expect(info.group_by).toEqual(['alertname']);
    expect(seconds(info.repeat_interval)).toBeGreaterThan(seconds(route.repeat_interval));
  });

  it('authenticates with a bearer token file, sends resolved alerts and caps alerts per message', () => {
    const [webhook] = config().receivers[0]!.webhook_configs;
    expect(webhook).toMatchObject({
      url: 'https://alerts.example.com/alertmanager',
      send_resolved: true,
      http_config: {
        authorization: { type: 'Bearer', credentials_file: `${WEBHOOK_TOKEN_DIRECTORY}/token` },
      },
    });
    expect(webhook!.max_alerts).toBeGreaterThan(0);
    expect(webhook!.max_alerts).toBeLessThanOrEqual(200);
  });

  it('lets a node that is not Ready inhibit only alerts that name that node', () => {
    const rules = config().inhibit_rules.filter((rule) =>
      rule.source_matchers.includes('alertname="NodeNotReady"'),
    );
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.source_matchers).toEqual(['alertname="NodeNotReady"']);
      expect(rule.target_matchers).toContain('alertname!="NodeNotReady"');
      // Alertmanager counts a label missing on both sides as equal: the target must carry it.
      for (const label of rule.equal) expect(rule.target_matchers).toContain(`${label}=~".+"`);
    }
    expect(rules.flatMap((rule) => rule.equal).sort()).toEqual(['host', 'node']);
  });

  it("lets a crash-looping pod inhibit only its own Deployment's missing-replicas alert", () => {
    const rules = config().inhibit_rules.filter(
      (rule) => !rule.source_matchers.includes('alertname="NodeNotReady"'),
    );
    expect(rules).toEqual([
      {
        source_matchers: ['alertname="PodCrashLooping"'],
        target_matchers: ['alertname="DeploymentReplicasUnavailable"', 'deployment=~".+"'],
        equal: ['namespace', 'deployment'],
      },
    ]);
  });

  it('shortens waits with FAST_TIMING and stays valid for amtool', () => {
    const fast = config(FAST_TIMING);
    expect(fast.route.group_wait).toBe('0s');
    expect(routeFor('critical', fast.route.routes ?? []).group_wait).toBe('0s');
    tools.check('amtool', ['check-config'], 'alertmanager-fast.yml', stringify(fast));
  });

  it.each(ENVIRONMENT_NAMES)(
    'mounts the token of lakehouse/<env>/alertmanager-webhook where the config reads it in %s',
    (environment) => {
      const template = parse(
        configMapData(environment, 'alertmanager-config-template')['alertmanager.yml']!.replaceAll(
          '{{ .url | toJson }}',
          '"https://alerts.example.com"',
        ),
      ) as Config;
      const file = template.receivers[0]!.webhook_configs[0]!.http_config.authorization.credentials_file;
      const statefulSet = documentOf(environment, 'StatefulSet', 'alertmanager').spec as {
        template: {
          spec: {
            volumes: { name: string; secret?: { secretName: string } }[];
            containers: { volumeMounts: { name: string; mountPath: string }[] }[];
          };
        };
      };
      const mount = statefulSet.template.spec.containers[0]!.volumeMounts.find(
        (volumeMount) => file === `${volumeMount.mountPath}/token`,
      );
      expect(mount, `a volume mounted where ${file} is`).toBeDefined();
      const secretName = statefulSet.template.spec.volumes.find((volume) => volume.name === mount!.name)
        ?.secret?.secretName;
      const externalSecret = documentOf(environment, 'ExternalSecret', secretName ?? '').spec as {
        target: { name: string };
        data: { secretKey: string; remoteRef: { key: string; property: string } }[];
      };
      expect(externalSecret.target.name).toBe(secretName);
      expect(externalSecret.data).toEqual([
        {
          secretKey: 'token',
          remoteRef: { key: `lakehouse/${environment}/alertmanager-webhook`, property: 'token' },
        },
      ]);
    },
  );
});
