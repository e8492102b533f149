import { apiErrors, forbiddenField } from './errors.ts';
import { clone, jsonEqual, type KubeObject } from './model.ts';
import type { ObjectApi } from './objects.ts';
import { parseQuantity } from './quantity.ts';
import { type ResourceType, requireResourceByKind, TYPES } from './resources.ts';

/**
 * Growing a PersistentVolumeClaim, as the API server and the CSI resizer do it: a bound claim's
 * spec is immutable except its storage request, which may only grow; growing it passes the
 * PersistentVolumeClaimResize admission plugin only when the claim's StorageClass says
 * `allowVolumeExpansion: true`. The resizer then grows the volume and the claim's capacity
 * (at once here; EBS takes minutes and allows one change per volume every six hours).
 */
const STORAGE_CLASS = requireResourceByKind('storage.k8s.io/v1', 'StorageClass');

interface ClaimSpec {
  volumeName?: string;
  storageClassName?: string;
  resources?: { requests?: { storage?: string } };
}

function claimSpec(claim: KubeObject): ClaimSpec {
  return (claim.spec ?? {}) as ClaimSpec;
}

function requestedStorage(claim: KubeObject): string | undefined {
  return claimSpec(claim).resources?.requests?.storage;
}

function withoutRequests(spec: ClaimSpec): ClaimSpec {
  const { resources, ...rest } = spec;
  const { requests: _requests, ...otherResources } = resources ?? {};
  return { ...rest, resources: otherResources };
}

/** Refuses the update of a claim that the real API server would refuse (422 or 403). */
export function admitClaimUpdate(
  api: ObjectApi,
  type: ResourceType,
  before: KubeObject,
  after: KubeObject,
): void {
  if (type.kind !== 'PersistentVolumeClaim') return;
  const name = after.metadata.name ?? '';
  const bound = (before.status as { phase?: string } | undefined)?.phase === 'Bound';
  const previous = requestedStorage(before);
  const requested = requestedStorage(after);
  const onlyRequestsChanged = jsonEqual(
    withoutRequests(claimSpec(before)),
    withoutRequests(claimSpec(after)),
  );
  if (!onlyRequestsChanged || (!bound && previous !== requested)) {
    throw apiErrors.invalid(type, name, [
      forbiddenField(
        'spec',
        'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
      ),
    ]);
  }
  if (previous === requested || previous === undefined || requested === undefined) return;
  if (parseQuantity(requested) < parseQuantity(previous)) {
    throw apiErrors.invalid(type, name, [
      forbiddenField('spec.resources.requests.storage', 'field can not be less than previous value'),
    ]);
  }
  const className = claimSpec(after).storageClassName;
  const storageClass = className ? api.find(STORAGE_CLASS, undefined, className) : undefined;
  if ((storageClass as { allowVolumeExpansion?: boolean } | undefined)?.allowVolumeExpansion !== true) {
    throw apiErrors.forbidden(
      `persistentvolumeclaims "${name}" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize`,
      { name, kind: 'persistentvolumeclaims' },
    );
  }
}

const RESIZER = 'external-resizer ebs.csi.aws.com';

/**
 * The resizer and the kubelet's file system expansion in one step: a bound claim whose request
 * exceeds its capacity gets a volume and a capacity of the requested size.
 */
export function expandClaimVolume(api: ObjectApi, claim: KubeObject): void {
  const requested = requestedStorage(claim);
  const status = (claim.status ?? {}) as { phase?: string; capacity?: { storage?: string } };
  const capacity = status.capacity?.storage;
  if (status.phase !== 'Bound' || !requested || !capacity) return;
  if (parseQuantity(requested) <= parseQuantity(capacity)) return;
  const volumeName = claimSpec(claim).volumeName;
  const volume = volumeName ? api.find(TYPES.persistentVolume, undefined, volumeName) : undefined;
  if (volume) {
    const grown = clone(volume);
    grown.spec = {
      ...(grown.spec as object),
      capacity: { ...(grown.spec as { capacity?: object }).capacity, storage: requested },
    };
    api.update(TYPES.persistentVolume, grown, undefined, volumeName ?? '', {
      manager: RESIZER,
      trusted: true,
    });
  }
  const resized = {
    ...clone(claim),
    status: { ...status, capacity: { ...status.capacity, storage: requested } },
  };
  api.update(TYPES.persistentVolumeClaim, resized, claim.metadata.namespace, claim.metadata.name ?? '', {
    subresource: 'status',
    manager: RESIZER,
    trusted: true,
  });
}
