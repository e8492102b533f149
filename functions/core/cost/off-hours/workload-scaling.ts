import type { V1CronJob, V1Deployment, V1ObjectMeta, V1StatefulSet } from '@kubernetes/client-node';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { isNotFound } from '../../../commons/kubernetes/errors.ts';
import { kubernetesResources, type ObjectPath } from '../../../commons/kubernetes/resources.ts';
import type { ChangeResult } from './act.ts';
import type { CronJobChange, KeptObject, ObjectReference, WorkloadChange } from './plan.ts';
import {
  cronJobKey,
  type SavedCronJob,
  type SavedWorkload,
  type WorkloadKind,
  workloadKey,
} from './saved-state.ts';
import type { ObjectIdentity } from './stateful-tier.ts';

/**
 * Scaling a set of namespaces' workloads to zero and back with a saved state: the part of the
 * off-hours scale-down that dr-failover's fence (functions/core/dr/fence) shares. Who decides what
 * stays up (`keep`) and how the objects are marked (`annotations`) is the caller's; the rule that
 * an entry already saved is never replaced is not: that is what lets a second run, or the re-run
 * of a run that failed half-way, keep the real counts instead of the zeros it finds.
 */
export type WorkloadObject = V1Deployment | V1StatefulSet;

const workloadPaths = {
  Deployment: kubernetesResources.deployments,
  StatefulSet: kubernetesResources.statefulSets,
} as const;

export function workloadPath(
  kind: WorkloadKind,
  namespace: string,
  name: string,
): ObjectPath<WorkloadObject> {
  return workloadPaths[kind].named(namespace, name) as ObjectPath<WorkloadObject>;
}

/** Kubernetes defaults an unset spec.replicas to 1. */
export function replicasOf(object: WorkloadObject): number {
  return object.spec?.replicas ?? 1;
}

/** Keyed entries of a saved state, then the new ones, in the order found. */
export class SavedEntries<Entry> {
  private readonly entries = new Map<string, Entry>();
  constructor(
    existing: readonly Entry[],
    private readonly key: (entry: Entry) => string,
  ) {
    for (const entry of existing) this.entries.set(key(entry), entry);
  }
  /** What was saved for it, or `current` saved now when `changes` says the run will change it. */
  keep(current: Entry, changes: boolean): Entry | undefined {
    const id = this.key(current);
    const saved = this.entries.get(id);
    if (saved === undefined && changes) this.entries.set(id, current);
    return this.entries.get(id);
  }
  values(): Entry[] {
    return [...this.entries.values()];
  }
}

export async function listInScope<Resource>(
  namespaces: readonly string[],
  list: (namespace: string) => Promise<Resource[]>,
): Promise<Resource[]> {
  return (await Promise.all(namespaces.map(list))).flat();
}

export interface SavedWorkloads {
  readonly workloads: readonly SavedWorkload[];
  readonly cronJobs: readonly SavedCronJob[];
}

export interface WorkloadChanges {
  readonly workloads: WorkloadChange[];
  readonly cronJobs: CronJobChange[];
}

export interface ScaleDownScope {
  readonly namespaces: readonly string[];
  /** Why the object stays as it is, or undefined when it is scaled down (or suspended). */
  keep(object: ObjectIdentity): string | undefined;
}

export interface WorkloadScaleDown {
  /** The saved entries merged with those of the objects this run changes first. */
  readonly saved: { workloads: SavedWorkload[]; cronJobs: SavedCronJob[] };
  readonly changes: WorkloadChanges;
  readonly kept: KeptObject[];
  /** The workloads that go to zero, as read. */
  readonly scaledDown: WorkloadObject[];
}

/** Every Deployment and StatefulSet of the scope to 0 replicas, every CronJob suspended, except what `keep` keeps. */
export async function planWorkloadScaleDown(
  kubernetes: KubernetesApi,
  scope: ScaleDownScope,
  saved: SavedWorkloads | undefined,
): Promise<WorkloadScaleDown> {
  const kept: KeptObject[] = [];
  const workloadEntries = new SavedEntries<SavedWorkload>(saved?.workloads ?? [], workloadKey);
  const cronJobEntries = new SavedEntries<SavedCronJob>(saved?.cronJobs ?? [], cronJobKey);
  const [deployments, statefulSets, cronJobs] = await Promise.all([
    listInScope(scope.namespaces, (ns) => kubernetes.list(kubernetesResources.deployments.inNamespace(ns))),
    listInScope(scope.namespaces, (ns) => kubernetes.list(kubernetesResources.statefulSets.inNamespace(ns))),
    listInScope(scope.namespaces, (ns) => kubernetes.list(kubernetesResources.cronJobs.inNamespace(ns))),
  ]);
  const workloads: { kind: WorkloadKind; object: WorkloadObject }[] = [
    ...deployments.map((object) => ({ kind: 'Deployment' as const, object })),
    ...statefulSets.map((object) => ({ kind: 'StatefulSet' as const, object })),
  ];

  const workloadChanges: WorkloadChange[] = [];
  const scaledDown: WorkloadObject[] = [];
  for (const { kind, object } of workloads) {
    const reference = {
      kind,
      namespace: object.metadata?.namespace ?? '',
      name: object.metadata?.name ?? '',
    };
    const reason = scope.keep({ kind, metadata: object.metadata });
    if (reason) {
      kept.push({ ...reference, reason });
      continue;
    }
    const replicas = replicasOf(object);
    workloadEntries.keep({ ...reference, replicas }, replicas > 0);
    if (replicas > 0) {
      workloadChanges.push({ ...reference, from: replicas, to: 0 });
      scaledDown.push(object);
    }
  }

  const cronJobChanges: CronJobChange[] = [];
  for (const cronJob of cronJobs) {
    const reference = { namespace: cronJob.metadata?.namespace ?? '', name: cronJob.metadata?.name ?? '' };
    const reason = scope.keep({ kind: 'CronJob', metadata: cronJob.metadata });
    if (reason) {
      kept.push({ kind: 'CronJob', ...reference, reason });
      continue;
    }
    const suspend = cronJob.spec?.suspend ?? false;
    cronJobEntries.keep({ ...reference, suspend }, !suspend);
    if (!suspend) cronJobChanges.push({ ...reference, from: false, to: true });
  }
  return {
    saved: { workloads: workloadEntries.values(), cronJobs: cronJobEntries.values() },
    changes: { workloads: workloadChanges, cronJobs: cronJobChanges },
    kept,
    scaledDown,
  };
}

