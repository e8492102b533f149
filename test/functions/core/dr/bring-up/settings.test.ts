import { describe, expect, it } from 'vitest';
import { drNodeGroupSpecs, drSiteFrom } from '../../../../../functions/core/dr/bring-up/settings.ts';
import { COMPUTE_POOL, SYSTEM_POOL } from '../failover/primary-pools.ts';

describe('DR bring-up settings', () => {
  it("sizes each DR pool at the primary's desired size, within the primary's bounds", () => {
    expect(
      drNodeGroupSpecs([SYSTEM_POOL, COMPUTE_POOL]).map(({ name, minSize, maxSize, desiredSize }) => [
        name,
        minSize,
        maxSize,
        desiredSize,
      ]),
    ).toEqual([
      ['system', 2, 4, 3],
      ['compute', 1, 20, 6],
    ]);
  });

  it('takes DR_NODE_GROUP_SIZES over the primary, widening the bounds to hold it', () => {
    const specs = drNodeGroupSpecs([SYSTEM_POOL, COMPUTE_POOL], JSON.stringify({ system: 6, compute: 0 }));
    expect(
      specs.map(({ name, minSize, maxSize, desiredSize }) => [name, minSize, maxSize, desiredSize]),
    ).toEqual([
      ['system', 2, 6, 6],
      ['compute', 0, 20, 0],
    ]);
    expect(specs[1]?.labels).toEqual(COMPUTE_POOL.labels);
  });

  it('refuses sizes for a pool the primary does not have, naming the pools it has', () => {
    expect(() => drNodeGroupSpecs([SYSTEM_POOL], JSON.stringify({ storage: 4 }))).toThrow(
      'DR_NODE_GROUP_SIZES names pools the primary does not have (storage); expected some of system',
    );
  });

  it('reads the DR site, with the region S3 unless an endpoint is configured', () => {
    const env = { DR_CLUSTER_NAME: 'c-dr', DR_REGION: 'eu-west-1', REPLICA_BUCKET_NAME: 'replica' };
    expect(drSiteFrom(env)).toEqual({ clusterName: 'c-dr', region: 'eu-west-1', replicaBucket: 'replica' });
    expect(drSiteFrom({ ...env, DR_OBJECT_STORE_ENDPOINT: 'http://127.0.0.1:9' }).objectStoreEndpoint).toBe(
      'http://127.0.0.1:9',
    );
  });
});
