import { Sha256 } from '@aws-crypto/sha256-js';
import { type Cluster, DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { eksClient, eksClientIn } from './aws-clients.ts';
import { ConfigurationError } from './errors.ts';
import { createKubernetesApi, type KubernetesApi, type KubernetesApiOptions } from './kubernetes/api.ts';
import type { KubernetesConnection } from './kubernetes/transport.ts';
import { lazily } from './lazily.ts';
import { cacheUntilRejected } from './promise-cache.ts';
import { classifyAwsError } from './transient-errors.ts';

/**
 * Kubernetes access to an EKS cluster the way `aws eks get-token` / aws-iam-authenticator do it:
 * the bearer token is a presigned STS GetCallerIdentity URL that names the cluster in a signed
 * `x-k8s-aws-id` header; the API server replays it against STS to learn who is calling.
 */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** STS accepts a presigned GetCallerIdentity for 15 minutes after X-Amz-Date, whatever X-Amz-Expires says. */
export const EKS_TOKEN_VALIDITY_MS = 15 * 60_000;
/** Refresh this long before the token dies, so a request started just before expiry still succeeds. */
export const EKS_TOKEN_REFRESH_MARGIN_MS = 60_000;
/** aws-iam-authenticator sends 60 and old authenticators reject anything above it. */
const PRESIGN_EXPIRES_SECONDS = 60;
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';

export interface EksToken {
  token: string;
  expiresAt: Date;
}

export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  signingDate: Date;
}

export async function createEksToken({
  clusterName,
  region,
  credentials,
  signingDate,
}: EksTokenRequest): Promise<EksToken> {
  const hostname = stsHostname(region);
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, [CLUSTER_ID_HEADER]: clusterName },
  });
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: Sha256 });
  const presigned = await signer.presign(request, { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate });
  const url = `https://${hostname}/?${formatQuery(presigned.query ?? {})}`;
  return {
    token: EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url'),
    expiresAt: new Date(signingDate.getTime() + EKS_TOKEN_VALIDITY_MS),
  };
}

function stsHostname(region: string): string {
  return region.startsWith('cn-') ? `sts.${region}.amazonaws.com.cn` : `sts.${region}.amazonaws.com`;
}

function formatQuery(query: Record<string, string | null | (string | null)[]>): string {
  return Object.keys(query)
    .sort()
    .flatMap((key) => {
      const values = query[key];
      return (Array.isArray(values) ? values : [values]).map(
        (value) => `${encodeRfc3986(key)}=${encodeRfc3986(value ?? '')}`,
      );
    })
    .join('&');
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export interface EksConnectionProviderOptions {
  eks: EKSClient;
  /** Defaults to the EKS client's region (the cluster's region, which is also the STS region). */
  region?: string;
  /** Defaults to the EKS client's credentials, i.e. the function's role. */
  credentials?: AwsCredentialIdentityProvider;
  /** Injectable for tests of expiry. */
  now?: () => Date;
}

export interface KubernetesConnectionProvider {
  getConnection(clusterName: string): Promise<KubernetesConnection>;
}

interface CachedConnection {
  connection: Promise<KubernetesConnection>;
  refreshAt: number;
}

/**
 * Builds connections to EKS clusters and keeps one per cluster until shortly before its token
 * expires. Keep the provider at module level: warm invocations then skip DescribeCluster and signing.
 */
export function createEksConnectionProvider(
  options: EksConnectionProviderOptions,
): KubernetesConnectionProvider {
  const { eks } = options;
  const now = options.now ?? (() => new Date());
  const cache = new Map<string, CachedConnection>();

  async function connect(clusterName: string, signingDate: Date): Promise<KubernetesConnection> {
    const [cluster, region] = await Promise.all([
      describeCluster(eks, clusterName),
      options.region ?? eks.config.region(),
    ]);
    const { token } = await createEksToken({
      clusterName,
      region,
      credentials: options.credentials ?? eks.config.credentials,
      signingDate,
    });
    return connectionTo(clusterName, cluster, token);
  }

  return {
    getConnection(clusterName) {
      const signingDate = now();
      const cached = cache.get(clusterName);
      if (cached && signingDate.getTime() < cached.refreshAt) return cached.connection;
      const entry: CachedConnection = {
        connection: connect(clusterName, signingDate),
        refreshAt: signingDate.getTime() + EKS_TOKEN_VALIDITY_MS - EKS_TOKEN_REFRESH_MARGIN_MS,
      };
      cacheUntilRejected(cache, clusterName, entry, entry.connection);
      return entry.connection;
    },
  };
}

async function describeCluster(eks: EKSClient, clusterName: string): Promise<Cluster> {
  try {
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: clusterName }));
    if (!cluster)
      throw new ConfigurationError(`EKS cluster ${clusterName} was not described`, { clusterName });
    return cluster;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') {
      throw new ConfigurationError(`EKS cluster ${clusterName} does not exist (check CLUSTER_NAME)`, {
        clusterName,
      });
    }
    throw classifyAwsError(error, `eks:DescribeCluster ${clusterName}`);
  }
}

function connectionTo(clusterName: string, cluster: Cluster, token: string): KubernetesConnection {
  const server = cluster.endpoint;
  if (!server) {
    throw new ConfigurationError(
      `EKS cluster ${clusterName} has no API endpoint yet (status ${cluster.status})`,
      { clusterName, status: cluster.status },
    );
  }
  // Plain HTTP is what the local kube-sim speaks: there is no TLS, so there is no CA to use.
  if (server.startsWith('http:')) return { server, token };
  const caData = cluster.certificateAuthority?.data;
  if (!caData) {
    throw new ConfigurationError(`EKS cluster ${clusterName} has no certificate authority data`, {
      clusterName,
    });
  }
  return { server, caData, token };
}

const connections = lazily(() => createEksConnectionProvider({ eks: eksClient() }));

/**
 * The Kubernetes API of an EKS cluster, as handlers use it. The connection (endpoint, CA, token)
 * is cached per cluster at module level and asked for before every request, so a long invocation
 * moves to the refreshed token on its own.
 */
export function kubernetesApiFor(clusterName: string, options?: KubernetesApiOptions): KubernetesApi {
  return createKubernetesApi(() => connections().getConnection(clusterName), options);
}

/** Resolves the cluster's connection now, so a wrong CLUSTER_NAME fails before any check starts. */
export async function connectToCluster(clusterName: string): Promise<void> {
  await connections().getConnection(clusterName);
}

const connectionsByRegion = new Map<string, KubernetesConnectionProvider>();

/**
 * Connections to the EKS clusters of another region (the DR cluster, functions/core/dr/failover),
 * cached per cluster like the function region's; tokens are signed for that region's STS.
 */
export function kubernetesConnectionsIn(region: string): KubernetesConnectionProvider {
  let provider = connectionsByRegion.get(region);
  if (!provider) {
    provider = createEksConnectionProvider({ eks: eksClientIn(region), region });
    connectionsByRegion.set(region, provider);
  }
  return provider;
}

/** The Kubernetes API of a cluster in another region (the DR cluster), over kubernetesConnectionsIn. */
export function kubernetesApiIn(
  region: string,
  clusterName: string,
  options?: KubernetesApiOptions,
): KubernetesApi {
  return createKubernetesApi(() => kubernetesConnectionsIn(region).getConnection(clusterName), options);
}
