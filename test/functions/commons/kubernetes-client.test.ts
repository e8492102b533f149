import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import {
  createEksConnectionProvider,
  createEksToken,
  EKS_TOKEN_PREFIX,
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

describe('createEksConnectionProvider', () => {
  const eksMock = mockClient(EKSClient);
  let clock: Date;
  const now = () => clock;

  function provider() {
    return createEksConnectionProvider({
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

  it('connects to the cluster endpoint with its CA and an EKS bearer token', async () => {
    const connection = await provider().getConnection('lakehouse');

    expect(eksMock).toHaveReceivedCommandWith(DescribeClusterCommand, { name: 'lakehouse' });
    expect(connection).toMatchObject({
      server: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
      caData: CA_DATA,
    });
    expect(presignedUrlOf(connection.token).searchParams.get('X-Amz-Date')).toBe('20260301T120000Z');
  });

  it('reuses the cached connection until 60 s before the token expires, then refreshes it', async () => {
    const connections = provider();
    const first = await connections.getConnection('lakehouse');

    clock = new Date('2026-03-01T12:13:59Z');
    expect(await connections.getConnection('lakehouse')).toBe(first);
    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 1);

    clock = new Date('2026-03-01T12:14:00Z');
    const refreshed = await connections.getConnection('lakehouse');
    expect(refreshed).not.toBe(first);
    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 2);
    expect(presignedUrlOf(refreshed.token).searchParams.get('X-Amz-Date')).toBe('20260301T121400Z');
  });

  it('keeps one cached connection per cluster', async () => {
    const connections = provider();
    await connections.getConnection('lakehouse');
    await connections.getConnection('lakehouse-dr');
    await connections.getConnection('lakehouse');

    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 2);
  });

  it('accepts a plain HTTP endpoint (the local kube-sim) without a CA', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .resolves({ cluster: { status: 'ACTIVE', endpoint: 'http://127.0.0.1:6443' } });

    const connection = await provider().getConnection('lakehouse');

    expect(connection).toEqual({
      server: 'http://127.0.0.1:6443',
      token: expect.stringMatching(/^k8s-aws-v1\./),
    });
  });

  it('throws ConfigurationError when the cluster does not exist', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .rejects(
        Object.assign(new Error('No cluster found for name: nope.'), { name: 'ResourceNotFoundException' }),
      );

    const error = await rejectionOf(provider().getConnection('nope'));

    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain('EKS cluster nope does not exist');
  });

  it('throws ConfigurationError when the cluster has no endpoint yet', async () => {
    eksMock.on(DescribeClusterCommand).resolves({ cluster: { status: 'CREATING' } });

    const error = await rejectionOf(provider().getConnection('lakehouse'));

    expect(error).toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('no API endpoint yet (status CREATING)'),
    });
  });

  it('throws ConfigurationError when an HTTPS endpoint comes without CA data', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .resolves({ cluster: { status: 'ACTIVE', endpoint: 'https://eks.example' } });

    const error = await rejectionOf(provider().getConnection('lakehouse'));

    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain('no certificate authority data');
  });

  it('throws TransientError on throttling and does not cache the failure', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ cluster: { status: 'ACTIVE', endpoint: 'http://127.0.0.1:6443' } });
    const connections = provider();

    const error = await rejectionOf(connections.getConnection('lakehouse'));
    expect(error.name).toBe('TransientError');

    await expect(connections.getConnection('lakehouse')).resolves.toBeDefined();
    expect(eksMock).toHaveReceivedCommandTimes(DescribeClusterCommand, 2);
  });
});
