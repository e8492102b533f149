import { randomUUID } from 'node:crypto';
import {
  AwsServiceError,
  epochSeconds,
  jsonResponse,
  parseJsonBody,
  type SimRequest,
  type SimResponse,
} from './http.ts';

/**
 * The EKS control plane (REST-JSON protocol) for the clusters and managed node groups the checks
 * read, the scaling workflows change and provision creates (CreateNodegroup: the new group reports
 * CREATING on its first DescribeNodegroup, then ACTIVE; its Nodes join through the scaler; DeleteNodegroup:
 * the group reports DELETING once, then is gone, its Nodes leaving through the scaler). Node groups are seeded configuration; their Nodes live in
 * kube-sim, reached through a NodeGroupScaler so this module stays independent of the Kubernetes side.
 */

export type CapacityType = 'ON_DEMAND' | 'SPOT';
export type TaintEffect = 'NO_SCHEDULE' | 'NO_EXECUTE' | 'PREFER_NO_SCHEDULE';

export interface NodeGroupConfig {
  readonly name: string;
  readonly instanceTypes: readonly string[];
  readonly capacityType: CapacityType;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredSize: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly { key: string; value?: string; effect: TaintEffect }[];
}

export interface EksClusterConfig {
  readonly name: string;
  readonly version: string;
  /** The Kubernetes API URL that DescribeCluster hands out (kube-sim). */
  readonly endpoint: string;
  readonly nodeGroups: readonly NodeGroupConfig[];
}

export interface NodeGroupHealthIssue {
  readonly code: string;
  readonly message: string;
  readonly resourceIds?: readonly string[];
}

/** Makes the cluster's Nodes follow a node group's desired size, as the Auto Scaling group would. */
export interface NodeGroupScaler {
  scale(clusterName: string, nodeGroup: NodeGroupConfig, desiredSize: number): Promise<void>;
}

interface NodeGroupState {
  config: NodeGroupConfig;
  createdAt: Date;
  modifiedAt: Date;
  healthIssues: NodeGroupHealthIssue[];
  /** Set for groups created through the API: what CreateNodegroup was given. */
  placement?: {
    subnets: string[];
    nodeRole: string;
    amiType?: string;
    launchTemplate?: { id?: string; name?: string; version?: string };
    tags?: Record<string, string>;
  };
  /** DescribeNodegroup answers CREATING this many more times, as EKS does while instances launch. */
  creatingDescribes: number;
  /** Set once DeleteNodegroup was called: DescribeNodegroup answers DELETING this many more times, then the group is gone. */
  deletingDescribes?: number;
}

/** How many DescribeNodegroup calls a new group stays CREATING: a waiter must look twice. */
const CREATING_DESCRIBES = 1;
/** How many DescribeNodegroup calls a deleted group stays DELETING before it is gone. */
const DELETING_DESCRIBES = 1;

interface ClusterState {
  config: EksClusterConfig;
  createdAt: Date;
  nodeGroups: Map<string, NodeGroupState>;
  updates: Map<string, Record<string, unknown>>;
}

// A syntactically valid PEM block: the local Kubernetes API is plain HTTP, so nothing verifies it.
const PLACEHOLDER_CA_PEM = [
  '-----BEGIN CERTIFICATE-----',
  Buffer.from('lakehouse-ops local cluster: plain HTTP, no certificate authority').toString('base64'),
  '-----END CERTIFICATE-----',
  '',
].join('\n');

const LIST_PAGE_SIZE_MAX = 100;

