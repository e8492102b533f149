import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Manifest } from '../../../../cluster-manifests/src/manifest.ts';
import { ENVIRONMENT_NAMES } from '../../../../infra/config/environment-config.ts';
import {
  ensureSystemBinaries,
  PROMTOOL,
  type SystemBinary,
} from '../../../../local/system/debian-packages.ts';
import { committedDocuments } from '../../support/committed-manifests.ts';

const AMTOOL: SystemBinary = { command: 'amtool', debianPackage: 'prometheus-alertmanager' };
const KUBERNETES_SD_ROLES = ['pod', 'node', 'service', 'endpoints', 'endpointslice', 'ingress'];

function configMapData(environment: string, name: string): Record<string, string> {
  const found = committedDocuments(environment).find(
    (document) => document.kind === 'ConfigMap' && document.metadata.name === name,
  ) as (Manifest & { data?: Record<string, string> }) | undefined;
  if (!found?.data) throw new Error(`no ConfigMap ${name} in the ${environment} manifests`);
  return found.data;
}

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
  let directory: string;
  beforeAll(() => {
    ensureSystemBinaries([PROMTOOL, AMTOOL]);
    directory = mkdtempSync(join(tmpdir(), 'monitoring-config-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  function check(tool: string, args: string[], file: string, text: string): void {
    const path = join(directory, file);
    writeFileSync(path, text);
    try {
      execFileSync(tool, [...args, path], { stdio: 'pipe' });
    } catch (error) {
      const { stdout, stderr } = error as { stdout: Buffer; stderr: Buffer };
      throw new Error(`${tool} ${args.join(' ')} refused ${file}:\n${stdout}${stderr}`);
    }
  }

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
      const rendered = renderSecretTemplate(template, {
        url: 'https://alerts.example.com/alertmanager?token="quoted"',
        token: 'a\'b"c: {d}',
      });
      check('amtool', ['check-config'], `alertmanager-${environment}.yml`, rendered);
      const receiver = parse(rendered).receivers[0].webhook_configs[0];
      expect(receiver.http_config.authorization.credentials).toBe('a\'b"c: {d}');
    },
  );

  it('refuses to render a template that uses a value the secret lacks', () => {
    expect(() => renderSecretTemplate('url: {{ .url | toJson }}', {})).toThrow(/uses \.url/);
  });
});
