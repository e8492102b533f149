import { describe, expect, it } from 'vitest';
import { DEFAULT_REPOSITORY_PREFIXES } from '../../../../../functions/core/dr/failover/gates/image-references.ts';
import {
  neededPoolsFrom,
  repositoryPrefixesFrom,
} from '../../../../../functions/core/dr/failover/settings.ts';
import { COMPUTE_POOL, SYSTEM_POOL } from './primary-pools.ts';

const primaryPools = [SYSTEM_POOL, COMPUTE_POOL];

describe('failover gate settings', () => {
  it("needs the primary's desired sizes unless DR_NODE_GROUP_SIZES says otherwise", () => {
    expect(neededPoolsFrom(primaryPools).map(({ spec, size }) => [spec.name, size])).toEqual([
      ['system', 3],
      ['compute', 6],
    ]);
    expect(
      neededPoolsFrom(primaryPools, '{"compute": 2}').map(({ spec, size }) => [spec.name, size]),
    ).toEqual([
      ['system', 3],
      ['compute', 2],
    ]);
  });

  it('refuses DR_NODE_GROUP_SIZES naming a pool the primary does not have', () => {
    expect(() => neededPoolsFrom(primaryPools, '{"gpu": 2}')).toThrow(
      'DR_NODE_GROUP_SIZES names pools the primary does not have (gpu); expected some of system, compute',
    );
    expect(() => neededPoolsFrom(primaryPools, '{"compute": -1}')).toThrow('DR_NODE_GROUP_SIZES is invalid');
  });

  it('lays DR_IMAGE_REPOSITORY_PREFIXES over the default pull-through prefixes', () => {
    expect(repositoryPrefixesFrom()).toBe(DEFAULT_REPOSITORY_PREFIXES);
    expect(repositoryPrefixesFrom('{"quay.io": "mirror/quay"}')).toMatchObject({
      'quay.io': 'mirror/quay',
      'docker.io': 'docker-hub',
    });
    expect(() => repositoryPrefixesFrom('{"quay.io": "Quay"}')).toThrow('expected an ECR repository prefix');
  });
});
