import { describe, expect, it } from 'vitest';
import { defaultPlatformLayout } from '../../../../functions/core/platform/layout.ts';
import {
  clusterEnvironmentFrom,
  nodeGroupSpecsFrom,
  provisionEnvironmentVariable,
} from '../../../../functions/core/provision/settings.ts';
import { DEVELOPMENT } from './provision-cluster.ts';

describe('provision settings', () => {
  it('carries the manifests environment through PROVISION_ENVIRONMENT, cluster name and layout set apart', () => {
    const variable = provisionEnvironmentVariable(DEVELOPMENT);

    expect(JSON.parse(variable)).not.toHaveProperty('clusterName');
    expect(JSON.parse(variable)).not.toHaveProperty('layout');
    expect(clusterEnvironmentFrom(variable, DEVELOPMENT.clusterName, defaultPlatformLayout)).toEqual(
      DEVELOPMENT,
    );
  });

  it('names what is wrong with a broken PROVISION_ENVIRONMENT', () => {
    expect(() => clusterEnvironmentFrom('{', 'c', defaultPlatformLayout)).toThrow(
      /PROVISION_ENVIRONMENT is not valid JSON/,
    );
    expect(() => clusterEnvironmentFrom('{"name":"qa"}', 'c', defaultPlatformLayout)).toThrow(
      /PROVISION_ENVIRONMENT is invalid: name: .*"development"/,
    );
  });

  it('parses node groups, defaulting labels and taints', () => {
    const groups = nodeGroupSpecsFrom(
      JSON.stringify([
        {
          name: 'system',
          instanceTypes: ['m6i.large'],
          capacityType: 'ON_DEMAND',
          minSize: 3,
          maxSize: 6,
          desiredSize: 3,
        },
      ]),
    );
    expect(groups).toEqual([
      {
        name: 'system',
        instanceTypes: ['m6i.large'],
        capacityType: 'ON_DEMAND',
        minSize: 3,
        maxSize: 6,
        desiredSize: 3,
        labels: {},
        taints: [],
      },
    ]);
  });

  it('refuses node group sizes out of order and repeated names', () => {
    const group = {
      name: 'a',
      instanceTypes: ['m6i.large'],
      capacityType: 'SPOT',
      minSize: 2,
      maxSize: 3,
      desiredSize: 5,
    };
    expect(() => nodeGroupSpecsFrom(JSON.stringify([group]))).toThrow(/minSize <= desiredSize <= maxSize/);
    expect(() =>
      nodeGroupSpecsFrom(
        JSON.stringify([
          { ...group, desiredSize: 2 },
          { ...group, desiredSize: 2 },
        ]),
      ),
    ).toThrow(/node group names must be unique/);
  });
});
