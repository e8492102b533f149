import { describe, expect, it } from 'vitest';
import { openChangeWindow } from '../../../functions/core/remediation/change-window.ts';
import { PLAYBOOKS } from '../../../functions/core/remediation/playbooks/catalogue.ts';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig, parseEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { productionWith, type RawSettings } from './raw-settings.ts';

function parseProductionWith(change: (raw: RawSettings) => void) {
  return () => parseEnvironmentConfig(productionWith(change), 'under test');
}

describe('remediationConfigSchema', () => {
  it.each(ENVIRONMENT_NAMES)('gives %s a tier for every routed playbook and valid parameters', (name) => {
    const { remediation } = loadEnvironmentConfig(name);
    expect(remediation.routes.length).toBeGreaterThanOrEqual(8);
    for (const route of remediation.routes) {
      for (const step of route.chain) {
        expect(remediation.playbooks[step.playbook]).toBeDefined();
        expect(PLAYBOOKS[step.playbook].params.safeParse(step.params).success).toBe(true);
      }
    }
  });

  it('asks for approval before disruptive playbooks in production, and acts at once in development', () => {
    const production = loadEnvironmentConfig('production').remediation;
    const development = loadEnvironmentConfig('development').remediation;
    for (const [name, playbook] of Object.entries(PLAYBOOKS)) {
      const tier = production.playbooks[name as keyof typeof PLAYBOOKS]?.tier;
      expect(tier, name).toBe(playbook.disruptive ? 'approve-first' : 'automatic');
    }
    expect(Object.values(development.playbooks).every((policy) => policy?.tier === 'automatic')).toBe(true);
    // Development's window is always open; production's is closed on a Saturday.
    expect(openChangeWindow(new Date('2026-11-28T03:00:00Z'), development.changeWindows)).toBeDefined();
    expect(openChangeWindow(new Date('2026-11-28T10:00:00Z'), production.changeWindows)).toBeUndefined();
  });

  it('fails on an unknown playbook, naming the route', () => {
    const parse = parseProductionWith((raw) => {
      raw.remediation.routes[0].chain[0].playbook = 'reboot-everything';
    });
    expect(parse).toThrow(
      /remediation\.routes\.0\.chain\.0\.playbook: Invalid option: expected one of "rollout-restart"/,
    );
  });

  it('fails on a parameter the playbook does not take, or a value out of its range', () => {
    expect(
      parseProductionWith((raw) => {
        raw.remediation.routes.find(
          (route: RawSettings) => route.alertname === 'ContainerOOMKilled',
        ).chain[0].params = {
          factor: 10,
          maxBytes: 1024,
          force: true,
        };
      }),
    ).toThrow(
      /remediation\.routes\.4\.chain\.0\.params\.factor: .*remediation\.routes\.4\.chain\.0\.params: Unrecognized key: "force"/s,
    );
  });

  it('fails when a routed playbook has no tier, or an alert is routed twice', () => {
    expect(
      parseProductionWith((raw) => {
        delete raw.remediation.playbooks['delete-pod'];
      }),
    ).toThrow(/chain\.0\.playbook: delete-pod has no tier in remediation\.playbooks/);
    expect(
      parseProductionWith((raw) => {
        raw.remediation.routes.push(raw.remediation.routes[0]);
      }),
    ).toThrow(/PodCrashLooping is routed twice/);
  });

  it.each(ENVIRONMENT_NAMES)('reaches the monitoring APIs of %s over HTTP(S) through its ingress', (name) => {
    const { remediation } = loadEnvironmentConfig(name);
    expect(new URL(remediation.alertmanagerUrl).hostname).toBe(`alertmanager.${name}.lakehouse.example.com`);
    expect(new URL(remediation.prometheusUrl).hostname).toBe(`prometheus.${name}.lakehouse.example.com`);
  });

  it('fails on a monitoring API URL that is missing or not HTTP(S), by its path', () => {
    expect(
      parseProductionWith((raw) => {
        raw.remediation.alertmanagerUrl = 'ftp://alertmanager.example.com';
      }),
    ).toThrow(/remediation\.alertmanagerUrl: /);
    expect(
      parseProductionWith((raw) => {
        delete raw.remediation.prometheusUrl;
      }),
    ).toThrow(/remediation\.prometheusUrl: /);
  });

  it('fails on a malformed change window by its path', () => {
    expect(
      parseProductionWith((raw) => {
        raw.remediation.changeWindows[0].end = '25:00';
      }),
    ).toThrow(/remediation\.changeWindows\.0\.end: expected HH:MM/);
  });
});
