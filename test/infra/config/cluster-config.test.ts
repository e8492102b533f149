import { describe, expect, it } from 'vitest';
import {
  isArmInstanceType,
  isStorageOptimisedInstanceType,
  MIN_COMPUTE_INSTANCE_TYPES,
  parseIpv4Cidr,
} from '../../../infra/config/cluster-config.ts';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { loadEnvironmentConfig, parseEnvironmentConfig } from '../../../infra/config/load-config.ts';
import { captureError, productionWith, type RawSettings } from './raw-settings.ts';

function parseProductionWith(change: (raw: RawSettings) => void) {
  return () => parseEnvironmentConfig(productionWith(change), 'under test');
}

describe('clusterConfigSchema', () => {
  it.each(ENVIRONMENT_NAMES)('gives %s three zones of its region and a spot pool of 6+ types', (name) => {
    const config = loadEnvironmentConfig(name);
    expect(config.cluster.availabilityZones).toHaveLength(3);
    for (const zone of config.cluster.availabilityZones) expect(zone.slice(0, -1)).toBe(config.region);
    expect(config.cluster.nodeGroups.compute.instanceTypes.length).toBeGreaterThanOrEqual(
      MIN_COMPUTE_INSTANCE_TYPES,
    );
    expect(config.cluster.nodeGroups.storage.instanceTypes.every(isStorageOptimisedInstanceType)).toBe(true);
  });

  it('defaults to a private-only endpoint, no admin roles and 50 GiB root volumes', () => {
    const { cluster } = loadEnvironmentConfig('staging');
    expect(cluster.publicEndpointCidrs).toEqual([]);
    expect(cluster.adminRoleArns).toEqual([]);
    expect(cluster.nodeGroups.system.diskSizeGiB).toBe(50);
  });

  it('rejects a spot pool with fewer than 6 instance types by its path', () => {
    const parse = parseProductionWith((raw) => {
      raw.cluster.nodeGroups.compute.instanceTypes = ['m5.large', 'm6i.large'];
    });
    expect(parse).toThrow(/cluster\.nodeGroups\.compute\.instanceTypes: expected at least 6 instance types/);
  });

  it('rejects a storage pool of general-purpose instances', () => {
    const parse = parseProductionWith((raw) => {
      raw.cluster.nodeGroups.storage.instanceTypes = ['i4i.2xlarge', 'm5.2xlarge'];
    });
    expect(parse).toThrow(
      /cluster\.nodeGroups\.storage\.instanceTypes: .*not storage-optimised: m5\.2xlarge/,
    );
  });

  it('rejects Graviton instance types, which the x86_64 AMI cannot boot', () => {
    const parse = parseProductionWith((raw) => {
      raw.cluster.nodeGroups.system.instanceTypes = ['m7g.xlarge'];
    });
    expect(parse).toThrow(/cluster\.nodeGroups\.system\.instanceTypes: expected x86_64 .*m7g\.xlarge/);
  });

  it('rejects fewer storage nodes than MinIO replicas, naming the layout setting', () => {
    const parse = parseProductionWith((raw) => {
      raw.cluster.nodeGroups.storage.minSize = 3;
    });
    expect(parse).toThrow(/cluster\.nodeGroups\.storage\.minSize: expected at least 4: MinIO/);
  });

  it('follows a layout override when checking the system pool against the Prefect server', () => {
    const parse = parseProductionWith((raw) => {
      raw.platformLayout = { prefect: { serverReplicas: 5 } };
    });
    expect(parse).toThrow(/cluster\.nodeGroups\.system\.minSize: expected at least 5: the Prefect server/);
  });

  it('rejects a desired size outside the group limits', () => {
    const parse = parseProductionWith((raw) => {
      raw.cluster.nodeGroups.compute.desiredSize = 50;
    });
    expect(parse).toThrow(/cluster\.nodeGroups\.compute\.desiredSize: desiredSize must lie between/);
  });

  it('rejects zones of another region', () => {
    const parse = parseProductionWith((raw) => {
      raw.cluster.availabilityZones = ['eu-central-1a', 'eu-central-1b', 'eu-west-1c'];
    });
    expect(parse).toThrow(
      /cluster\.availabilityZones: expected zones of region eu-central-1; not in it: eu-west-1c/,
    );
  });

  it('rejects two zones or a repeated zone', () => {
    const twoZones = captureError(
      parseProductionWith((raw) => {
        raw.cluster.availabilityZones = ['eu-central-1a', 'eu-central-1b'];
      }),
    );
    expect(twoZones.message).toContain('cluster.availabilityZones: expected exactly 3 availability zones');
    const repeated = parseProductionWith((raw) => {
      raw.cluster.availabilityZones = ['eu-central-1a', 'eu-central-1a', 'eu-central-1b'];
    });
    expect(repeated).toThrow(/expected three different availability zones/);
  });

  it.each([
    ['10.42.0.1/16', /no host bits set/],
    ['10.42.0.0/20', /expected a \/16 to \/18 block/],
    ['52.0.0.0/16', /expected a private \(RFC 1918\) range/],
    ['10.300.0.0/16', /expected an IPv4 CIDR block/],
  ])('rejects the VPC CIDR %s', (cidr, message) => {
    const parse = parseProductionWith((raw) => {
      raw.cluster.vpcCidr = cidr;
    });
    const error = captureError(parse);
    expect(error.message).toContain('cluster.vpcCidr');
    expect(error.message).toMatch(message);
  });

  it('refuses a public endpoint open to the whole internet', () => {
    const parse = parseProductionWith((raw) => {
      raw.cluster.publicEndpointCidrs = ['203.0.113.0/24', '0.0.0.0/0'];
    });
    expect(parse).toThrow(/cluster\.publicEndpointCidrs\.1: expected a restricted IPv4 CIDR block/);
  });

  it('refuses a Kubernetes version older than the manifests support', () => {
    const parse = parseProductionWith((raw) => {
      raw.cluster.kubernetesVersion = '1.29';
    });
    expect(parse).toThrow(/cluster\.kubernetesVersion: expected Kubernetes 1\.31 or newer/);
  });

  it('refuses an admin principal that is not a role ARN', () => {
    const parse = parseProductionWith((raw) => {
      raw.cluster.adminRoleArns = ['arn:aws:iam::123456789012:user/alice'];
    });
    expect(parse).toThrow(/cluster\.adminRoleArns\.0: expected an IAM role ARN/);
  });
});

describe('parseIpv4Cidr', () => {
  it('reads the address and prefix of a well-formed block', () => {
    expect(parseIpv4Cidr('10.1.0.0/16')).toEqual({ address: 10 * 2 ** 24 + 2 ** 16, prefix: 16 });
  });

  it.each(['10.1.0.0', '256.0.0.0/8', '10.0.0.0/33', 'ten/8'])('returns undefined for %s', (text) => {
    expect(parseIpv4Cidr(text)).toBeUndefined();
  });
});

describe('instance type families', () => {
  it.each([
    ['m7g.xlarge', true],
    ['c6gn.large', true],
    ['im4gn.large', true],
    ['m5n.large', false],
    ['g5.xlarge', false],
    ['m7i-flex.large', false],
  ])('treats %s as Graviton: %s', (type, arm) => {
    expect(isArmInstanceType(type)).toBe(arm);
  });

  it.each([
    ['i4i.xlarge', true],
    ['i3en.2xlarge', true],
    ['d3.xlarge', true],
    ['inf2.xlarge', false],
    ['m5.xlarge', false],
  ])('treats %s as storage-optimised: %s', (type, storage) => {
    expect(isStorageOptimisedInstanceType(type)).toBe(storage);
  });
});
