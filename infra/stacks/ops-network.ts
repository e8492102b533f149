import { Lazy } from 'aws-cdk-lib';
import {
  type ISecurityGroup,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { EnvironmentSchema, OpsFunctionNetwork } from '../constructs/ops-function.ts';

/**
 * What an ops function talks to besides the AWS APIs. All live in the cluster's VPC: the EKS API's
 * private endpoint, and MinIO's S3 API, Prefect's REST API and the monitoring APIs (Alertmanager's
 * silences, Prometheus's queries: remediation) behind the cluster's ingress gateway. PostgreSQL is
 * not among them: the functions dump and restore it through Jobs on the cluster (the Kubernetes
 * API), never over its own port.
 */
export const PLATFORM_ENDPOINTS = [
  'kubernetes-api',
  'minio-s3',
  'prefect-api',
  'alertmanager-api',
  'prometheus-api',
] as const;
export type PlatformEndpoint = (typeof PLATFORM_ENDPOINTS)[number];

/** Endpoints the functions reach at a configured URL (the Kubernetes API's comes from DescribeCluster). */
type UrlEndpoint = Exclude<PlatformEndpoint, 'kubernetes-api'>;

/**
 * The environment variable a function finds each endpoint by. A function that reaches an endpoint
 * must have its variable; MinIO's and Prefect's variables mean the function reaches them. Not so
 * CLUSTER_NAME: functions that call only the EKS API (node groups, DescribeCluster) name the
 * cluster too, so for the Kubernetes API the declaration alone decides (test/infra checks every
 * declaration against the modules the handler imports).
 */
const LOCATED_BY: Record<PlatformEndpoint, { variables: readonly string[]; meansReached: boolean }> = {
  // The DR control plane's functions find the DR side's cluster and Prefect by their DR_ names
  // (docs/dr.md): in the DR stack, the network is the DR cluster's VPC.
  'kubernetes-api': { variables: ['CLUSTER_NAME', 'DR_CLUSTER_NAME'], meansReached: false },
  'minio-s3': { variables: ['MINIO_ENDPOINT'], meansReached: true },
  'prefect-api': { variables: ['PREFECT_API_URL', 'DR_PREFECT_API_URL'], meansReached: true },
  'alertmanager-api': { variables: ['ALERTMANAGER_URL'], meansReached: true },
  'prometheus-api': { variables: ['PROMETHEUS_URL'], meansReached: true },
};

const ENDPOINT_LABELS: Record<UrlEndpoint, string> = {
  'minio-s3': 'MinIO S3 API',
  'prefect-api': 'Prefect API',
  'alertmanager-api': 'Alertmanager API',
  'prometheus-api': 'Prometheus API',
};

/** What the OpsStack takes from the ClusterStack (same region: cross-stack references). */
export interface ClusterNetworkReference {
  readonly vpc: IVpc;
  /** EKS's cluster security group: on the control plane's interfaces behind the private endpoint. */
  readonly clusterSecurityGroup: ISecurityGroup;
}

export interface OpsNetworkProps extends ClusterNetworkReference {
  /** Private subnets with a route out through NAT, where the functions' interfaces go. */
  readonly subnets: SubnetSelection;
  /**
   * Where MinIO, Prefect and the monitoring APIs are reached (infra/config); their ports are opened
   * in the VPC. A network may lack some (the DR side has no MinIO): declaring one of those fails.
   */
  readonly urls: Readonly<Partial<Record<UrlEndpoint, string>>>;
}

/** One function's declaration of what it reaches, with what identifies it in errors. */
export interface ReachDeclaration {
  readonly functionName: string;
  readonly environmentSchema: EnvironmentSchema;
  readonly reaches: readonly PlatformEndpoint[];
}

/**
 * The network placement of the ops functions. A function that reaches a platform endpoint runs in
 * the cluster's private subnets with one shared security group whose egress is exactly what the
 * placed functions declared (each endpoint opened on its first declaration), plus HTTPS out for the
 * AWS APIs. A function that reaches none stays out of the VPC: no network interface to create, no
 * subnet addresses used, no NAT in its path.
 */
export class OpsNetwork extends Construct {
  readonly securityGroup: SecurityGroup;
  private readonly opened = new Set<PlatformEndpoint>();
  /** The URL endpoints opened on each port: one rule per port names them all. */
  private readonly endpointsByPort = new Map<number, string[]>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: OpsNetworkProps,
  ) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: props.vpc,
      // Unchanged since the monitoring APIs joined: a new description would replace the group under the functions.
      description: 'lakehouse-ops functions that reach the Kubernetes API, MinIO or Prefect',
      allowAllOutbound: false,
    });
    // The AWS APIs the placed functions call (EKS DescribeCluster, Secrets Manager, S3 in the DR
    // region, AWS Backup, X-Ray) go out through the VPC's NAT gateways; same-region S3 takes the
    // VPC's gateway endpoint. No interface endpoints: the cross-region S3 traffic needs NAT anyway,
    // and a handful of control-plane calls per run do not pay for one endpoint per service and zone.
    this.securityGroup.addEgressRule(
      Peer.anyIpv4(),
      Port.tcp(443),
      'AWS APIs through the NAT gateways and the S3 gateway endpoint',
    );
  }

  /**
   * The placement of a function that reaches these endpoints, or undefined for one that reaches
   * none. Refuses a declaration that its environment schema contradicts.
   */
  placementFor(declaration: ReachDeclaration): OpsFunctionNetwork | undefined {
    checkReachDeclaration(declaration);
    if (declaration.reaches.length === 0) return undefined;
    for (const endpoint of declaration.reaches) this.open(endpoint);
    return { vpc: this.props.vpc, subnets: this.props.subnets, securityGroups: [this.securityGroup] };
  }

  private open(endpoint: PlatformEndpoint): void {
    if (this.opened.has(endpoint)) return;
    this.opened.add(endpoint);
    if (endpoint === 'kubernetes-api') {
      // Egress here and, in the same call, ingress on the cluster security group from this group
      // (created in this stack: the ClusterStack stays unaware of its clients).
      this.securityGroup.connections.allowTo(
        this.props.clusterSecurityGroup,
        Port.tcp(443),
        'Kubernetes API private endpoint',
      );
      return;
    }
    // Kept although the AWS rule also opens 443: it states the dependency, survives that rule
    // being narrowed, and is the only rule when an endpoint listens on another port.
    const url = this.props.urls[endpoint];
    if (url === undefined) {
      throw new Error(
        `a function reaches ${endpoint}, which this network does not have (its URLs: ${Object.keys(this.props.urls).join(', ') || 'none'})`,
      );
    }
    const port = portOf(endpoint, url);
    const label = `${ENDPOINT_LABELS[endpoint]} (${new URL(url).host})`;
    const sharing = this.endpointsByPort.get(port);
    if (sharing) {
      sharing.push(label);
      return;
    }
    const labels = [label];
    this.endpointsByPort.set(port, labels);
    this.securityGroup.addEgressRule(
      Peer.ipv4(this.props.vpc.vpcCidrBlock),
      Port.tcp(port),
      Lazy.string({ produce: () => `${labels.join(', ')} inside the VPC` }),
    );
  }
}

