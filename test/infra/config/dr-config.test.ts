import { describe, expect, it } from 'vitest';
import { drClusterName } from '../../../infra/config/dr-config.ts';
import { loadEnvironmentConfig, parseEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { productionWith, type RawSettings } from './raw-settings.ts';

function parseProductionWith(change: (raw: RawSettings) => void) {
  return () => parseEnvironmentConfig(productionWith(change), 'under test');
}

describe('drConfigSchema', () => {
  it('promises RTO 30 min and RPO 5 min everywhere, with the lag alarm at 3 minutes', () => {
    for (const name of ['development', 'staging', 'production'] as const) {
      const { dr } = loadEnvironmentConfig(name);
      expect(dr).toMatchObject({ rpoSeconds: 300, rtoMinutes: 30, replication: { lagAlarmSeconds: 180 } });
    }
  });

  it('drills staging monthly and nothing else, and asks production for fresher verified backups', () => {
    expect(loadEnvironmentConfig('staging').dr.drill).toEqual({
      enabled: true,
      expression: 'cron(0 6 ? * MON#1 *)',
      failbackExpression: 'cron(0 9 ? * MON#1 *)',
      timeZone: 'UTC',
    });
    expect(loadEnvironmentConfig('development').dr.drill.enabled).toBe(false);
    expect(loadEnvironmentConfig('production').dr.drill.enabled).toBe(false);
    expect(loadEnvironmentConfig('production').dr.verifyBackupMaxAgeHours).toBe(6);
  });

  it('names the standby cluster after the primary unless told otherwise', () => {
    const staging = loadEnvironmentConfig('staging');
    expect(drClusterName(staging)).toBe(`${staging.clusterName}-dr`);
    expect(drClusterName({ ...staging, dr: { ...staging.dr, clusterName: 'standby' } })).toBe('standby');
  });

  it('refuses a scheduled drill in production', () => {
    const parse = parseProductionWith((raw) => {
      raw.dr = { ...(raw.dr as object), drill: { enabled: true } };
    });
    expect(parse).toThrow(/dr: scheduled DR drills fail over for real: they are for staging/);
  });

  it('refuses a lag alarm that would ring only after the RPO is lost', () => {
    const parse = parseProductionWith((raw) => {
      raw.dr = { ...(raw.dr as object), rpoSeconds: 120 };
    });
    expect(parse).toThrow(/replication\.lagAlarmSeconds \(180\) must be below rpoSeconds \(120\)/);
  });

  it('refuses a schedule that EventBridge Scheduler would not take', () => {
    const parse = parseProductionWith((raw) => {
      raw.dr = { ...(raw.dr as object), replication: { reconcileSchedule: 'every 15 minutes' } };
    });
    expect(parse).toThrow(/dr\.replication\.reconcileSchedule: expected an EventBridge Scheduler expression/);
  });

  it('moves the Prefect API and UI and the object store, each with a drill twin, between the regions', () => {
    const { traffic } = loadEnvironmentConfig('staging').dr as {
      traffic: { records: { name: string; drillName: string }[] };
    };
    expect(traffic.records.map((record) => [record.name, record.drillName])).toEqual([
      ['prefect-api.staging.lakehouse.example.com', 'drill-prefect-api.staging.lakehouse.example.com'],
      ['prefect-ui.staging.lakehouse.example.com', 'drill-prefect-ui.staging.lakehouse.example.com'],
      ['object-store.staging.lakehouse.example.com', 'drill-object-store.staging.lakehouse.example.com'],
    ]);
  });

  it('refuses traffic settings that switch-traffic could not use, saying what is wrong', () => {
    const parse = parseProductionWith((raw) => {
      raw.dr = { ...(raw.dr as object), traffic: { hostedZoneId: 'Z1', records: [] } };
    });
    expect(parse).toThrow(/dr: .*dr\.traffic/s);
  });
});
