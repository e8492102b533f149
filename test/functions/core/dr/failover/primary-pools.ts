import { type NodeGroupSpec, nodeGroupSpecsFrom } from '../../../../../functions/core/provision/settings.ts';

/** The primary's pools as infra writes PROVISION_NODE_GROUPS: the sizes the DR cluster must reach. */
export const PRIMARY_POOLS_VARIABLE = JSON.stringify([
  {
    name: 'system',
    instanceTypes: ['m6i.large'],
    capacityType: 'ON_DEMAND',
    minSize: 2,
    maxSize: 4,
    desiredSize: 3,
  },
  {
    name: 'compute',
    instanceTypes: ['c6i.2xlarge'],
    capacityType: 'ON_DEMAND',
    minSize: 1,
    maxSize: 20,
    desiredSize: 6,
    labels: { 'lakehouse.io/pool': 'compute' },
  },
]);

export const [SYSTEM_POOL, COMPUTE_POOL] = nodeGroupSpecsFrom(PRIMARY_POOLS_VARIABLE) as [
  NodeGroupSpec,
  NodeGroupSpec,
];
