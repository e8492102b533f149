import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { ApiException } from '@kubernetes/client-node';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import {
  createEksKubeConfigProvider,
  createEksToken,
  EKS_TOKEN_PREFIX,
  toKubernetesError,
} from '../../../functions/commons/kubernetes-client.ts';
import { rejectionOf } from '../support/rejection.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const CA_DATA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString(
  'base64',
);

function presignedUrlOf(token: string): URL {
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
}

describe('createEksToken', () => {
  const signingDate = new Date('2026-03-01T12:00:00Z');

  it('encodes a presigned STS GetCallerIdentity URL that signs the cluster name header', async () => {
    const { token, expiresAt } = await createEksToken({
      clusterName: 'lakehouse-prod',
      region: 'eu-west-1',
      credentials: { ...credentials, sessionToken: 'session-token' },
      signingDate,
    });

    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    expect(token.slice(EKS_TOKEN_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = presignedUrlOf(token);
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20260301/eu-west-1/sts/aws4_request');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20260301T120000Z');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(['host', 'x-k8s-aws-id']);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session-token');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(expiresAt.toISOString()).toBe('2026-03-01T12:15:00.000Z');
  });

  it('signs a different signature for a different cluster, proving the cluster header is signed', async () => {
    const signatureFor = async (clusterName: string) =>
      presignedUrlOf(
        (await createEksToken({ clusterName, region: 'eu-west-1', credentials, signingDate })).token,
      ).searchParams.get('X-Amz-Signature');

    expect(await signatureFor('lakehouse-prod')).not.toBe(await signatureFor('lakehouse-dr'));
    expect(await signatureFor('lakehouse-prod')).toBe(await signatureFor('lakehouse-prod'));
  });
});

describe('createEksKubeConfigProvider', () => {
  const eksMock = mockClient(EKSClient);
  let clock: Date;
  const now = () => clock;

  function provider() {
    return createEksKubeConfigProvider({
      eks: new EKSClient({}),
      region: 'eu-west-1',
      credentials: async () => credentials,
      now,
    });
  }

  beforeEach(() => {
    clock = new Date('2026-03-01T12:00:00Z');
    eksMock.reset();
    eksMock.on(DescribeClusterCommand).resolves({
      cluster: {
        name: 'lakehouse',
        status: 'ACTIVE',
        endpoint: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
        certificateAuthority: { data: CA_DATA },
      },
    });
  });

  afterEach(() => eksMock.reset());

  it('builds a KubeConfig from the cluster endpoint, its CA and an EKS bearer token', async () => {
    const kubeConfig = await provider().getKubeConfig('lakehouse');

    expect(eksMock).toHaveReceivedCommandWith(DescribeClusterCommand, { name: 'lakehouse' });
    expect(kubeConfig.getCurrentCluster()).toMatchObject({
      server: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
      caData: CA_DATA,
      skipTLSVerify: false,
    });
    const token = kubeConfig.getCurrentUser()?.token ?? '';
    expect(presignedUrlOf(token).searchParams.get('X-Amz-Date')).toBe('20260301T120000Z');
  });

  it('reuses the cached KubeConfig until 60 s before the token expires, then refreshes it', async () => {
    const kubeConfigs = provider();
    const first = await kubeConfigs.getKubeConfig('lakehouse');

    clock = new Date('2026-03-01T12:13:59Z');
    expect(await kubeConfigs.getKubeConfig('lakehouse')).toBe(first);
    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 1);

    clock = new Date('2026-03-01T12:14:00Z');
    const refreshed = await kubeConfigs.getKubeConfig('lakehouse');
    expect(refreshed).not.toBe(first);
    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 2);
    expect(presignedUrlOf(refreshed.getCurrentUser()?.token ?? '').searchParams.get('X-Amz-Date')).toBe(
      '20260301T121400Z',
    );
  });

  it('keeps one cached KubeConfig per cluster', async () => {
    const kubeConfigs = provider();
    await kubeConfigs.getKubeConfig('lakehouse');
    await kubeConfigs.getKubeConfig('lakehouse-dr');
    await kubeConfigs.getKubeConfig('lakehouse');

    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 2);
  });

  it('accepts a plain HTTP endpoint (the local kube-sim) without a CA', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .resolves({ cluster: { status: 'ACTIVE', endpoint: 'http://127.0.0.1:6443' } });

    const kubeConfig = await provider().getKubeConfig('lakehouse');
    const options: { headers?: Record<string, string> } = {};
    await kubeConfig.applyToHTTPSOptions(options);

    expect(kubeConfig.getCurrentCluster()).toMatchObject({
      server: 'http://127.0.0.1:6443',
      skipTLSVerify: true,
    });
    expect(options.headers?.Authorization).toMatch(/^Bearer k8s-aws-v1\./);
  });

  it('throws ConfigurationError when the cluster does not exist', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .rejects(
        Object.assign(new Error('No cluster found for name: nope.'), { name: 'ResourceNotFoundException' }),
      );

    const error = await rejectionOf(provider().getKubeConfig('nope'));

    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain('EKS cluster nope does not exist');
  });

  it('throws ConfigurationError when an HTTPS endpoint comes without CA data', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .resolves({ cluster: { status: 'ACTIVE', endpoint: 'https://eks.example' } });

    const error = await rejectionOf(provider().getKubeConfig('lakehouse'));

    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain('no certificate authority data');
  });

  it('throws TransientError on throttling and does not cache the failure', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ cluster: { status: 'ACTIVE', endpoint: 'http://127.0.0.1:6443' } });
    const kubeConfigs = provider();

    const error = await rejectionOf(kubeConfigs.getKubeConfig('lakehouse'));
    expect(error.name).toBe('TransientError');

    await expect(kubeConfigs.getKubeConfig('lakehouse')).resolves.toBeDefined();
    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 2);
  });
});