/**
 * The saved state, object by object, against what is there now: a change wherever the value
 * differs or the object still carries the caller's mark (so the mark is removed). Objects deleted
 * since are `missing`.
 */
export async function planWorkloadRestore(
  kubernetes: KubernetesApi,
  saved: SavedWorkloads,
  marked: (metadata: V1ObjectMeta | undefined) => boolean,
): Promise<{ changes: WorkloadChanges; missing: ObjectReference[] }> {
  const missing: ObjectReference[] = [];
  const workloadChanges: WorkloadChange[] = [];
  for (const { kind, namespace, name, replicas: savedReplicas } of saved.workloads) {
    const object = await kubernetes.get<WorkloadObject>(workloadPath(kind, namespace, name));
    if (!object) {
      missing.push({ kind, namespace, name });
      continue;
    }
    const replicas = replicasOf(object);
    if (replicas !== savedReplicas || marked(object.metadata))
      workloadChanges.push({ kind, namespace, name, from: replicas, to: savedReplicas });
  }
  const cronJobChanges: CronJobChange[] = [];
  for (const { namespace, name, suspend: savedSuspend } of saved.cronJobs) {
    const cronJob = await kubernetes.get<V1CronJob>(kubernetesResources.cronJobs.named(namespace, name));
    if (!cronJob) {
      missing.push({ kind: 'CronJob', namespace, name });
      continue;
    }
    const suspend = cronJob.spec?.suspend ?? false;
    if (suspend !== savedSuspend || marked(cronJob.metadata))
      cronJobChanges.push({ namespace, name, from: suspend, to: savedSuspend });
  }
  return { changes: { workloads: workloadChanges, cronJobs: cronJobChanges }, missing };
}

export interface PatchOptions {
  readonly dryRun: boolean;
  /** Recorded in managedFields for the writes. */
  readonly fieldManager: string;
  /** The metadata.annotations of each merge patch (null deletes a key). */
  workloadAnnotations(change: WorkloadChange): Record<string, string | null>;
  cronJobAnnotations(change: CronJobChange): Record<string, string | null>;
}

async function patchOrGone(write: () => Promise<unknown>, dryRun: boolean): Promise<ChangeResult['outcome']> {
  try {
    await write();
    return dryRun ? 'dry-run' : 'changed';
  } catch (error) {
    if (isNotFound(error)) return 'gone';
    throw error;
  }
}

/**
 * Applies the changes one object at a time, each a merge patch of exactly spec.replicas or
 * spec.suspend and the annotations; an object deleted since is reported `gone`, not an error.
 */
export async function patchWorkloadChanges(
  kubernetes: KubernetesApi,
  changes: WorkloadChanges,
  options: PatchOptions,
): Promise<ChangeResult[]> {
  const { dryRun, fieldManager } = options;
  const patchOptions = { strategy: 'merge' as const, dryRun, fieldManager };
  const results: ChangeResult[] = [];
  for (const change of changes.workloads) {
    const { kind, namespace, name, from, to } = change;
    const body = { metadata: { annotations: options.workloadAnnotations(change) }, spec: { replicas: to } };
    const outcome = await patchOrGone(
      () => kubernetes.patch(workloadPath(kind, namespace, name), body, patchOptions),
      dryRun,
    );
    results.push({ kind, namespace, name, change: `replicas ${from} -> ${to}`, outcome });
  }
  for (const change of changes.cronJobs) {
    const { namespace, name, from, to } = change;
    const body = { metadata: { annotations: options.cronJobAnnotations(change) }, spec: { suspend: to } };
    const outcome = await patchOrGone(
      () => kubernetes.patch(kubernetesResources.cronJobs.named(namespace, name), body, patchOptions),
      dryRun,
    );
    results.push({ kind: 'CronJob', namespace, name, change: `suspend ${from} -> ${to}`, outcome });
  }
  return results;
}
