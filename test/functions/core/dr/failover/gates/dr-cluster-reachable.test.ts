import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEksConnectionProvider } from '../../../../../../functions/commons/kubernetes-client.ts';
import { drClusterReachableGate } from '../../../../../../functions/core/dr/failover/gates/dr-cluster-reachable.ts';
import { type KubeSim, startKubeSim } from '../../../../../../local/kube-sim/index.ts';
import { AWS_TEST_CREDENTIALS } from '../../../../support/lambda.ts';

const DR_REGION = 'eu-central-1';
const DR_CLUSTER = 'lakehouse-staging-dr';

describe('dr-cluster-reachable gate (kube-sim as the DR cluster)', () => {
  let kube: KubeSim;
  const eks = new EKSClient({ region: DR_REGION, credentials: AWS_TEST_CREDENTIALS });
  const eksMock = mockClient(eks);

  beforeAll(async () => {
    kube = await startKubeSim();
  }, 60_000);
  afterAll(() => kube?.stop());
  beforeEach(() => {
    eksMock.reset();
    kube.faults.clear();
  });

  const describes = (cluster: Record<string, unknown> | undefined) =>
    eksMock.on(DescribeClusterCommand, { name: DR_CLUSTER }).resolves({ cluster });

  // A fresh provider per test: the provider caches connections per cluster, as in a warm Lambda.
  const gate = () =>
    drClusterReachableGate({
      eks,
      clusterName: DR_CLUSTER,
      connections: createEksConnectionProvider({ eks, region: DR_REGION }),
      apiTimeoutMs: 2_000,
    });

  it('passes when the cluster is ACTIVE, its API is ready and accepts the EKS token', async () => {
    describes({ name: DR_CLUSTER, status: 'ACTIVE', version: '1.31', endpoint: kube.url });

    const verdict = await gate();

    expect(verdict).toMatchObject({
      gate: 'dr-cluster-reachable',
      passed: true,
      evidence: { measured: 0, limit: 0, clusterStatus: 'ACTIVE', readyzStatusCode: 200, apiStatusCode: 200 },
    });
    expect(verdict.detail).toMatch(
      /^the DR cluster lakehouse-staging-dr is ACTIVE \(Kubernetes 1\.31\), its API is ready \(\d+ ms\) and accepts this function's token$/,
    );
  });

  it('fails when the cluster is not ACTIVE, without calling its API', async () => {
    describes({ name: DR_CLUSTER, status: 'UPDATING', endpoint: kube.url });
    kube.faults.inject({ pathPattern: '/', status: 503, times: Number.POSITIVE_INFINITY });

    const verdict = await gate();

    expect(verdict).toMatchObject({
      passed: false,
      detail: 'the DR cluster lakehouse-staging-dr is UPDATING, not ACTIVE',
      evidence: { measured: 3, clusterStatus: 'UPDATING' },
    });
  });

  it('fails when the cluster does not exist in the DR region', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .rejects(Object.assign(new Error('No cluster found'), { name: 'ResourceNotFoundException' }));

    const verdict = await gate();

    expect(verdict).toMatchObject({
      passed: false,
      detail: 'the DR cluster lakehouse-staging-dr does not exist in the DR region',
      evidence: { measured: 3, clusterStatus: 'MISSING' },
    });
  });

  it('fails when the API is not ready, with its /readyz answer', async () => {
    describes({ name: DR_CLUSTER, status: 'ACTIVE', endpoint: kube.url });
    kube.faults.inject({ pathPattern: '/readyz', status: 503, message: 'etcd not ready' });

    const verdict = await gate();

    expect(verdict.passed).toBe(false);
    expect(verdict.detail).toContain(
      'is ACTIVE but its Kubernetes API is not ready: /readyz answered HTTP 503',
    );
    expect(verdict.detail).toContain('etcd not ready');
    expect(verdict.evidence).toMatchObject({ measured: 2, readyzStatusCode: 503 });
  });

  it('fails when the API refuses the function token, saying what to grant', async () => {
    describes({ name: DR_CLUSTER, status: 'ACTIVE', endpoint: kube.url });
    kube.faults.inject({ method: 'GET', pathPattern: /^\/api$/, status: 401 });

    const verdict = await gate();

    expect(verdict).toMatchObject({
      passed: false,
      detail:
        "the DR cluster lakehouse-staging-dr's Kubernetes API is ready but refuses this function's token with HTTP 401: give its role an access entry in the DR cluster",
      evidence: { measured: 1, readyzStatusCode: 200, apiStatusCode: 401 },
    });
  });

  it('fails when nothing answers at the API endpoint', async () => {
    const stopped = await startKubeSim();
    const endpoint = stopped.url;
    await stopped.stop();
    describes({ name: DR_CLUSTER, status: 'ACTIVE', endpoint });

    const verdict = await gate();

    expect(verdict.passed).toBe(false);
    expect(verdict.detail).toMatch(/is ACTIVE but its Kubernetes API does not answer: .*ECONNREFUSED/);
    expect(verdict.evidence).toMatchObject({ measured: 2 });
  });

  it('fails as "could not be evaluated" when EKS refuses DescribeCluster', async () => {
    eksMock.on(DescribeClusterCommand).rejects(
      Object.assign(new Error('not authorized to perform eks:DescribeCluster'), {
        name: 'AccessDeniedException',
      }),
    );

    const verdict = await gate();

    expect(verdict).toMatchObject({
      passed: false,
      detail:
        'the dr-cluster-reachable gate could not be evaluated: AccessDeniedException: not authorized to perform eks:DescribeCluster',
      evidence: { measured: null, limit: 0 },
    });
  });
});
