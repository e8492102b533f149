import { describe, expect, it } from 'vitest';
import { cidrsOverlap } from '../../../infra/config/cluster-config.ts';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig, parseEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { captureError, productionWith, type RawSettings } from './raw-settings.ts';

/** The standby cluster's network (dr.network): its own block and drRegion's zones. */
function productionWithNetwork(network: RawSettings) {
  return () =>
    parseEnvironmentConfig(
      productionWith((raw) => {
        raw.dr.network = { ...raw.dr.network, ...network };
      }),
      'under test',
    );
}

describe('dr.network', () => {
  it.each(ENVIRONMENT_NAMES)('gives %s a DR block apart from its primary, in drRegion', (name) => {
    const config = loadEnvironmentConfig(name);
    expect(cidrsOverlap(config.dr.network.vpcCidr, config.cluster.vpcCidr)).toBe(false);
    expect(config.dr.network.availabilityZones.every((zone) => zone.startsWith(config.drRegion))).toBe(true);
  });

  it('stands by with one NAT gateway unless told otherwise; production keeps one per zone', () => {
    expect(loadEnvironmentConfig('staging').dr.network.natGateways).toBe(1);
    expect(loadEnvironmentConfig('production').dr.network.natGateways).toBe(3);
  });

  it('refuses a block that overlaps the primary, naming both', () => {
    expect(captureError(productionWithNetwork({ vpcCidr: '10.42.0.0/17' })).message).toContain(
      "dr.network.vpcCidr: dr.network.vpcCidr 10.42.0.0/17 overlaps the primary cluster's cluster.vpcCidr 10.42.0.0/16",
    );
    expect(productionWithNetwork({ vpcCidr: '10.0.0.0/16' })).not.toThrow();
  });

  it('refuses a block containing the primary', () => {
    expect(cidrsOverlap('10.42.0.0/16', '10.42.128.0/18')).toBe(true);
    expect(cidrsOverlap('10.42.128.0/18', '10.42.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.42.0.0/16', '10.43.0.0/16')).toBe(false);
  });

  it('refuses zones outside drRegion', () => {
    const zones = ['eu-west-1a', 'eu-central-1b', 'eu-west-1c'];
    expect(captureError(productionWithNetwork({ availabilityZones: zones })).message).toContain(
      'dr.network.availabilityZones: expected zones of drRegion eu-west-1; not in it: eu-central-1b',
    );
  });

  it('checks the block as the primary one is checked, and wants the network stated', () => {
    expect(captureError(productionWithNetwork({ vpcCidr: '10.52.0.0/20' })).message).toMatch(
      /dr\.network\.vpcCidr: expected a \/16 to \/18 block/,
    );
    expect(captureError(productionWithNetwork({ vpcCidr: '100.52.0.0/16' })).message).toMatch(
      /dr\.network\.vpcCidr: expected a private \(RFC 1918\) range/,
    );
    const missing = () =>
      parseEnvironmentConfig(
        productionWith((raw) => {
          delete raw.dr.network;
        }),
        'under test',
      );
    expect(captureError(missing).message).toMatch(/dr\.network/);
  });
});
