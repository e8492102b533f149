import type { Nodegroup } from '@aws-sdk/client-eks';
import { describe, expect, it } from 'vitest';
import { createNodegroupInput, troubleOf } from '../../../../../functions/core/cost/spot/node-groups.ts';
import { SPOT_TYPES } from './spot-cluster.ts';

const source: Nodegroup = {
  nodegroupName: 'compute',
  capacityType: 'ON_DEMAND',
  instanceTypes: ['m6i.xlarge'],
  scalingConfig: { minSize: 1, maxSize: 8, desiredSize: 3 },
  subnets: ['subnet-a', 'subnet-b', 'subnet-c'],
  nodeRole: 'arn:aws:iam::123456789012:role/lakehouse-node',
  amiType: 'AL2023_x86_64_STANDARD',
  version: '1.31',
  labels: { 'lakehouse-ops.io/pool': 'compute' },
  taints: [{ key: 'dedicated', value: 'compute', effect: 'NO_SCHEDULE' }],
  tags: { 'lakehouse-ops:environment': 'production' },
  updateConfig: { maxUnavailable: 1 },
  launchTemplate: { id: 'lt-0123', name: 'lakehouse-compute', version: '4' },
};
const group = {
  name: 'compute-spot',
  capacityType: 'SPOT',
  instanceTypes: SPOT_TYPES,
  requestToken: 'token-1',
} as const;

describe('createNodegroupInput', () => {
  it('copies everything of the old group but its name, capacity and types, launch template included', () => {
    expect(createNodegroupInput('lakehouse', source, group)).toEqual({
      clusterName: 'lakehouse',
      nodegroupName: 'compute-spot',
      capacityType: 'SPOT',
      instanceTypes: SPOT_TYPES,
      scalingConfig: { minSize: 1, maxSize: 8, desiredSize: 3 },
      subnets: source.subnets,
      nodeRole: source.nodeRole,
      labels: source.labels,
      taints: source.taints,
      tags: source.tags,
      updateConfig: { maxUnavailable: 1 },
      amiType: 'AL2023_x86_64_STANDARD',
      version: '1.31',
      launchTemplate: { id: 'lt-0123', version: '4' },
      clientRequestToken: 'token-1',
    });
  });

  it('leaves AMI type and version to a launch template with its own AMI, and copies the disk without a template', () => {
    const custom = createNodegroupInput('lakehouse', { ...source, amiType: 'CUSTOM' }, group);
    const plain = createNodegroupInput(
      'lakehouse',
      { ...source, launchTemplate: undefined, diskSize: 50 },
      group,
    );

    expect(custom).not.toHaveProperty('amiType');
    expect(custom).not.toHaveProperty('version');
    expect(plain).toMatchObject({ diskSize: 50, amiType: 'AL2023_x86_64_STANDARD' });
    expect(plain).not.toHaveProperty('launchTemplate');
  });
});

describe('troubleOf', () => {
  it('describes a group in one of the given states with its health issues, and nothing otherwise', () => {
    const degraded: Nodegroup = {
      nodegroupName: 'compute-spot',
      status: 'DEGRADED',
      health: { issues: [{ code: 'AsgInstanceLaunchFailures', message: 'no spot capacity' }] },
    };

    expect(troubleOf(degraded, ['DEGRADED'])?.description).toBe(
      'compute-spot is DEGRADED: AsgInstanceLaunchFailures: no spot capacity',
    );
    expect(troubleOf(degraded, ['DELETE_FAILED'])).toBeUndefined();
  });
});
