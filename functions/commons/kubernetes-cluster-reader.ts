import type { ClusterReader } from '../core/kubernetes/cluster-reader.ts';
import { parsePlatformLayout } from '../core/platform/layout.ts';
import type { KubernetesCheckDependencies } from '../core/validation/run-check.ts';
import type { KubernetesApi } from './kubernetes/api.ts';
import { kubernetesResources } from './kubernetes/resources.ts';
import { connectToCluster, kubernetesApiFor } from './kubernetes-client.ts';

/** The ClusterReader port over the Kubernetes REST API; a missing object reads as `undefined`. */
export function createClusterReader(api: KubernetesApi): ClusterReader {
  const { nodes, pods, deployments, statefulSets, serviceAccounts, cronJobs } = kubernetesResources;
  return {
    listNodes: () => api.list(nodes.all()),
    listPods: (namespace, labelSelector) => api.list(pods.inNamespace(namespace), { labelSelector }),
    listDeployments: (namespace, labelSelector) =>
      api.list(deployments.inNamespace(namespace), { labelSelector }),
    readDeployment: (namespace, name) => api.get(deployments.named(namespace, name)),
    readStatefulSet: (namespace, name) => api.get(statefulSets.named(namespace, name)),
    readServiceAccount: (namespace, name) => api.get(serviceAccounts.named(namespace, name)),
    readCronJob: (namespace, name) => api.get(cronJobs.named(namespace, name)),
  };
}

/**
 * What a Kubernetes-backed check handler passes to its check: the layout first, so a bad override
 * fails before any network call, then the connection, so a wrong CLUSTER_NAME fails before the check.
 */
export async function kubernetesCheckDependencies(env: {
  CLUSTER_NAME: string;
  PLATFORM_LAYOUT?: string | undefined;
}): Promise<KubernetesCheckDependencies> {
  const layout = parsePlatformLayout(env.PLATFORM_LAYOUT);
  await connectToCluster(env.CLUSTER_NAME);
  return { layout, reader: createClusterReader(kubernetesApiFor(env.CLUSTER_NAME)) };
}
