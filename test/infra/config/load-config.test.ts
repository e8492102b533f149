import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig, parseEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { captureError, productionWith } from './raw-settings.ts';

describe('loadEnvironmentConfig', () => {
  it.each(ENVIRONMENT_NAMES)('parses the %s settings', (name) => {
    const config = loadEnvironmentConfig(name);
    expect(config.name).toBe(name);
    expect(config.region).not.toBe(config.drRegion);
  });

  it.each([
    ['development', 1, 'daily', 7, 'basic', 'cron(0 0/6 * * ? *)', 'cron(0 2 * * ? *)'],
    ['staging', 10, 'daily', 14, 'enhanced', 'cron(0 * * * ? *)', 'cron(0 2 * * ? *)'],
    ['production', 100, 'hourly', 30, 'comprehensive', 'cron(0/15 * * * ? *)', 'cron(30 * * * ? *)'],
  ] as const)(
    'carries the seed platform settings of %s',
    (name, tib, cadence, retentionDays, monitoring, schedule, backupSchedule) => {
      const config = loadEnvironmentConfig(name);
      expect(config.storage.objectStoreCapacityTiB).toBe(tib);
      expect(config.backup).toMatchObject({ cadence, retentionDays, volumeNamespaces: ['minio', 'prefect'] });
      expect(config.backup.sourceBuckets.length).toBeGreaterThan(0);
      expect(config.schedules.backup).toEqual({ expression: backupSchedule, timeZone: 'UTC', enabled: true });
      expect(config.monitoring.level).toBe(monitoring);
      expect(config.schedules.validatePlatform).toEqual({
        expression: schedule,
        timeZone: 'UTC',
        enabled: true,
      });
    },
  );

  it('lists the known environments when the name is unknown', () => {
    expect(() => loadEnvironmentConfig('qa')).toThrow(
      'Unknown environment "qa": expected one of development, staging, production',
    );
  });
});

describe('parseEnvironmentConfig', () => {
  it('names the field when a value is invalid', () => {
    const raw = productionWith((config) => {
      config.schedules.validatePlatform.timeZone = 'Mars/Olympus_Mons';
    });
    expect(() => parseEnvironmentConfig(raw, 'under test')).toThrow(
      /schedules\.validatePlatform\.timeZone: expected an IANA time zone/,
    );
  });

  it('names every invalid field when several are wrong', () => {
    const raw = productionWith((config) => {
      config.clusterName = 'has spaces';
      config.minio.endpoint = 'not a url';
      config.notifications.emails = ['oncall-at-example.com'];
    });
    const error = captureError(() => parseEnvironmentConfig(raw, 'under test'));
    expect(error.message).toContain('Invalid configuration under test');
    expect(error.message).toContain('clusterName: expected an EKS cluster name');
    expect(error.message).toContain('minio.endpoint');
    expect(error.message).toContain('notifications.emails.0');
  });

  it('rejects a missing field by its path', () => {
    const raw = productionWith((config) => {
      delete config.minio.credentialsSecretName;
    });
    expect(() => parseEnvironmentConfig(raw, 'under test')).toThrow(/minio\.credentialsSecretName/);
  });

  it('rejects a DR region equal to the primary region', () => {
    const raw = productionWith((config) => {
      config.drRegion = config.region;
    });
    expect(() => parseEnvironmentConfig(raw, 'under test')).toThrow(
      /drRegion: drRegion must differ from region/,
    );
  });

  it('rejects a log retention that CloudWatch Logs does not offer', () => {
    const raw = productionWith((config) => {
      config.logRetentionDays = 10;
    });
    expect(() => parseEnvironmentConfig(raw, 'under test')).toThrow(
      /logRetentionDays: expected a CloudWatch Logs/,
    );
  });

  it('rejects a schedule that is not a Scheduler expression', () => {
    const raw = productionWith((config) => {
      config.schedules.validatePlatform.expression = '*/15 * * * *';
    });
    expect(() => parseEnvironmentConfig(raw, 'under test')).toThrow(
      /schedules\.validatePlatform\.expression/,
    );
  });

  it('fills the rest of the platform layout when an override names only some of it', () => {
    const raw = productionWith((config) => {
      config.platformLayout = { minio: { namespace: 'object-store' } };
    });
    const config = parseEnvironmentConfig(raw, 'under test');
    expect(config.platformLayout?.minio).toMatchObject({
      namespace: 'object-store',
      statefulSet: 'minio',
      replicas: 4,
    });
    expect(config.platformLayout?.prefect.namespace).toBe('prefect');
  });

  it('leaves the account out unless it is configured', () => {
    expect(loadEnvironmentConfig('production').account).toBeUndefined();
    const raw = productionWith((config) => {
      config.account = '12345';
    });
    expect(() => parseEnvironmentConfig(raw, 'under test')).toThrow(
      /account: expected a 12-digit AWS account id/,
    );
  });
});
