import { Sha256 } from '@aws-crypto/sha256-js';
import { type Cluster, DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ConfigurationError, KubernetesApiError, LakehouseOpsError, TransientError } from './errors.ts';
import { cacheUntilRejected } from './promise-cache.ts';
import { classifyAwsError, isNetworkError } from './transient-errors.ts';

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

export interface EksKubeConfigProviderOptions {
  eks: EKSClient;
  /** Defaults to the EKS client's region (the cluster's region, which is also the STS region). */
  region?: string;
  /** Defaults to the EKS client's credentials, i.e. the function's role. */
  credentials?: AwsCredentialIdentityProvider;
  /** Injectable for tests of expiry. */
  now?: () => Date;
}

export interface KubeConfigProvider {
  getKubeConfig(clusterName: string): Promise<KubeConfig>;
}

interface CachedKubeConfig {
  kubeConfig: Promise<KubeConfig>;
  refreshAt: number;
}

/**
 * Builds KubeConfigs for EKS clusters and keeps one per cluster until shortly before its token
 * expires. Keep the provider at module level: warm invocations then skip DescribeCluster and signing.
 */
export function createEksKubeConfigProvider(options: EksKubeConfigProviderOptions): KubeConfigProvider {
  const { eks } = options;
  const now = options.now ?? (() => new Date());
  const cache = new Map<string, CachedKubeConfig>();

  async function build(clusterName: string, signingDate: Date): Promise<KubeConfig> {
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
    return kubeConfigFor(clusterName, cluster, token);
  }

  return {
    getKubeConfig(clusterName) {
      const signingDate = now();
      const cached = cache.get(clusterName);
      if (cached && signingDate.getTime() < cached.refreshAt) return cached.kubeConfig;
      const entry: CachedKubeConfig = {
        kubeConfig: build(clusterName, signingDate),
        refreshAt: signingDate.getTime() + EKS_TOKEN_VALIDITY_MS - EKS_TOKEN_REFRESH_MARGIN_MS,
      };
      cacheUntilRejected(cache, clusterName, entry, entry.kubeConfig);
      return entry.kubeConfig;
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

function kubeConfigFor(clusterName: string, cluster: Cluster, token: string): KubeConfig {
  const server = cluster.endpoint;
  if (!server) {
    throw new ConfigurationError(
      `EKS cluster ${clusterName} has no API endpoint yet (status ${cluster.status})`,
      {
        clusterName,
        status: cluster.status,
      },
    );
  }
  // Plain HTTP is what the local kube-sim speaks; client-node only allows it with skipTLSVerify,
  // and there is no TLS to verify, so the CA is simply not used.
  const plainHttp = server.startsWith('http:');
  const caData = cluster.certificateAuthority?.data;
  if (!plainHttp && !caData) {
    throw new ConfigurationError(`EKS cluster ${clusterName} has no certificate authority data`, {
      clusterName,
    });
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      { name: clusterName, server, caData: plainHttp ? undefined : caData, skipTLSVerify: plainHttp },
    ],
    users: [{ name: 'lakehouse-ops', token }],
    contexts: [{ name: clusterName, cluster: clusterName, user: 'lakehouse-ops' }],
    currentContext: clusterName,
  });
  return kubeConfig;
}

interface ApiExceptionShape {
  code: number;
  body?: unknown;
}

function isApiException(error: unknown): error is Error & ApiExceptionShape {
  return error instanceof Error && typeof (error as Partial<ApiExceptionShape>).code === 'number';
}

/** The `message` and `reason` of the Kubernetes Status object in an error response, if any. */
function statusOf(body: unknown): { message?: string; reason?: string } {
  let status = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim() } : {};
    }
  }
  if (typeof status !== 'object' || status === null) return {};
  const { message, reason } = status as { message?: unknown; reason?: unknown };
  return {
    message: typeof message === 'string' ? message : undefined,
    reason: typeof reason === 'string' ? reason : undefined,
  };
}

/**
 * Maps a client-node failure to the workflow's error vocabulary: overload, server errors and
 * network failures may pass on retry (TransientError); refusals (401, 403, 404, 422, ...) will not.
 */
export function toKubernetesError(error: unknown, operation: string): unknown {
  if (error instanceof LakehouseOpsError) return error;
  if (isApiException(error)) {
    const { code } = error;
    const status = statusOf(error.body);
    const details = { operation, httpStatusCode: code, reason: status.reason, statusMessage: status.message };
    const message = `${operation}: Kubernetes API answered ${code}${status.reason ? ` ${status.reason}` : ''}${
      status.message ? `: ${status.message}` : ''
    }`;
    if (code >= 500 || code === 429 || code === 408)
      return new TransientError(message, details, { cause: error });
    return new KubernetesApiError(message, details, { cause: error });
  }
  if (isNetworkError(error) || (error as Error | undefined)?.name === 'FetchError') {
    return new TransientError(
      `${operation}: Kubernetes API unreachable: ${(error as Error).message}`,
      { operation },
      { cause: error },
    );
  }
  return error;
}
