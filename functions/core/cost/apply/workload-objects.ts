import type {
  V1CronJob,
  V1Deployment,
  V1ObjectMeta,
  V1PodTemplateSpec,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import type { WorkloadKind, WorkloadRef } from '../recommendation.ts';

/**
 * The workload kinds right-sizing can patch, and where each keeps its pod template. A Job's
 * template is immutable (a new one comes from its CronJob or its creator), and a Prefect work
 * pool's job template is a Prefect API object, so those two are recommended for but never patched.
 */
export const PATCHABLE_KINDS = ['Deployment', 'StatefulSet', 'CronJob'] as const;
export type PatchableKind = (typeof PATCHABLE_KINDS)[number];

export const UNPATCHABLE_REASONS: Readonly<Record<Exclude<WorkloadKind, PatchableKind>, string>> = {
  Job: "a Job's pod template is immutable: change the CronJob or the tool that creates it",
  PrefectWorkPool:
    "a Prefect work pool's base job template lives in the Prefect API: change it there (the report shows the values)",
};

export function isPatchableKind(kind: WorkloadKind): kind is PatchableKind {
  return (PATCHABLE_KINDS as readonly string[]).includes(kind);
}

export type WorkloadObject = V1Deployment | V1StatefulSet | V1CronJob;

function pathOf(kind: PatchableKind, namespace: string, name: string) {
  switch (kind) {
    case 'Deployment':
      return kubernetesResources.deployments.named(namespace, name);
    case 'StatefulSet':
      return kubernetesResources.statefulSets.named(namespace, name);
    case 'CronJob':
      return kubernetesResources.cronJobs.named(namespace, name);
  }
}

export async function readWorkloadObject(
  kubernetes: KubernetesApi,
  kind: PatchableKind,
  workload: Pick<WorkloadRef, 'namespace' | 'name'>,
): Promise<WorkloadObject | undefined> {
  return kubernetes.get<WorkloadObject>(pathOf(kind, workload.namespace, workload.name));
}

export function podTemplateOf(kind: PatchableKind, object: WorkloadObject): V1PodTemplateSpec | undefined {
  return kind === 'CronJob'
    ? (object as V1CronJob).spec?.jobTemplate.spec?.template
    : (object as V1Deployment | V1StatefulSet).spec?.template;
}

/** The pod template wrapped the way `kind` nests it, for a strategic merge patch. */
function underTemplate(kind: PatchableKind, template: object): object {
  return kind === 'CronJob' ? { jobTemplate: { spec: { template } } } : { template };
}

/**
 * The strategic merge patch that sets one container's resources: containers merge by name, so
 * the other containers and the container's other fields stay as they are.
 */
export function containerResourcesPatchBody(
  kind: PatchableKind,
  container: string,
  resources: object,
  annotations: Record<string, string> = {},
): object {
  return {
    ...(Object.keys(annotations).length > 0 ? { metadata: { annotations } } : {}),
    spec: underTemplate(kind, { spec: { containers: [{ name: container, resources }] } }),
  };
}

export async function patchWorkloadObject(
  kubernetes: KubernetesApi,
  kind: PatchableKind,
  workload: Pick<WorkloadRef, 'namespace' | 'name'>,
  body: object,
  dryRun: boolean,
): Promise<WorkloadObject> {
  return kubernetes.patch<WorkloadObject>(pathOf(kind, workload.namespace, workload.name), body, {
    strategy: 'strategic-merge',
    dryRun,
    fieldManager: 'lakehouse-ops-rightsizing',
  });
}

export function metadataOf(object: WorkloadObject): V1ObjectMeta {
  return object.metadata ?? {};
}

/**
 * The names of a workload's pods, as a PromQL regular expression: `<name>-<hash>-<id>` for a
 * Deployment, `<name>-<ordinal>` for a StatefulSet, `<name>-<schedule time>-<id>` for a CronJob.
 */
export function podNamePattern(kind: WorkloadKind, name: string): string {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  switch (kind) {
    case 'Deployment':
      return `${escaped}-[a-z0-9]+-[a-z0-9]+`;
    case 'StatefulSet':
      return `${escaped}-[0-9]+`;
    case 'CronJob':
      return `${escaped}-[0-9]+-[a-z0-9]+`;
    default:
      return `${escaped}-.+`;
  }
}
