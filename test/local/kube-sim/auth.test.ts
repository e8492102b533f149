import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEksToken } from '../../../functions/commons/kubernetes-client.ts';
import { eksToken, type KubeSim, startKubeSim } from '../../../local/kube-sim/index.ts';
import { expectApiError } from './fixtures.ts';

function tokenFor(url: string): string {
  return `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`;
}

describe('kube-sim authentication', () => {
  let sim: KubeSim;
  beforeAll(async () => {
    sim = await startKubeSim({ tokens: { 'test-token': 'tester' } });
  });
  afterAll(() => sim.stop());

  const listWith = (token: string) => sim.kubeConfig(token).makeApiClient(CoreV1Api).listNamespace();

  it('answers 401 with a Status when no token is sent', async () => {
    const response = await fetch(`${sim.url}/api/v1/namespaces`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('accepts a static token and records the caller in the audit trail', async () => {
    const namespaces = await listWith('test-token');
    expect(namespaces.items.map((namespace) => namespace.metadata?.name)).toContain('default');
    expect(sim.audit.at(-1)).toMatchObject({
      user: 'tester',
      method: 'GET',
      path: '/api/v1/namespaces',
      code: 200,
    });
  });

  it('rejects an unknown token with 401', async () => {
    const error = await listWith('guess').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(401);
  });

  it('accepts a well-formed, unexpired EKS token and audits its access key', async () => {
    await listWith(eksToken({ accessKeyId: 'AKIADRILL' }));
    expect(sim.audit.at(-1)).toMatchObject({ user: 'aws-iam:AKIADRILL', code: 200 });
  });

  it('accepts an EKS token presigned for 60 s for 15 minutes after X-Amz-Date, as EKS does', async () => {
    const token = eksToken({ signedAt: new Date(Date.now() - 10 * 60 * 1000), expiresSeconds: 60 });
    await listWith(token);
    expect(sim.audit.at(-1)?.code).toBe(200);
  });

  it('accepts the token the Lambdas build with createEksToken', async () => {
    const { token } = await createEksToken({
      clusterName: 'lakehouse-dev',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIALAMBDA', secretAccessKey: 'secret' },
      signingDate: new Date(),
    });
    await listWith(token);
    expect(sim.audit.at(-1)).toMatchObject({ user: 'aws-iam:AKIALAMBDA', code: 200 });
  });

  it('rejects an expired EKS token', async () => {
    const token = eksToken({ signedAt: new Date(Date.now() - 20 * 60 * 1000), expiresSeconds: 900 });
    const response = await fetch(`${sim.url}/api/v1/namespaces`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toContain('EKS token expired at');
  });

  it.each([
    [
      'a non-STS host',
      'https://evil.example.com/?Action=GetCallerIdentity&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id',
    ],
    [
      'plain http',
      'http://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id',
    ],
    [
      'another action',
      'https://sts.amazonaws.com/?Action=AssumeRole&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id',
    ],
    [
      'no x-k8s-aws-id signed header',
      'https://sts.amazonaws.com/?Action=GetCallerIdentity&X-Amz-SignedHeaders=host',
    ],
  ])('rejects an EKS token with %s', async (_case, url) => {
    const response = await fetch(`${sim.url}/api/v1/namespaces`, {
      headers: { Authorization: `Bearer ${tokenFor(url)}` },
    });
    expect(response.status).toBe(401);
  });

  it('leaves /metrics open to an unauthenticated scraper', async () => {
    expect((await fetch(`${sim.url}/metrics`)).status).toBe(200);
  });
});

describe('kube-sim fault injection', () => {
  let sim: KubeSim;
  beforeAll(async () => {
    sim = await startKubeSim();
  });
  afterAll(() => sim.stop());

  it('fails the next matching requests, then serves normally', async () => {
    const core = sim.kubeConfig().makeApiClient(CoreV1Api);
    const fault = sim.faults.inject({ method: 'GET', pathPattern: /\/namespaces$/, status: 503, times: 2 });
    await expectApiError(core.listNamespace(), 503, 'ServiceUnavailable');
    await expectApiError(core.listNamespace(), 503, 'ServiceUnavailable');
    expect((await core.listNamespace()).items.length).toBeGreaterThan(0);
    expect(fault.hits).toBe(2);
    expect(fault.remaining).toBe(0);
  });

  it('matches a string pattern and sends Retry-After on 429', async () => {
    sim.faults.inject({ pathPattern: '/api/v1/namespaces/default', status: 429, retryAfterSeconds: 3 });
    const response = await fetch(`${sim.url}/api/v1/namespaces/default`, {
      headers: { Authorization: `Bearer ${sim.token}` },
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    sim.faults.inject({ pathPattern: '/never', status: 500, times: Number.POSITIVE_INFINITY });
    sim.faults.clear();
    expect(
      (await fetch(`${sim.url}/never`, { headers: { Authorization: `Bearer ${sim.token}` } })).status,
    ).toBe(404);
  });

  it('removes a single fault and keeps the others', async () => {
    const removed = sim.faults.inject({ pathPattern: '/api/v1/namespaces/kube-system', status: 500 });
    sim.faults.inject({ pathPattern: '/api/v1/namespaces/kube-public', status: 500 });
    sim.faults.remove(removed);
    const status = (path: string) =>
      fetch(`${sim.url}${path}`, { headers: { Authorization: `Bearer ${sim.token}` } }).then(
        (response) => response.status,
      );
    expect(await status('/api/v1/namespaces/kube-system')).toBe(200);
    expect(await status('/api/v1/namespaces/kube-public')).toBe(500);
  });

  it('refuses a fault whose status is not an HTTP error', () => {
    expect(() => sim.faults.inject({ pathPattern: '/', status: 200 })).toThrow(/400-599/);
  });
});
