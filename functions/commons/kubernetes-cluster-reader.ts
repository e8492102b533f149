import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { AppsV1Api, BatchV1Api, CoreV1Api } from '@kubernetes/client-node/dist/gen/index.js';
import type { ClusterReader } from '../core/kubernetes/cluster-reader.ts';
import { parsePlatformLayout } from '../core/platform/layout.ts';
import type { KubernetesCheckDependencies } from '../core/validation/run-check.ts';
import { eksClient } from './aws-clients.ts';
import { createEksKubeConfigProvider, toKubernetesError } from './kubernetes-client.ts';
import { lazily } from './lazily.ts';

/** Large enough for any real cluster in one page, small enough to bound one response. */
const PAGE_SIZE = 500;

interface Page<Item> {
  items: Item[];
  metadata?: { _continue?: string };
}

/** The ClusterReader port implemented with client-node's typed APIs. */
export function createClusterReader(kubeConfig: KubeConfig): ClusterReader {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);

  return {
    listNodes: () => listAll('list nodes', (_continue) => core.listNode({ limit: PAGE_SIZE, _continue })),
    listPods: (namespace, labelSelector) =>
      listAll(`list pods in ${namespace} (${labelSelector})`, (_continue) =>
        core.listNamespacedPod({ namespace, labelSelector, limit: PAGE_SIZE, _continue }),
      ),
    listDeployments: (namespace, labelSelector) =>
      listAll(`list deployments in ${namespace} (${labelSelector})`, (_continue) =>
        apps.listNamespacedDeployment({ namespace, labelSelector, limit: PAGE_SIZE, _continue }),
      ),
    readDeployment: (namespace, name) =>
      readOptional(`read deployment ${namespace}/${name}`, () =>
        apps.readNamespacedDeployment({ namespace, name }),
      ),
    readStatefulSet: (namespace, name) =>
      readOptional(`read statefulset ${namespace}/${name}`, () =>
        apps.readNamespacedStatefulSet({ namespace, name }),
      ),
    readServiceAccount: (namespace, name) =>
      readOptional(`read serviceaccount ${namespace}/${name}`, () =>
        core.readNamespacedServiceAccount({ namespace, name }),
      ),
    readCronJob: (namespace, name) =>
      readOptional(`read cronjob ${namespace}/${name}`, () =>
        batch.readNamespacedCronJob({ namespace, name }),
      ),
  };
}

async function listAll<Item>(
  operation: string,
  fetchPage: (continueToken: string | undefined) => Promise<Page<Item>>,
): Promise<Item[]> {
  const items: Item[] = [];
  let continueToken: string | undefined;
  try {
    do {
      const page = await fetchPage(continueToken);
      items.push(...page.items);
      continueToken = page.metadata?._continue || undefined;
    } while (continueToken);
  } catch (error) {
    throw toKubernetesError(error, operation);
  }
  return items;
}

async function readOptional<Resource>(
  operation: string,
  read: () => Promise<Resource>,
): Promise<Resource | undefined> {
  try {
    return await read();
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return undefined;
    throw toKubernetesError(error, operation);
  }
}

const kubeConfigProvider = lazily(() => createEksKubeConfigProvider({ eks: eksClient() }));

/**
 * The reader handlers use: the KubeConfig (and so the EKS token) is cached per cluster at module
 * level and refreshed before the token expires.
 */
export async function clusterReaderFor(clusterName: string): Promise<ClusterReader> {
  return createClusterReader(await kubeConfigProvider().getKubeConfig(clusterName));
}

/** What a Kubernetes-backed check handler passes to its check: the layout first, so a bad override fails before any network call. */
export async function kubernetesCheckDependencies(env: {
  CLUSTER_NAME: string;
  PLATFORM_LAYOUT?: string | undefined;
}): Promise<KubernetesCheckDependencies> {
  const layout = parsePlatformLayout(env.PLATFORM_LAYOUT);
  return { layout, reader: await clusterReaderFor(env.CLUSTER_NAME) };
}
