import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { KubernetesApi } from '../../commons/kubernetes/api.ts';
import { clusterResource, namespacedResource } from '../../commons/kubernetes/resources.ts';

const persistentVolumeClaims = namespacedResource<V1PersistentVolumeClaim>(
  'v1',
  'persistentvolumeclaims',
  'persistentvolumeclaim',
);
const persistentVolumes = clusterResource<V1PersistentVolume>('v1', 'persistentvolumes', 'persistentvolume');

const EBS_CSI_DRIVER = 'ebs.csi.aws.com';
const EBS_VOLUME_ID = /(vol-[0-9a-f]+)$/;

export interface BackupVolume {
  namespace: string;
  claim: string;
  persistentVolume: string;
  volumeId: string;
}

export interface VolumeDiscovery {
  volumes: BackupVolume[];
  /** Claims that cannot be backed up by AWS Backup (unbound, or not an EBS volume), with why. */
  ignored: { namespace: string; claim: string; reason: string }[];
}

/**
 * The EBS volumes behind the PersistentVolumeClaims of these namespaces (MinIO's data, the Prefect
 * PostgreSQL). Found through Kubernetes rather than configured, because the EBS CSI driver creates
 * the volumes and their ids change whenever a claim is re-created.
 */
export async function discoverBackupVolumes(
  kubernetes: KubernetesApi,
  namespaces: readonly string[],
): Promise<VolumeDiscovery> {
  const discovery: VolumeDiscovery = { volumes: [], ignored: [] };
  for (const namespace of namespaces) {
    const claims = await kubernetes.list(persistentVolumeClaims.inNamespace(namespace));
    for (const claim of claims) {
      const claimName = claim.metadata?.name ?? '(unnamed)';
      const volumeName = claim.spec?.volumeName;
      if (claim.status?.phase !== 'Bound' || !volumeName) {
        discovery.ignored.push({
          namespace,
          claim: claimName,
          reason: `not bound (${claim.status?.phase ?? 'no phase'})`,
        });
        continue;
      }
      const volume = await kubernetes.get(persistentVolumes.named(volumeName));
      const volumeId = volume && ebsVolumeId(volume);
      if (!volumeId) {
        discovery.ignored.push({
          namespace,
          claim: claimName,
          reason: volume
            ? `persistentvolume ${volumeName} is not an EBS volume`
            : `persistentvolume ${volumeName} not found`,
        });
        continue;
      }
      discovery.volumes.push({ namespace, claim: claimName, persistentVolume: volumeName, volumeId });
    }
  }
  return discovery;
}

/** EBS CSI volumes carry the id as volumeHandle; in-tree ones as `aws://<zone>/vol-...`. */
export function ebsVolumeId(volume: V1PersistentVolume): string | undefined {
  const csi = volume.spec?.csi;
  if (csi?.driver === EBS_CSI_DRIVER) return EBS_VOLUME_ID.exec(csi.volumeHandle)?.[1];
  const inTree = volume.spec?.awsElasticBlockStore?.volumeID;
  return inTree ? EBS_VOLUME_ID.exec(inTree)?.[1] : undefined;
}

/** `arn:aws:ec2:<region>:<account>:volume/<id>`, the resource AWS Backup takes. */
export function ebsVolumeArn(
  volumeId: string,
  where: { partition: string; region: string; account: string },
): string {
  return `arn:${where.partition}:ec2:${where.region}:${where.account}:volume/${volumeId}`;
}
