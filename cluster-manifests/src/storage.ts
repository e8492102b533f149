import type { V1StorageClass } from '@kubernetes/client-node';
import { type Manifest, manifest } from './manifest.ts';
import { platformMeta } from './metadata.ts';

/**
 * Two EBS gp3 classes. Volumes of the backed-up class carry the tag AWS Backup selects on
 * (docs/backup.md: `lakehouse-ops/backup=true`), so MinIO's drives and the Prefect database are
 * snapshotted and nothing else is. Both are encrypted, bound only once the pod is scheduled (so
 * the volume is created in the pod's zone) and expandable (remediation grows a filling MinIO drive).
 */
export const STORAGE_CLASSES = {
  backedUp: 'lakehouse-gp3-backup',
  standard: 'lakehouse-gp3',
} as const;

export const BACKUP_TAG = { key: 'lakehouse-ops/backup', value: 'true' } as const;

function gp3(name: string, parameters: Record<string, string>, reclaimPolicy: 'Retain' | 'Delete'): Manifest {
  return manifest<V1StorageClass>({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: platformMeta(name),
    provisioner: 'ebs.csi.aws.com',
    parameters: { type: 'gp3', encrypted: 'true', 'csi.storage.k8s.io/fstype': 'xfs', ...parameters },
    reclaimPolicy,
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  });
}

export function storageClasses(): Manifest[] {
  return [
    // Retain: deleting a claim by mistake must not delete an object-store drive or the database.
    gp3(STORAGE_CLASSES.backedUp, { tagSpecification_1: `${BACKUP_TAG.key}=${BACKUP_TAG.value}` }, 'Retain'),
    gp3(STORAGE_CLASSES.standard, {}, 'Delete'),
  ];
}
