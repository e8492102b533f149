import type {
  V1CronJob,
  V1Deployment,
  V1Node,
  V1ObjectMeta,
  V1Pod,
  V1ServiceAccount,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { ClusterReader } from '../../../functions/core/kubernetes/cluster-reader.ts';

/** An in-memory ClusterReader: the checks' port, filled with the objects a test needs. */
export class FakeClusterReader implements ClusterReader {
  nodes: V1Node[] = [];
  pods: V1Pod[] = [];
  deployments: V1Deployment[] = [];
  statefulSets: V1StatefulSet[] = [];
  serviceAccounts: V1ServiceAccount[] = [];
  cronJobs: V1CronJob[] = [];

  async listNodes(): Promise<V1Node[]> {
    return this.nodes;
  }

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return this.pods.filter(
      (pod) => inNamespace(pod.metadata, namespace) && matchesSelector(pod.metadata, labelSelector),
    );
  }

  async listDeployments(namespace: string, labelSelector: string): Promise<V1Deployment[]> {
    return this.deployments.filter(
      (item) => inNamespace(item.metadata, namespace) && matchesSelector(item.metadata, labelSelector),
    );
  }

  async readDeployment(namespace: string, name: string): Promise<V1Deployment | undefined> {
    return find(this.deployments, namespace, name);
  }

  async readStatefulSet(namespace: string, name: string): Promise<V1StatefulSet | undefined> {
    return find(this.statefulSets, namespace, name);
  }

  async readServiceAccount(namespace: string, name: string): Promise<V1ServiceAccount | undefined> {
    return find(this.serviceAccounts, namespace, name);
  }

  async readCronJob(namespace: string, name: string): Promise<V1CronJob | undefined> {
    return find(this.cronJobs, namespace, name);
  }
}

function find<Item extends { metadata?: V1ObjectMeta }>(items: Item[], namespace: string, name: string) {
  return items.find((item) => inNamespace(item.metadata, namespace) && item.metadata?.name === name);
}

function inNamespace(metadata: V1ObjectMeta | undefined, namespace: string): boolean {
  return metadata?.namespace === namespace;
}

/** Equality (`k=v`, `k==v`), inequality (`k!=v`) and existence (`k`) requirements, comma-separated. */
export function matchesSelector(metadata: V1ObjectMeta | undefined, selector: string): boolean {
  const labels = metadata?.labels ?? {};
  return selector
    .split(',')
    .map((requirement) => requirement.trim())
    .filter(Boolean)
    .every((requirement) => {
      const notEqual = requirement.split('!=');
      if (notEqual.length === 2) return labels[notEqual[0]!.trim()] !== notEqual[1]!.trim();
      const [key, value] = requirement.split(/==?/).map((part) => part.trim());
      return value === undefined ? key! in labels : labels[key!] === value;
    });
}
