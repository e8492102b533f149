import { type App, Stack } from 'aws-cdk-lib';
import { SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import type { ClusterNetworkReference } from '../../../infra/stacks/ops-network.ts';

/**
 * A stand-in for the ClusterStack's network (a VPC with private subnets behind NAT and a cluster
 * security group) in its own stack of the app, for tests that need the OpsStack's placement but
 * not an EKS cluster.
 */
export function clusterNetworkFixture(app: App, region: string): ClusterNetworkReference & { stack: Stack } {
  const stack = new Stack(app, 'ClusterNetworkFixture', { env: { region } });
  const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const clusterSecurityGroup = new SecurityGroup(stack, 'ClusterSecurityGroup', { vpc });
  return { stack, vpc, clusterSecurityGroup };
}
