import { apiErrors, invalidField } from './errors.ts';
import { clone, isPlainObject, type KubeObject, type Workload } from './model.ts';
import type { ObjectApi, UpdateOptions } from './objects.ts';
import { applyPatch, type PatchType } from './patch.ts';
import type { ResourceType } from './resources.ts';
import { formatSelector } from './selectors.ts';

/** The scale subresource: an autoscaling/v1 Scale view of a workload's spec.replicas. */
export interface Scale {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: KubeObject['metadata'];
  spec: { replicas: number };
  status: { replicas: number; selector: string };
}

export function scaleOf(object: KubeObject): Scale {
  const workload = object as Workload;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = workload.metadata;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: workload.spec.replicas ?? 1 },
    status: {
      replicas: Number((workload.status as { replicas?: number } | undefined)?.replicas ?? 0),
      selector: formatSelector(workload.spec.selector),
    },
  };
}

export function updateScale(
  api: ObjectApi,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  body: unknown,
  options: UpdateOptions,
): Scale {
  if (!isPlainObject(body) || !isPlainObject(body.spec))
    throw apiErrors.badRequest('the request body must be an autoscaling/v1 Scale with spec.replicas');
  const replicas = body.spec.replicas;
  if (!Number.isInteger(replicas) || (replicas as number) < 0) {
    throw apiErrors.invalid({ plural: 'scale', group: 'autoscaling', kind: 'Scale.autoscaling' }, name, [
      invalidField('spec.replicas', replicas, 'must be greater than or equal to 0'),
    ]);
  }
  const current = api.get(type, namespace, name);
  const next = clone(current) as Workload;
  next.spec.replicas = replicas as number;
  // The Scale's resourceVersion is the workload's, so a stale Scale conflicts like a stale object.
  const metadata = isPlainObject(body.metadata) ? body.metadata : {};
  next.metadata.resourceVersion =
    typeof metadata.resourceVersion === 'string' && metadata.resourceVersion
      ? metadata.resourceVersion
      : current.metadata.resourceVersion;
  return scaleOf(api.update(type, next, namespace, name, options));
}

export function patchScale(
  api: ObjectApi,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  patchType: PatchType,
  body: unknown,
  options: UpdateOptions,
): Scale {
  const patched = applyPatch(scaleOf(api.get(type, namespace, name)), patchType, body);
  return updateScale(api, type, namespace, name, patched, options);
}
