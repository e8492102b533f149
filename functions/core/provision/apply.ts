import type { KubernetesObject } from '@kubernetes/client-node';
import { describeManifest, type Manifest } from '../../../cluster-manifests/src/manifest.ts';
import type { KubernetesApi } from '../../commons/kubernetes/api.ts';
import { isNotFound } from '../../commons/kubernetes/errors.ts';
import { kubernetesResources, pathOfObject } from '../../commons/kubernetes/resources.ts';
import { changedFields, MAX_REPORTED_FIELDS } from './object-diff.ts';
import { isRolloutKind, type WorkloadReference } from './rollout.ts';

/**
 * Server-side apply of one stage's objects, one after another in the stage's order, as the field
 * manager `lakehouse-ops` (forced: these manifests are the source of truth for the fields they
 * name, so a field someone changed by hand is taken back, and the report says so). Each object is
 * read first, so the outcome is exact: created, changed (which fields), or unchanged. A dry run
 * sends the same requests with dryRun=All: the API server validates, defaults and merges them as
 * it would for real, and stores nothing.
 */
export const FIELD_MANAGER = 'lakehouse-ops';

export type ObjectAction = 'created' | 'changed' | 'unchanged';

export interface ObjectChange {
  /** `Deployment prefect/prefect-server`, `Namespace minio`. */
  readonly object: string;
  readonly action: ObjectAction;
  /** The changed fields (at most MAX_REPORTED_FIELDS) of a changed object. */
  readonly fields?: string[];
  readonly fieldCount?: number;
  /** Why the server could not judge the change (a dry run into a namespace that is only planned). */
  readonly note?: string;
}

export interface StageResult {
  readonly stage: string;
  readonly dryRun: boolean;
  readonly objects: ObjectChange[];
  /** Workloads whose rollout to wait for: every Deployment, StatefulSet and DaemonSet applied for real. */
  readonly rollouts: WorkloadReference[];
}

export interface ApplyStageDependencies {
  readonly kubernetes: KubernetesApi;
}

export async function applyStage(
  { kubernetes }: ApplyStageDependencies,
  stage: string,
  objects: readonly Manifest[],
  dryRun: boolean,
): Promise<StageResult> {
  const changes: ObjectChange[] = [];
  for (const object of objects) changes.push(await applyObject(kubernetes, object, dryRun));
  return {
    stage,
    dryRun,
    objects: changes,
    rollouts: dryRun ? [] : objects.filter((object) => isRolloutKind(object.kind)).map(workloadReference),
  };
}

function workloadReference(object: Manifest): WorkloadReference {
  return {
    kind: object.kind as WorkloadReference['kind'],
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
  };
}

async function applyObject(
  kubernetes: KubernetesApi,
  object: Manifest,
  dryRun: boolean,
): Promise<ObjectChange> {
  const path = pathOfObject<KubernetesObject>(object);
  const description = describeManifest(object);
  const before = await kubernetes.get(path);
  let after: KubernetesObject;
  try {
    after = await kubernetes.apply(path, object, { fieldManager: FIELD_MANAGER, force: true, dryRun });
  } catch (error) {
    const pending = dryRun && isNotFound(error) ? await pendingNamespace(kubernetes, object) : undefined;
    if (!pending) throw error;
    // Nothing in a namespace that does not exist yet can be dry-run; the real run creates both.
    return {
      object: description,
      action: 'created',
      note: `namespace ${pending} is created by this run first`,
    };
  }
  if (!before) return { object: description, action: 'created' };
  const fields = changedFields(before, after);
  const moved = !dryRun && before.metadata?.resourceVersion !== after.metadata?.resourceVersion;
  if (fields.length === 0 && !moved) return { object: description, action: 'unchanged' };
  return {
    object: description,
    action: 'changed',
    fields: fields.slice(0, MAX_REPORTED_FIELDS),
    fieldCount: fields.length,
    ...(fields.length === 0 ? { note: 'field ownership only' } : {}),
  };
}

/** The object's namespace when it does not exist (yet), else undefined. */
async function pendingNamespace(kubernetes: KubernetesApi, object: Manifest): Promise<string | undefined> {
  const namespace = object.metadata.namespace;
  if (!namespace) return undefined;
  const found = await kubernetes.get(kubernetesResources.namespaces.named(namespace));
  return found ? undefined : namespace;
}
