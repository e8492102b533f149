import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type FakeKubernetesApi, startFakeKubernetesApi } from './fake-kubernetes-api.ts';
import { useHandlerEnvironment } from './lambda.ts';

/**
 * Everything a Kubernetes check handler meets in production, locally: EKS DescribeCluster (mocked)
 * pointing at a plain-HTTP fake API server, AWS credentials to sign the EKS token, and the
 * handler's environment. Registers its own hooks; objects are reset before each test.
 */
export function useKubernetesHandlerHarness(): {
  api: () => FakeKubernetesApi;
  eks: ReturnType<typeof mockClient>;
} {
  const eks = mockClient(EKSClient);
  let api: FakeKubernetesApi;

  beforeAll(async () => {
    api = await startFakeKubernetesApi();
  });
  afterAll(() => api.close());

  useHandlerEnvironment(() => ({ CLUSTER_NAME: 'lakehouse' }));
  beforeEach(() => {
    eks.reset();
    eks
      .on(DescribeClusterCommand)
      .resolves({ cluster: { name: 'lakehouse', status: 'ACTIVE', endpoint: api.url } });
    Object.assign(api.objects, {
      nodes: [],
      pods: [],
      deployments: [],
      statefulSets: [],
      serviceAccounts: [],
      cronJobs: [],
    });
  });

  return { api: () => api, eks };
}
