import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { GIB, parseBytes } from '../../kubernetes/quantities.ts';
import { growthParams } from './catalogue.ts';
import { definePlaybook, refused, type Snapshot, tell } from './playbook.ts';
import { formatBytes, grownBytes } from './quantities.ts';

/**
 * Grows a filling MinIO volume claim by `factor` (default 1.5), rounded up to a whole GiB, never
 * beyond `maxBytes`. EBS grows the volume and the CSI driver the file system while MinIO keeps
 * serving. Refused when the claim's StorageClass does not allow expansion (the API server would
 * refuse the patch; saying why is more use to the person paged), and while an earlier expansion is
 * still under way (EBS allows one modification per volume every six hours).
 */
export const DEFAULT_VOLUME_FACTOR = 1.5;

export function claimSnapshot(claim: V1PersistentVolumeClaim): Snapshot {
  return {
    kind: 'PersistentVolumeClaim',
    namespace: claim.metadata?.namespace,
    name: claim.metadata?.name,
    storageClass: claim.spec?.storageClassName,
    requested: claim.spec?.resources?.requests?.storage,
    capacity: claim.status?.capacity?.storage,
    phase: claim.status?.phase,
    volume: claim.spec?.volumeName,
  };
}

export const expandMinioPvc = definePlaybook('expand-minio-pvc', growthParams, async (context) => {
  const { kubernetes, target, dryRun, params } = context;
  const namespace = target.namespace ?? '';
  const path = kubernetesResources.persistentVolumeClaims.named(namespace, target.name);
  const described = `claim ${namespace}/${target.name}`;
  const claim = await kubernetes.get(path);
  if (!claim) return refused(`${described} does not exist`);
  const before = claimSnapshot(claim);
  const requested = claim.spec?.resources?.requests?.storage;
  const capacity = claim.status?.capacity?.storage;
  if (claim.status?.phase !== 'Bound' || !requested || !capacity) {
    return refused(
      `${described} is not bound to a volume (phase ${claim.status?.phase ?? 'unknown'})`,
      before,
    );
  }
  const className = claim.spec?.storageClassName;
  const storageClass = className
    ? await kubernetes.get(kubernetesResources.storageClasses.named(className))
    : undefined;
  if (storageClass?.allowVolumeExpansion !== true) {
    return refused(
      storageClass
        ? `StorageClass ${className} of ${described} does not allow volume expansion (allowVolumeExpansion is not true)`
        : `${described} has no StorageClass that could expand it (${className ?? 'none named'})`,
      before,
    );
  }
  if (parseBytes(requested) > parseBytes(capacity)) {
    return refused(`${described} is already being expanded (${capacity} -> ${requested})`, before);
  }
  const grown = grownBytes(
    parseBytes(requested),
    params.factor ?? DEFAULT_VOLUME_FACTOR,
    params.maxBytes,
    GIB,
  );
  if (grown === undefined) {
    return refused(`${described} is at ${requested}, the cap is ${formatBytes(params.maxBytes)}`, before);
  }
  const size = formatBytes(grown);
  const expanded = await kubernetes.patch(
    path,
    { spec: { resources: { requests: { storage: size } } } },
    { strategy: 'merge', dryRun },
  );
  return {
    outcome: 'acted',
    detail: tell(
      dryRun,
      `expanded ${described} from ${requested} to ${size} (cap ${formatBytes(params.maxBytes)})`,
      `would expand ${described} from ${requested} to ${size} (cap ${formatBytes(params.maxBytes)})`,
    ),
    before,
    after: claimSnapshot(expanded),
    changes: [
      {
        kind: 'PersistentVolumeClaim',
        namespace,
        name: target.name,
        change: `storage ${requested} -> ${size}`,
      },
    ],
  };
});
