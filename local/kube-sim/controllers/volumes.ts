import { createHash } from 'node:crypto';
import type { KubeObject } from '../model.ts';
import { TYPES } from '../resources.ts';
import { expandClaimVolume } from '../volume-expansion.ts';
import { type ControllerContext, writeObject, writeStatus } from './context.ts';

/**
 * The EBS CSI provisioner and the PV binder: every claim gets a dynamically provisioned
 * PersistentVolume `pvc-<claim uid>` of the requested size (an EBS volume, as on EKS), and is bound
 * to it. Consumers such as the volume backup find the EBS volume id through claim -> volume. A
 * bound claim whose storage request grew is expanded (../volume-expansion.ts).
 */
interface ClaimSpec {
  volumeName?: string;
  accessModes?: string[];
  storageClassName?: string;
  resources?: { requests?: { storage?: string } };
}

export const EBS_CSI_DRIVER = 'ebs.csi.aws.com';
const BINDER = 'persistentvolume-binder-controller';
const PROVISIONER = 'ebs-csi-provisioner';
const DEFAULT_STORAGE = '1Gi';

/** `vol-` and 17 hex digits, as EC2 names volumes; derived from the claim uid so it is stable. */
export function ebsVolumeIdFor(claimUid: string): string {
  return `vol-${createHash('sha256').update(claimUid).digest('hex').slice(0, 17)}`;
}

export function provisionVolumes(context: ControllerContext): void {
  for (const claim of context.api.list(TYPES.persistentVolumeClaim)) {
    if (claim.metadata.deletionTimestamp) continue;
    const spec = (claim.spec ?? {}) as ClaimSpec;
    if (!spec.volumeName) {
      provisionVolumeFor(context, claim, spec);
      const bound: KubeObject = { ...claim, spec: { ...spec, volumeName: volumeNameFor(claim) } };
      bound.metadata = {
        ...claim.metadata,
        annotations: { ...claim.metadata.annotations, 'pv.kubernetes.io/bind-completed': 'yes' },
      };
      writeObject(context, TYPES.persistentVolumeClaim, bound, BINDER);
      continue;
    }
    // Bound once; afterwards status belongs to whoever resizes the volume.
    if ((claim.status as { phase?: string } | undefined)?.phase === 'Bound') {
      expandClaimVolume(context.api, claim);
      continue;
    }
    writeStatus(
      context,
      TYPES.persistentVolumeClaim,
      claim,
      {
        phase: 'Bound',
        accessModes: spec.accessModes ?? ['ReadWriteOnce'],
        capacity: { storage: storageOf(spec) },
      },
      BINDER,
    );
  }
}

function volumeNameFor(claim: KubeObject): string {
  return `pvc-${claim.metadata.uid}`;
}

function storageOf(spec: ClaimSpec): string {
  return spec.resources?.requests?.storage ?? DEFAULT_STORAGE;
}

function provisionVolumeFor(context: ControllerContext, claim: KubeObject, spec: ClaimSpec): void {
  const name = volumeNameFor(claim);
  if (context.api.find(TYPES.persistentVolume, undefined, name)) return;
  const volume = context.api.create(
    TYPES.persistentVolume,
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name,
        annotations: { 'pv.kubernetes.io/provisioned-by': EBS_CSI_DRIVER },
      },
      spec: {
        accessModes: spec.accessModes ?? ['ReadWriteOnce'],
        capacity: { storage: storageOf(spec) },
        csi: {
          driver: EBS_CSI_DRIVER,
          volumeHandle: ebsVolumeIdFor(claim.metadata.uid ?? name),
          fsType: 'ext4',
        },
        claimRef: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          namespace: claim.metadata.namespace,
          name: claim.metadata.name,
          uid: claim.metadata.uid,
        },
        persistentVolumeReclaimPolicy: 'Delete',
        ...(spec.storageClassName ? { storageClassName: spec.storageClassName } : {}),
        volumeMode: 'Filesystem',
      },
    },
    undefined,
    { manager: PROVISIONER },
  );
  writeStatus(context, TYPES.persistentVolume, volume, { phase: 'Bound' }, BINDER);
}
