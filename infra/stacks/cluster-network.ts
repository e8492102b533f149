import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  IpAddresses,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type ClusterConfig, parseIpv4Cidr } from '../config/cluster-config.ts';

/** Nodes and the control plane's network interfaces; pods take their addresses from these too. */
export const NODE_SUBNETS = { subnetType: SubnetType.PRIVATE_WITH_EGRESS } as const;

/** A /16 gives each zone a /19 for nodes and pods (8190 addresses) and a /24 for NAT and load balancers. */
const NODE_SUBNET_EXTRA_BITS = 3;
const PUBLIC_SUBNET_EXTRA_BITS = 8;

export interface ClusterNetworkProps {
  readonly cluster: ClusterConfig;
  /** Encrypts the flow log group. */
  readonly logKey: IKey;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/**
 * The cluster's VPC across the configured three zones: private subnets (with egress through NAT)
 * for nodes and pods, small public subnets only for the NAT gateways and internet-facing load
 * balancers, a free S3 gateway endpoint (backup and s5cmd traffic stays off NAT), and flow logs of
 * all traffic to an encrypted CloudWatch log group.
 */
export class ClusterNetwork extends Construct {
  readonly vpc: Vpc;
  readonly flowLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ClusterNetworkProps) {
    super(scope, id);
    const { cluster } = props;
    const vpcPrefix = parseIpv4Cidr(cluster.vpcCidr)?.prefix;
    if (vpcPrefix === undefined)
      throw new Error(`cluster.vpcCidr "${cluster.vpcCidr}" is not an IPv4 CIDR block`);

    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(cluster.vpcCidr),
      // Named zones, not maxAzs: an environment-agnostic synth would otherwise get only two.
      availabilityZones: cluster.availabilityZones,
      natGateways: cluster.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: vpcPrefix + PUBLIC_SUBNET_EXTRA_BITS },
        { name: 'nodes', subnetType: NODE_SUBNETS.subnetType, cidrMask: vpcPrefix + NODE_SUBNET_EXTRA_BITS },
      ],
      gatewayEndpoints: { S3: { service: GatewayVpcEndpointAwsService.S3 } },
    });

    this.flowLogGroup = new LogGroup(this, 'FlowLogGroup', {
      encryptionKey: props.logKey,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: FlowLogTrafficType.ALL,
    });
  }
}
