import type {
  V1CronJob,
  V1Deployment,
  V1Node,
  V1Pod,
  V1ServiceAccount,
  V1StatefulSet,
} from '@kubernetes/client-node';

/**
 * The few Kubernetes reads the platform checks need. Reads of a single object resolve to
 * `undefined` when the object does not exist, because "it is missing" is a verdict about the
 * platform, not a failure of the check; every other API failure is thrown (TransientError or
 * KubernetesApiError).
 */
export interface ClusterReader {
  listNodes(): Promise<V1Node[]>;
  /** `labelSelector` uses the Kubernetes syntax: `app=minio,tier=storage`. */
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  listDeployments(namespace: string, labelSelector: string): Promise<V1Deployment[]>;
  readDeployment(namespace: string, name: string): Promise<V1Deployment | undefined>;
  readStatefulSet(namespace: string, name: string): Promise<V1StatefulSet | undefined>;
  readServiceAccount(namespace: string, name: string): Promise<V1ServiceAccount | undefined>;
  readCronJob(namespace: string, name: string): Promise<V1CronJob | undefined>;
}
