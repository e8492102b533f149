import type { KubeObject } from '../model.ts';
import { TYPES } from '../resources.ts';
import { type ControllerContext, writeObject, writeStatus } from './context.ts';

/** The EBS CSI provisioner: binds every claim to a dynamically provisioned volume of the requested size. */
interface ClaimSpec {
  volumeName?: string;
  accessModes?: string[];
  resources?: { requests?: { storage?: string } };
}

export function provisionVolumes(context: ControllerContext): void {
  for (const claim of context.api.list(TYPES.persistentVolumeClaim)) {
    if (claim.metadata.deletionTimestamp) continue;
    const spec = (claim.spec ?? {}) as ClaimSpec;
    if (!spec.volumeName) {
      const bound: KubeObject = { ...claim, spec: { ...spec, volumeName: `pvc-${claim.metadata.uid}` } };
      bound.metadata = {
        ...claim.metadata,
        annotations: { ...claim.metadata.annotations, 'pv.kubernetes.io/bind-completed': 'yes' },
      };
      writeObject(context, TYPES.persistentVolumeClaim, bound, 'persistentvolume-binder-controller');
      continue;
    }
    // Bound once; afterwards status belongs to whoever resizes the volume.
    if ((claim.status as { phase?: string } | undefined)?.phase === 'Bound') continue;
    writeStatus(
      context,
      TYPES.persistentVolumeClaim,
      claim,
      {
        phase: 'Bound',
        accessModes: spec.accessModes ?? ['ReadWriteOnce'],
        capacity: { storage: spec.resources?.requests?.storage ?? '1Gi' },
      },
      'persistentvolume-binder-controller',
    );
  }
}
