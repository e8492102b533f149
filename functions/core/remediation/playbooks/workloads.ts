import type {
  V1Deployment,
  V1OwnerReference,
  V1Pod,
  V1PodTemplateSpec,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { isPodReady } from '../../kubernetes/pod-problems.ts';
import type { Target } from '../target.ts';
import { selectorString } from './label-selectors.ts';
import type { Snapshot } from './playbook.ts';

/**
 * The workloads remediation acts on (Deployments and StatefulSets) and how a target reaches one:
 * directly, or from a Pod through its controller (a Deployment's pod belongs to a ReplicaSet that
 * the Deployment controls). A pod that is gone since the alert fired (an earlier playbook of the
 * chain deleted it) is matched by its generated name to its ReplicaSet or StatefulSet, so the next
 * playbook still finds the workload.
 */
export type WorkloadKind = 'Deployment' | 'StatefulSet';

export type Workload =
  | { readonly kind: 'Deployment'; readonly object: V1Deployment }
  | { readonly kind: 'StatefulSet'; readonly object: V1StatefulSet };

export type WorkloadResolution =
  | { readonly found: true; readonly workload: Workload; readonly namespace: string; readonly name: string }
  | { readonly found: false; readonly reason: string };

/**
 * A strategic merge patch of the workload (merging containers by name), or its server-side dry
 * run; resolves to the workload as stored, or as it would be.
 */
export async function patchWorkload(
  api: KubernetesApi,
  workload: Workload,
  patch: object,
  dryRun: boolean,
): Promise<Workload> {
  const namespace = workload.object.metadata?.namespace ?? '';
  const name = workload.object.metadata?.name ?? '';
  const options = { strategy: 'strategic-merge', dryRun } as const;
  if (workload.kind === 'Deployment') {
    const object = await api.patch(kubernetesResources.deployments.named(namespace, name), patch, options);
    return { kind: 'Deployment', object };
  }
  const object = await api.patch(kubernetesResources.statefulSets.named(namespace, name), patch, options);
  return { kind: 'StatefulSet', object };
}

/** The owner reference with `controller: true`, if any. */
export function controllerOf(object: {
  metadata?: { ownerReferences?: V1OwnerReference[] };
}): V1OwnerReference | undefined {
  return object.metadata?.ownerReferences?.find((reference) => reference.controller);
}

export async function readWorkload(
  api: KubernetesApi,
  kind: WorkloadKind,
  namespace: string,
  name: string,
): Promise<Workload | undefined> {
  if (kind === 'Deployment') {
    const object = await api.get(kubernetesResources.deployments.named(namespace, name));
    return object && { kind, object };
  }
  const object = await api.get(kubernetesResources.statefulSets.named(namespace, name));
  return object && { kind, object };
}

function notFound(reason: string): WorkloadResolution {
  return { found: false, reason };
}

async function resolved(
  api: KubernetesApi,
  kind: WorkloadKind,
  namespace: string,
  name: string,
): Promise<WorkloadResolution> {
  const workload = await readWorkload(api, kind, namespace, name);
  return workload
    ? { found: true, workload, namespace, name }
    : notFound(`${kind} ${namespace}/${name} does not exist`);
}

/** The Deployment or StatefulSet that controls `pod`, through its ReplicaSet for a Deployment. */
export async function workloadOfPod(api: KubernetesApi, pod: V1Pod): Promise<WorkloadResolution> {
  const namespace = pod.metadata?.namespace ?? '';
  const podName = `pod ${namespace}/${pod.metadata?.name}`;
  const owner = controllerOf(pod);
  if (!owner) return notFound(`${podName} has no controller`);
  if (owner.kind === 'StatefulSet') return resolved(api, 'StatefulSet', namespace, owner.name);
  if (owner.kind !== 'ReplicaSet') {
    return notFound(
      `${podName} is controlled by ${owner.kind} ${owner.name}, not by a Deployment or StatefulSet`,
    );
  }
  const replicaSet = await api.get(kubernetesResources.replicaSets.named(namespace, owner.name));
  const deployment = replicaSet && controllerOf(replicaSet);
  if (deployment?.kind !== 'Deployment') {
    return notFound(`${podName} belongs to ReplicaSet ${owner.name}, which no Deployment controls`);
  }
  return resolved(api, 'Deployment', namespace, deployment.name);
}

/** A pod named `<replicaset>-<suffix>` or `<statefulset>-<ordinal>` that no longer exists. */
async function workloadOfVanishedPod(
  api: KubernetesApi,
  namespace: string,
  podName: string,
): Promise<WorkloadResolution> {
  const statefulSets = await api.list(kubernetesResources.statefulSets.inNamespace(namespace));
  const statefulSet = statefulSets.find((set) => {
    const prefix = `${set.metadata?.name}-`;
    return podName.startsWith(prefix) && /^\d+$/.test(podName.slice(prefix.length));
  });
  if (statefulSet) return resolved(api, 'StatefulSet', namespace, statefulSet.metadata?.name ?? '');
  const replicaSets = await api.list(kubernetesResources.replicaSets.inNamespace(namespace));
  // The longest matching name wins: `web-7d4b9` must not lose to a ReplicaSet of a Deployment `web-7`.
  const replicaSet = replicaSets
    .filter((set) => podName.startsWith(`${set.metadata?.name}-`))
    .sort((a, b) => (b.metadata?.name?.length ?? 0) - (a.metadata?.name?.length ?? 0))[0];
  const deployment = replicaSet && controllerOf(replicaSet);
  if (deployment?.kind === 'Deployment') return resolved(api, 'Deployment', namespace, deployment.name);
  return notFound(
    `pod ${namespace}/${podName} no longer exists and no ReplicaSet or StatefulSet owns its name`,
  );
}

/** The workload a Deployment, StatefulSet or Pod target stands for. */
export async function resolveWorkload(api: KubernetesApi, target: Target): Promise<WorkloadResolution> {
  const namespace = target.namespace ?? '';
  if (target.kind === 'Deployment' || target.kind === 'StatefulSet') {
    return resolved(api, target.kind, namespace, target.name);
  }
  if (target.kind !== 'Pod') return notFound(`a ${target.kind} is not a workload`);
  const pod = await api.get(kubernetesResources.pods.named(namespace, target.name));
  return pod ? workloadOfPod(api, pod) : workloadOfVanishedPod(api, namespace, target.name);
}

export function templateOf(workload: Workload): V1PodTemplateSpec | undefined {
  return workload.object.spec?.template;
}

/** The pods the workload's selector selects (never every pod of the namespace). */
export async function podsOfWorkload(api: KubernetesApi, workload: Workload): Promise<V1Pod[]> {
  const selector = selectorString(workload.object.spec?.selector);
  if (!selector) return [];
  const namespace = workload.object.metadata?.namespace ?? '';
  return api.list(kubernetesResources.pods.inNamespace(namespace), { labelSelector: selector });
}

/** The highest restart count of the pod's containers. */
export function restartsOf(pod: V1Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((status) => status.restartCount));
}

export function podSnapshot(pod: V1Pod): Snapshot {
  const owner = controllerOf(pod);
  return {
    kind: 'Pod',
    namespace: pod.metadata?.namespace,
    name: pod.metadata?.name,
    uid: pod.metadata?.uid,
    phase: pod.status?.phase,
    ready: isPodReady(pod),
    node: pod.spec?.nodeName,
    restarts: restartsOf(pod),
    controller: owner ? `${owner.kind}/${owner.name}` : undefined,
  };
}

export function workloadSnapshot(workload: Workload): Snapshot {
  const { object } = workload;
  const template = templateOf(workload);
  return {
    kind: workload.kind,
    namespace: object.metadata?.namespace,
    name: object.metadata?.name,
    generation: object.metadata?.generation,
    replicas: object.spec?.replicas,
    readyReplicas: object.status?.readyReplicas ?? 0,
    ...(workload.kind === 'Deployment' ? { paused: workload.object.spec?.paused ?? false } : {}),
    restartedAt: template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
    containers: (template?.spec?.containers ?? []).map((container) => ({
      name: container.name,
      requests: container.resources?.requests,
      limits: container.resources?.limits,
    })),
    annotations: object.metadata?.annotations,
  };
}