/** The declared endpoints against the environment schema; throws naming the function and the fix. */
export function checkReachDeclaration({ functionName, environmentSchema, reaches }: ReachDeclaration): void {
  const variables = new Set(Object.keys(environmentSchema._zod.def.shape));
  for (const endpoint of PLATFORM_ENDPOINTS) {
    const located = LOCATED_BY[endpoint];
    const found = located.variables.find((variable) => variables.has(variable));
    const declared = reaches.includes(endpoint);
    if (declared && !found) {
      throw new Error(
        `${functionName} declares that it reaches ${endpoint}, but its environment schema has no ${located.variables.join(' or ')} to find it by`,
      );
    }
    if (!declared && located.meansReached && found) {
      throw new Error(
        `${functionName} has ${found} in its environment schema but does not declare "${endpoint}" in reaches: it would be left outside the cluster VPC`,
      );
    }
  }
}

/** The TCP port of an endpoint URL: its own, else the scheme's default. */
export function portOf(endpoint: PlatformEndpoint, url: string): number {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${endpoint} URL "${url}" is not a URL (expected http(s)://host[:port][/path])`);
  }
  if (parsed.port !== '') return Number(parsed.port);
  if (parsed.protocol === 'https:') return 443;
  if (parsed.protocol === 'http:') return 80;
  throw new Error(`${endpoint} URL "${url}": expected an http or https URL, got ${parsed.protocol}`);
}
