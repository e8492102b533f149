import { describe, expect, it } from 'vitest';
import {
  parseStorageTiering,
  storageTieringProblems,
  tieringRules,
} from '../../../../functions/core/cost/storage-tiering.ts';
import { lakehouseBuckets } from '../../../../functions/core/provision/buckets.ts';

const TIERING = parseStorageTiering(
  JSON.stringify({
    expire: [
      { prefix: 'scratch/', days: 7 },
      { prefix: 'tmp/staging/', days: 1, bucket: 'market-data' },
    ],
    transitions: [{ prefix: 'raw/2024/', days: 180, tier: 'WARM' }],
  }),
);

describe('tieringRules', () => {
  it('expires the configured prefixes and moves old partitions to their tier, with stable ids', () => {
    expect(tieringRules(TIERING, 'market-data')).toEqual([
      { ID: 'expire-scratch', Status: 'Enabled', Filter: { Prefix: 'scratch/' }, Expiration: { Days: 7 } },
      {
        ID: 'expire-tmp-staging',
        Status: 'Enabled',
        Filter: { Prefix: 'tmp/staging/' },
        Expiration: { Days: 1 },
      },
      {
        ID: 'transition-raw-2024',
        Status: 'Enabled',
        Filter: { Prefix: 'raw/2024/' },
        Transitions: [{ Days: 180, StorageClass: 'WARM' }],
      },
    ]);
  });

  it('gives a bucket only the rules for every bucket and its own', () => {
    expect(tieringRules(TIERING, 'lakehouse').map((rule) => rule.ID)).toEqual([
      'expire-scratch',
      'transition-raw-2024',
    ]);
  });

  it('adds them to the data buckets after their own rules, and never to the probe bucket', () => {
    const [data, probe] = lakehouseBuckets({
      dataBuckets: ['lakehouse'],
      probeBucket: 'probe',
      tiering: TIERING,
    });
    expect(data?.lifecycle.map((rule) => rule.ID)).toEqual([
      'expire-noncurrent-versions',
      'expire-scratch',
      'transition-raw-2024',
    ]);
    expect(probe?.lifecycle.map((rule) => rule.ID)).toEqual(['expire-probe-leftovers']);
  });
});

describe('parseStorageTiering', () => {
  it('means no tiering when the variable is unset', () => {
    expect(parseStorageTiering(undefined)).toEqual({ expire: [], transitions: [] });
  });

  it('names the variable and the field of a bad rule', () => {
    const bad = () => parseStorageTiering('{"transitions":[{"prefix":"raw/","days":0,"tier":"warm"}]}');
    expect(bad).toThrow(/MINIO_STORAGE_TIERING/);
    expect(bad).toThrow(/transitions\[0\]\.days: too small/);
    expect(bad).toThrow(/expected a MinIO tier name/);
    expect(() => parseStorageTiering('not json')).toThrow(/MINIO_STORAGE_TIERING/);
  });
});

describe('storageTieringProblems', () => {
  it('finds a prefix ruled twice in one bucket and a bucket that is not a data bucket', () => {
    expect(
      storageTieringProblems(
        {
          expire: [
            { prefix: 'scratch/', days: 7 },
            { prefix: 'x/', days: 1, bucket: 'nope' },
          ],
          transitions: [{ prefix: 'scratch/', days: 30, tier: 'WARM', bucket: 'b' }],
        },
        ['a', 'b'],
      ),
    ).toEqual([
      'expire x/: bucket nope is not a data bucket (a, b)',
      'b/scratch/ has both an expire and a transition rule',
    ]);
  });
});