export class EksSimulator {
  private readonly clusters = new Map<string, ClusterState>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    clusters: readonly EksClusterConfig[],
    private readonly scaler?: NodeGroupScaler,
  ) {
    const now = new Date();
    for (const config of clusters) {
      const nodeGroups = new Map<string, NodeGroupState>();
      for (const nodeGroup of config.nodeGroups) {
        assertScalingWithinBounds(nodeGroup.minSize, nodeGroup.maxSize, nodeGroup.desiredSize);
        nodeGroups.set(nodeGroup.name, {
          config: nodeGroup,
          createdAt: now,
          modifiedAt: now,
          healthIssues: [],
          creatingDescribes: 0,
        });
      }
      this.clusters.set(config.name, { config, createdAt: now, nodeGroups, updates: new Map() });
    }
  }

  handles(request: SimRequest): boolean {
    return request.path === '/clusters' || request.path.startsWith('/clusters/');
  }

  async handle(request: SimRequest): Promise<SimResponse> {
    const segments = request.path.split('/').filter((segment) => segment !== '');
    const [, clusterName, collection, item, action] = segments;
    const route = `${request.method} ${segments.length}${collection ? `:${collection}` : ''}${action ? `:${action}` : ''}`;
    switch (route) {
      case 'GET 1':
        return jsonResponse(200, { clusters: [...this.clusters.keys()] });
      case 'GET 2':
        return jsonResponse(200, { cluster: this.describeCluster(this.cluster(clusterName!)) });
      case 'POST 3:node-groups':
        return jsonResponse(200, {
          nodegroup: await this.createNodegroup(this.cluster(clusterName!), parseJsonBody(request)),
        });
      case 'GET 3:node-groups':
        return jsonResponse(200, this.listNodegroups(this.cluster(clusterName!), request.query));
      case 'GET 4:node-groups':
        return jsonResponse(200, { nodegroup: this.describeNodegroup(this.cluster(clusterName!), item!) });
      case 'DELETE 4:node-groups':
        return jsonResponse(200, {
          nodegroup: await this.deleteNodegroup(this.cluster(clusterName!), item!),
        });
      case 'POST 5:node-groups:update-config':
        return jsonResponse(200, {
          update: await this.updateNodegroupConfig(this.cluster(clusterName!), item!, parseJsonBody(request)),
        });
      case 'GET 4:updates':
        return jsonResponse(200, { update: this.describeUpdate(this.cluster(clusterName!), item!) });
      default:
        throw new AwsServiceError(
          'InvalidRequestException',
          `aws-sim EKS does not implement ${request.method} ${request.path}`,
          400,
        );
    }
  }

  /**
   * Deletes a node group out of band (as someone did in the console): its Nodes leave the
   * cluster through the scaler, and ListNodegroups no longer names it.
   */
  async removeNodeGroup(clusterName: string, nodeGroupName: string): Promise<void> {
    const cluster = this.cluster(clusterName);
    const state = this.nodeGroup(cluster, nodeGroupName);
    await this.scaler?.scale(cluster.config.name, state.config, 0);
    cluster.nodeGroups.delete(nodeGroupName);
  }

  /** Reports a node group problem in DescribeNodegroup's health.issues until cleared. */
  setHealthIssues(clusterName: string, nodeGroupName: string, issues: readonly NodeGroupHealthIssue[]): void {
    this.nodeGroup(this.cluster(clusterName), nodeGroupName).healthIssues = [...issues];
  }

  private cluster(name: string): ClusterState {
    const cluster = this.clusters.get(name);
    if (!cluster)
      throw new AwsServiceError('ResourceNotFoundException', `No cluster found for name: ${name}.`, 404);
    return cluster;
  }

  private nodeGroup(cluster: ClusterState, name: string): NodeGroupState {
    const nodeGroup = cluster.nodeGroups.get(name);
    if (!nodeGroup) {
      throw new AwsServiceError('ResourceNotFoundException', `No node group found for name: ${name}.`, 404);
    }
    return nodeGroup;
  }

  private arn(resource: string): string {
    return `arn:aws:eks:${this.region}:${this.accountId}:${resource}`;
  }

  private describeCluster(cluster: ClusterState): Record<string, unknown> {
    const { name, version, endpoint } = cluster.config;
    return {
      name,
      arn: this.arn(`cluster/${name}`),
      createdAt: epochSeconds(cluster.createdAt),
      version,
      endpoint,
      roleArn: `arn:aws:iam::${this.accountId}:role/${name}-cluster`,
      status: 'ACTIVE',
      certificateAuthority: { data: Buffer.from(PLACEHOLDER_CA_PEM).toString('base64') },
      platformVersion: 'eks.1',
      kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/16', ipFamily: 'ipv4' },
      accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
      health: { issues: [] },
      tags: {},
    };
  }

  private listNodegroups(cluster: ClusterState, query: URLSearchParams): Record<string, unknown> {
    const names = [...cluster.nodeGroups.keys()];
    const maxResults = Math.min(Number(query.get('maxResults') ?? LIST_PAGE_SIZE_MAX), LIST_PAGE_SIZE_MAX);
    const start = decodeNextToken(query.get('nextToken'), names.length);
    const page = names.slice(start, start + maxResults);
    const next = start + page.length;
    return next < names.length
      ? { nodegroups: page, nextToken: encodeNextToken(next) }
      : { nodegroups: page };
  }

  /** CreateNodegroup: the group's Nodes join at once (through the scaler); it reports CREATING briefly. */
  private async createNodegroup(
    cluster: ClusterState,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const name = requiredString(body, 'nodegroupName');
    if (cluster.nodeGroups.has(name)) {
      throw new AwsServiceError(
        'ResourceInUseException',
        `NodeGroup already exists with name ${name} and cluster name ${cluster.config.name}`,
        409,
      );
    }
    const subnets = body.subnets;
    if (
      !Array.isArray(subnets) ||
      subnets.length === 0 ||
      !subnets.every((subnet) => typeof subnet === 'string')
    ) {
      throw new AwsServiceError(
        'InvalidParameterException',
        'subnets is required: at least one subnet id',
        400,
      );
    }
    const nodeRole = requiredString(body, 'nodeRole');
    const scaling = parseScalingConfig(body.scalingConfig) ?? {};
    const minSize = scaling.minSize ?? 1;
    const maxSize = scaling.maxSize ?? 2;
    const desiredSize = scaling.desiredSize ?? minSize;
    assertScalingWithinBounds(minSize, maxSize, desiredSize);
    const instanceTypes = Array.isArray(body.instanceTypes) ? body.instanceTypes.map(String) : ['t3.medium'];
    const capacityType = body.capacityType ?? 'ON_DEMAND';
    if (capacityType !== 'ON_DEMAND' && capacityType !== 'SPOT') {
      throw new AwsServiceError(
        'InvalidParameterException',
        `capacityType must be ON_DEMAND or SPOT, not ${String(capacityType)}`,
        400,
      );
    }
    const config: NodeGroupConfig = {
      name,
      instanceTypes,
      capacityType,
      minSize,
      maxSize,
      desiredSize,
      labels: (body.labels ?? {}) as Record<string, string>,
      taints: (body.taints ?? []) as NodeGroupConfig['taints'],
    };
    await this.scaler?.scale(cluster.config.name, config, desiredSize);
    const now = new Date();
    cluster.nodeGroups.set(name, {
      config,
      createdAt: now,
      modifiedAt: now,
      healthIssues: [],
      placement: {
        subnets: subnets as string[],
        nodeRole,
        ...(typeof body.amiType === 'string' ? { amiType: body.amiType } : {}),
        ...(isObject(body.launchTemplate) ? { launchTemplate: launchTemplateOf(body.launchTemplate) } : {}),
        ...(isObject(body.tags) ? { tags: body.tags as Record<string, string> } : {}),
      },
      creatingDescribes: CREATING_DESCRIBES + 1,
    });
    return this.describeNodegroup(cluster, name);
  }

  private describeNodegroup(cluster: ClusterState, name: string): Record<string, unknown> {
    const state = this.nodeGroup(cluster, name);
    const { config } = state;
    const creating = state.creatingDescribes > 0;
    if (creating) state.creatingDescribes -= 1;
    if (state.deletingDescribes !== undefined) {
      if (state.deletingDescribes <= 0) {
        cluster.nodeGroups.delete(name);
        throw new AwsServiceError('ResourceNotFoundException', `No node group found for name: ${name}.`, 404);
      }
      state.deletingDescribes -= 1;
    }
    const status =
      state.deletingDescribes !== undefined
        ? 'DELETING'
        : creating
          ? 'CREATING'
          : state.healthIssues.length > 0
            ? 'DEGRADED'
            : 'ACTIVE';
    return {
      nodegroupName: config.name,
      nodegroupArn: this.arn(`nodegroup/${cluster.config.name}/${config.name}/${stableId(config.name)}`),
      clusterName: cluster.config.name,
      version: cluster.config.version,
      releaseVersion: `${cluster.config.version}.0-20250101`,
      createdAt: epochSeconds(state.createdAt),
      modifiedAt: epochSeconds(state.modifiedAt),
      status,
      capacityType: config.capacityType,
      scalingConfig: { minSize: config.minSize, maxSize: config.maxSize, desiredSize: config.desiredSize },
      instanceTypes: [...config.instanceTypes],
      subnets: state.placement?.subnets ?? ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
      amiType: state.placement?.amiType ?? 'AL2023_x86_64_STANDARD',
      nodeRole:
        state.placement?.nodeRole ?? `arn:aws:iam::${this.accountId}:role/${cluster.config.name}-node`,
      labels: { ...config.labels },
      taints: (config.taints ?? []).map((taint) => ({ ...taint })),
      ...(state.placement?.launchTemplate
        ? { launchTemplate: { ...state.placement.launchTemplate } }
        : { diskSize: 20 }),
      health: {
        issues: state.healthIssues.map((issue) => ({
          ...issue,
          resourceIds: [...(issue.resourceIds ?? [])],
        })),
      },
      updateConfig: { maxUnavailable: 1 },
      tags: { ...state.placement?.tags },
    };
  }

  /** DeleteNodegroup: its Nodes leave at once (through the scaler); it reports DELETING, then is gone. */
  private async deleteNodegroup(cluster: ClusterState, name: string): Promise<Record<string, unknown>> {
    const state = this.nodeGroup(cluster, name);
    if (state.deletingDescribes === undefined) {
      await this.scaler?.scale(cluster.config.name, state.config, 0);
      state.deletingDescribes = DELETING_DESCRIBES + 1;
      state.modifiedAt = new Date();
    }
    return this.describeNodegroup(cluster, name);
  }

  private async updateNodegroupConfig(
    cluster: ClusterState,
    name: string,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const state = this.nodeGroup(cluster, name);
    if (state.deletingDescribes !== undefined) {
      throw new AwsServiceError(
        'ResourceInUseException',
        `Nodegroup ${name} is in DELETING state and cannot be updated`,
        409,
      );
    }
    const requested = parseScalingConfig(body.scalingConfig);
    if (!requested) {
      throw new AwsServiceError(
        'InvalidParameterException',
        'No changes needed: scalingConfig is required',
        400,
      );
    }
    const minSize = requested.minSize ?? state.config.minSize;
    const maxSize = requested.maxSize ?? state.config.maxSize;
    const desiredSize = requested.desiredSize ?? state.config.desiredSize;
    assertScalingWithinBounds(minSize, maxSize, desiredSize);

    const updated: NodeGroupConfig = { ...state.config, minSize, maxSize, desiredSize };
    await this.scaler?.scale(cluster.config.name, updated, desiredSize);
    state.config = updated;
    state.modifiedAt = new Date();

    const params = Object.entries(requested).map(([key, value]) => ({
      type: `${key[0]!.toUpperCase()}${key.slice(1)}`,
      value: String(value),
    }));
    const update = {
      id: randomUUID(),
      type: 'ConfigUpdate',
      params,
      createdAt: epochSeconds(new Date()),
      errors: [],
    };
    // The Nodes changed synchronously, so a later DescribeUpdate already reports success.
    cluster.updates.set(update.id, { ...update, status: 'Successful' });
    return { ...update, status: 'InProgress' };
  }

  private describeUpdate(cluster: ClusterState, id: string): Record<string, unknown> {
    const update = cluster.updates.get(id);
    if (!update)
      throw new AwsServiceError('ResourceNotFoundException', `No update found for ID: ${id}.`, 404);
    return update;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function launchTemplateOf(value: Record<string, unknown>): { id?: string; name?: string; version?: string } {
  const { id, name, version } = value;
  if (typeof id !== 'string' && typeof name !== 'string') {
    throw new AwsServiceError('InvalidParameterException', 'launchTemplate needs an id or a name', 400);
  }
  return {
    ...(typeof id === 'string' ? { id } : {}),
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof version === 'string' ? { version } : {}),
  };
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') {
    throw new AwsServiceError('InvalidParameterException', `${field} is required`, 400);
  }
  return value;
}

