import type {
  V1Container,
  V1CronJob,
  V1Deployment,
  V1Job,
  V1ObjectMeta,
  V1PodSpec,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import {
  type CollectionPath,
  kubernetesResources,
  type NamespacedResource,
  namespacedResource,
} from '../../../commons/kubernetes/resources.ts';
import { poolOfPodSpec } from '../pricing.ts';
import type { Resources, WorkloadKind } from '../recommendation.ts';
import { resourcesOf } from './current-resources.ts';

/**
 * The workloads right-sizing looks at, as the Kubernetes API describes them: Deployments,
 * StatefulSets, CronJobs (their Job template) and Jobs of their own (not a CronJob's run, not a
 * Prefect flow run: those belong to the CronJob and to the work pool), with each container's
 * current requests and limits, the replicas the saving is computed for, the node pool they run
 * on, and the resources an HorizontalPodAutoscaler scales them on.
 */
export type ScaledResource = 'cpu' | 'memory';

export interface WorkloadContainer {
  name: string;
  current: Resources;
  /** Resources an HPA scales this container's workload on (Resource or ContainerResource metrics). */
  hpaResources: ScaledResource[];
}

export interface DiscoveredWorkload {
  namespace: string;
  kind: WorkloadKind;
  name: string;
  /** Deployments and StatefulSets: the HPA's current replicas, else spec.replicas; run-to-completion kinds: 1. */
  replicas: number;
  /** The `lakehouse-ops.io/pool` it is placed on; undefined when it names none. */
  pool: string | undefined;
  containers: WorkloadContainer[];
}

/** A workload (or one container of it) that gets no recommendation, and why. */
export interface SkippedWorkload {
  namespace: string;
  kind: WorkloadKind;
  name: string;
  container?: string;
  reason: string;
}

export interface Discovery {
  workloads: DiscoveredWorkload[];
  skipped: SkippedWorkload[];
}

export interface WorkloadSource {
  discover(namespaces: readonly string[]): Promise<Discovery>;
}

/** Not (yet) in the shared resource table: right-sizing is its only reader. */
export const horizontalPodAutoscalers: NamespacedResource<V2HorizontalPodAutoscaler> = namespacedResource(
  'autoscaling/v2',
  'horizontalpodautoscalers',
  'horizontalpodautoscaler',
);

/** Labels the Prefect Kubernetes worker puts on the Jobs of flow runs. */
const PREFECT_FLOW_RUN_LABEL = 'prefect.io/flow-run-id';

async function listEach<Resource>(
  kubernetes: KubernetesApi,
  resource: NamespacedResource<Resource>,
  namespaces: readonly string[],
): Promise<Resource[]> {
  const paths: CollectionPath<Resource>[] =
    namespaces.length === 0
      ? [resource.inAllNamespaces()]
      : namespaces.map((namespace) => resource.inNamespace(namespace));
  return (await Promise.all(paths.map((path) => kubernetes.list(path)))).flat();
}

/** `cpu` / `memory` an HPA scales on, for every container (`*`) or a named one. */
function scaledResources(autoscaler: V2HorizontalPodAutoscaler): Map<string, Set<ScaledResource>> {
  const byContainer = new Map<string, Set<ScaledResource>>();
  const add = (container: string, resource: string | undefined) => {
    if (resource !== 'cpu' && resource !== 'memory') return;
    const set = byContainer.get(container) ?? new Set<ScaledResource>();
    set.add(resource);
    byContainer.set(container, set);
  };
  for (const metric of autoscaler.spec?.metrics ?? []) {
    if (metric.type === 'Resource') add('*', metric.resource?.name);
    if (metric.type === 'ContainerResource')
      add(metric.containerResource?.container ?? '*', metric.containerResource?.name);
  }
  return byContainer;
}

interface Template {
  kind: WorkloadKind;
  metadata: V1ObjectMeta;
  spec: V1PodSpec | undefined;
  replicas: number;
}

function isOwnedBy(metadata: V1ObjectMeta, kind: string): boolean {
  return (metadata.ownerReferences ?? []).some((owner) => owner.kind === kind);
}

function templates(
  deployments: V1Deployment[],
  statefulSets: V1StatefulSet[],
  cronJobs: V1CronJob[],
  jobs: V1Job[],
): Template[] {
  return [
    ...deployments.map((object) => ({
      kind: 'Deployment' as const,
      metadata: object.metadata ?? {},
      spec: object.spec?.template.spec,
      replicas: object.spec?.replicas ?? 1,
    })),
    ...statefulSets.map((object) => ({
      kind: 'StatefulSet' as const,
      metadata: object.metadata ?? {},
      spec: object.spec?.template.spec,
      replicas: object.spec?.replicas ?? 1,
    })),
    ...cronJobs.map((object) => ({
      kind: 'CronJob' as const,
      metadata: object.metadata ?? {},
      spec: object.spec?.jobTemplate.spec?.template.spec,
      replicas: 1,
    })),
    ...jobs
      .filter(
        (job) => !isOwnedBy(job.metadata ?? {}, 'CronJob') && !job.metadata?.labels?.[PREFECT_FLOW_RUN_LABEL],
      )
      .map((object) => ({
        kind: 'Job' as const,
        metadata: object.metadata ?? {},
        spec: object.spec?.template.spec,
        replicas: 1,
      })),
  ];
}

function containersOf(
  template: Template,
  where: string,
  scaled: Map<string, Set<ScaledResource>> | undefined,
): WorkloadContainer[] {
  return (template.spec?.containers ?? []).map((container: V1Container) => ({
    name: container.name,
    current: resourcesOf(container.resources, `${where} container ${container.name}`),
    hpaResources: [...new Set([...(scaled?.get('*') ?? []), ...(scaled?.get(container.name) ?? [])])].sort(),
  }));
}

export function kubernetesWorkloadSource(kubernetes: KubernetesApi): WorkloadSource {
  return {
    async discover(namespaces) {
      const [deployments, statefulSets, cronJobs, jobs, autoscalers] = await Promise.all([
        listEach(kubernetes, kubernetesResources.deployments, namespaces),
        listEach(kubernetes, kubernetesResources.statefulSets, namespaces),
        listEach(kubernetes, kubernetesResources.cronJobs, namespaces),
        listEach(kubernetes, kubernetesResources.jobs, namespaces),
        listEach(kubernetes, horizontalPodAutoscalers, namespaces),
      ]);
      const autoscalerOf = new Map<string, V2HorizontalPodAutoscaler>();
      for (const autoscaler of autoscalers) {
        const target = autoscaler.spec?.scaleTargetRef;
        if (target)
          autoscalerOf.set(`${autoscaler.metadata?.namespace}/${target.kind}/${target.name}`, autoscaler);
      }
      const discovery: Discovery = { workloads: [], skipped: [] };
      for (const template of templates(deployments, statefulSets, cronJobs, jobs)) {
        const namespace = template.metadata.namespace ?? '';
        const name = template.metadata.name ?? '';
        const autoscaler = autoscalerOf.get(`${namespace}/${template.kind}/${name}`);
        const where = `${template.kind} ${namespace}/${name}`;
        try {
          discovery.workloads.push({
            namespace,
            kind: template.kind,
            name,
            replicas: autoscaler?.status?.currentReplicas ?? template.replicas,
            pool: poolOfPodSpec(template.spec),
            containers: containersOf(template, where, autoscaler && scaledResources(autoscaler)),
          });
        } catch (error) {
          discovery.skipped.push({ namespace, kind: template.kind, name, reason: (error as Error).message });
        }
      }
      return discovery;
    },
  };
}
