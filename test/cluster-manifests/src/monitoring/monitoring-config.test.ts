import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ENVIRONMENT_NAMES } from '../../../../infra/config/environment-config.ts';
import { committedDocuments } from '../../support/committed-manifests.ts';
import { configMapData, type MonitoringTools, monitoringTools } from './monitoring-tools.ts';

const KUBERNETES_SD_ROLES = ['pod', 'node', 'service', 'endpoints', 'endpointslice', 'ingress'];

/** External Secrets' rendering of the template's `{{ .key | toJson }}` expressions. */
function renderSecretTemplate(template: string, values: Record<string, string>): string {
  const rendered = template.replaceAll(/\{\{ \.(\w+) \| toJson \}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`the template uses .${key}, which the secret does not have`);
    return JSON.stringify(values[key]);
  });
  if (rendered.includes('{{')) throw new Error(`unrendered template expression left in:\n${rendered}`);
  return rendered;
}

/**
 * Debian's Prometheus is built without Kubernetes service discovery, so its promtool refuses
 * kubernetes_sd_configs: those blocks are checked here field by field and swapped for static
 * targets, and promtool checks everything else (relabelling, TLS, authorization, alerting).
 */
function withoutKubernetesDiscovery(
  node: unknown,
  namespaces: readonly string[],
  problems: string[],
): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutKubernetesDiscovery(item, namespaces, problems));
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node).map(([key, value]) => {
    if (key !== 'kubernetes_sd_configs')
      return [key, withoutKubernetesDiscovery(value, namespaces, problems)];
    for (const sd of value as Record<string, unknown>[]) {
      const unknown = Object.keys(sd).filter((field) => !['role', 'namespaces'].includes(field));
      if (unknown.length > 0)
        problems.push(`kubernetes_sd_configs has unexpected fields ${unknown.join(', ')}`);
      if (!KUBERNETES_SD_ROLES.includes(sd.role as string))
        problems.push(`unknown kubernetes_sd role ${String(sd.role)}`);
      const names = (sd.namespaces as { names?: string[] } | undefined)?.names ?? [];
      for (const name of names)
        if (!namespaces.includes(name)) problems.push(`discovery in unknown namespace ${name}`);
    }
    return ['static_configs', [{ targets: ['discovered.invalid:9090'] }]];
  });
  return Object.fromEntries(entries);
}

describe('monitoring configuration', () => {
  let tools: MonitoringTools;
  beforeAll(() => {
    tools = monitoringTools();
  });
  afterAll(() => tools.remove());
  const check = (tool: 'promtool' | 'amtool', args: string[], file: string, text: string) =>
    tools.check(tool, args, file, text);

  it.each(ENVIRONMENT_NAMES)('passes promtool check config for %s', (environment) => {
    const namespaces = committedDocuments(environment)
      .filter((document) => document.kind === 'Namespace')
      .map((document) => document.metadata.name);
    const problems: string[] = [];
    const config = withoutKubernetesDiscovery(
      parse(configMapData(environment, 'prometheus-config')['prometheus.yml']!),
      namespaces,
      problems,
    );
    expect(problems).toEqual([]);
    check(
      'promtool',
      ['check', 'config', '--syntax-only'],
      `prometheus-${environment}.yml`,
      stringify(config),
    );
  });

  it.each(ENVIRONMENT_NAMES)('passes promtool check rules for %s', (environment) => {
    for (const [file, text] of Object.entries(configMapData(environment, 'prometheus-rules'))) {
      check('promtool', ['check', 'rules'], `${environment}-${file}`, text);
    }
  });

  it.each(ENVIRONMENT_NAMES)(
    'renders an Alertmanager configuration that amtool accepts for %s',
    (environment) => {
      const template = configMapData(environment, 'alertmanager-config-template')['alertmanager.yml']!;
      const url = 'https://alerts.example.com/alertmanager?token="quoted"&a: {b}';
      const rendered = renderSecretTemplate(template, { url });
      check('amtool', ['check-config'], `alertmanager-${environment}.yml`, rendered);
      const [webhook] = parse(rendered).receivers[0].webhook_configs;
      expect(webhook.url).toBe(url);
    },
  );

  it('refuses to render a template that uses a value the secret lacks', () => {
    expect(() => renderSecretTemplate('url: {{ .url | toJson }}', {})).toThrow(/uses \.url/);
  });
});
