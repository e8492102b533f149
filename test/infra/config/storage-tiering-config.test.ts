import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig, parseEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { productionWith, type RawSettings } from './raw-settings.ts';

function parseProductionWith(change: (raw: RawSettings) => void) {
  return () => parseEnvironmentConfig(productionWith(change), 'under test');
}

describe('storageTieringConfigSchema', () => {
  it.each(ENVIRONMENT_NAMES)(
    'expires scratch and temporary prefixes in %s and tiers the DR bucket',
    (name) => {
      const { storageTiering } = loadEnvironmentConfig(name);
      expect(storageTiering.minio.expire.map((rule) => rule.prefix)).toEqual(['scratch/', 'tmp/']);
      expect(storageTiering.minio.transitions).toEqual([]);
      expect(storageTiering.drBucket).toEqual({ infrequentAccessAfterDays: 30, archiveAfterDays: 90 });
    },
  );

  it('rejects an archive tier less than 30 days after the infrequent-access one, by its path', () => {
    const parse = parseProductionWith((raw) => {
      raw.storageTiering = { drBucket: { infrequentAccessAfterDays: 60, archiveAfterDays: 70 } };
    });
    expect(parse).toThrow(
      /storageTiering\.drBucket\.archiveAfterDays: archiveAfterDays must be at least 30 days/,
    );
  });

  it('rejects Standard-IA earlier than S3 allows', () => {
    const parse = parseProductionWith((raw) => {
      raw.storageTiering = { drBucket: { infrequentAccessAfterDays: 7 } };
    });
    expect(parse).toThrow(/storageTiering\.drBucket\.infrequentAccessAfterDays/);
  });

  it('rejects a rule for a bucket that is not a data bucket', () => {
    const parse = parseProductionWith((raw) => {
      raw.storageTiering = { minio: { expire: [{ prefix: 'scratch/', days: 7, bucket: 'elsewhere' }] } };
    });
    expect(parse).toThrow(/storageTiering\.minio: expire scratch\/: bucket elsewhere is not a data bucket/);
  });

  it('rejects a prefix both expired and moved to a tier', () => {
    const parse = parseProductionWith((raw) => {
      raw.storageTiering = {
        minio: {
          expire: [{ prefix: 'scratch/', days: 7 }],
          transitions: [{ prefix: 'scratch/', days: 30, tier: 'WARM' }],
        },
      };
    });
    expect(parse).toThrow(/storageTiering\.minio: \S+\/scratch\/ has both an expire and a transition rule/);
  });

  it('rejects a prefix with a leading slash, naming the rule', () => {
    const parse = parseProductionWith((raw) => {
      raw.storageTiering = { minio: { expire: [{ prefix: '/scratch/', days: 7 }] } };
    });
    expect(parse).toThrow(/storageTiering\.minio\.expire\.0\.prefix: expected a key prefix ending in "\/"/);
  });
});