describe('toKubernetesError', () => {
  const statusBody = (code: number, reason: string, message: string) =>
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });

  it.each([500, 503, 429])('maps HTTP %i to TransientError', (code) => {
    const error = toKubernetesError(
      new ApiException(code, 'Unknown API Status Code!', statusBody(code, 'x', 'busy'), {}),
      'list nodes',
    );

    expect(error).toMatchObject({
      name: 'TransientError',
      details: { httpStatusCode: code, statusMessage: 'busy' },
    });
  });

  it.each([
    [401, 'Unauthorized'],
    [403, 'Forbidden'],
    [404, 'NotFound'],
    [422, 'Invalid'],
  ])('maps HTTP %i to KubernetesApiError with the Status message', (code, reason) => {
    const body = statusBody(code, reason, 'deployments.apps "prefect-server" is forbidden: User cannot get');

    const error = toKubernetesError(
      new ApiException(code, 'Unknown API Status Code!', body, {}),
      'read deployment',
    );

    expect(error).toMatchObject({
      name: 'KubernetesApiError',
      details: {
        operation: 'read deployment',
        httpStatusCode: code,
        reason,
        statusMessage: 'deployments.apps "prefect-server" is forbidden: User cannot get',
      },
    });
    expect((error as Error).message).toContain(`answered ${code} ${reason}`);
  });

  it('maps a refused connection to TransientError', () => {
    const refused = Object.assign(new Error('request to http://127.0.0.1:1/api/v1/nodes failed'), {
      name: 'FetchError',
      type: 'system',
      code: 'ECONNREFUSED',
    });

    expect(toKubernetesError(refused, 'list nodes')).toMatchObject({ name: 'TransientError' });
  });

  it('leaves errors it does not recognise unchanged', () => {
    const bug = new TypeError('cannot read properties of undefined');

    expect(toKubernetesError(bug, 'list nodes')).toBe(bug);
  });
});