function parseScalingConfig(
  value: unknown,
): Partial<Record<'minSize' | 'maxSize' | 'desiredSize', number>> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') {
    throw new AwsServiceError('InvalidParameterException', 'scalingConfig must be an object', 400);
  }
  const result: Partial<Record<'minSize' | 'maxSize' | 'desiredSize', number>> = {};
  for (const key of ['minSize', 'maxSize', 'desiredSize'] as const) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    if (typeof field !== 'number' || !Number.isInteger(field) || field < 0) {
      throw new AwsServiceError(
        'InvalidParameterException',
        `scalingConfig.${key} must be a non-negative integer`,
        400,
      );
    }
    result[key] = field;
  }
  return result;
}

function assertScalingWithinBounds(minSize: number, maxSize: number, desiredSize: number): void {
  if (maxSize < 1)
    throw new AwsServiceError('InvalidParameterException', 'Maximum capacity must be at least 1', 400);
  if (minSize > maxSize) {
    throw new AwsServiceError(
      'InvalidParameterException',
      `Minimum capacity ${minSize} can't be greater than maximum capacity ${maxSize}`,
      400,
    );
  }
  if (desiredSize < minSize || desiredSize > maxSize) {
    throw new AwsServiceError(
      'InvalidParameterException',
      `Desired capacity ${desiredSize} must be between minimum capacity ${minSize} and maximum capacity ${maxSize}`,
      400,
    );
  }
}

function encodeNextToken(index: number): string {
  return Buffer.from(String(index)).toString('base64url');
}

function decodeNextToken(token: string | null, length: number): number {
  if (token === null) return 0;
  const index = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(index) || index < 0 || index > length) {
    throw new AwsServiceError('InvalidParameterException', 'The nextToken is not valid', 400);
  }
  return index;
}

/** EKS appends a per-node-group UUID to its ARN; derive one deterministically so ARNs are stable. */
function stableId(name: string): string {
  const hex = Buffer.from(name.padEnd(16, '0')).toString('hex').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** REST-JSON errors: the type travels in a header and the body, as EKS sends them. */
export function renderEksError(error: AwsServiceError): SimResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
    body: JSON.stringify({ message: error.message }),
  };
}
