import { type EKSClient, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import type { ClusterEnvironment } from '../../../../cluster-manifests/src/environments.ts';
import { platformIdentities, postgresLocation } from '../../../../cluster-manifests/src/identities.ts';
import { POOL_LABEL } from '../../../../cluster-manifests/src/scheduling.ts';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources, namespacedResource } from '../../../commons/kubernetes/resources.ts';
import { callAws } from '../../../commons/transient-errors.ts';
import { describeNodeGroup, listNodeGroups } from '../../provision/cluster.ts';
import { RESTORE_RECORD_NAME } from '../bring-up/restore-record.ts';

/**
 * The DR side back to standby after a failback (docs/dr.md, "Failback"), in an order that can stop
 * anywhere and be called again:
 *
 * 1. Prefect's server and the DR PostgreSQL to zero replicas (the server first: it writes to the
 *    database). The next failover's apply sets them back from the manifests (server-side apply,
 *    forced), and Prefect's server is applied only after the restore, as on any failover.
 * 2. Once no PostgreSQL pod is left, its volume claims are deleted (the volume is `Retain`ed by
 *    its class only if the class says so; the claim is what the next StatefulSet would reuse), and
 *    only then the restore record: a record without a database would let a restore run into a
 *    database that is still there, which the restore refuses; a database without a record is what
 *    a fresh DR side looks like.
 * 3. Every DR node group to its minimum size.
 *
 * `waiting` while the PostgreSQL pods terminate; `standby` when all is done.
 */
export interface StandbyDependencies {
  readonly kubernetes: KubernetesApi;
  readonly eks: EKSClient;
  readonly clusterName: string;
  /**
   * Each pool's size at standby (by the groups' pool label): the DR ClusterStack's minimum. The
   * failover raised the groups' minSize to the primary's, so the group's own minSize is no longer
   * the standby's; a pool not named keeps its group's minSize.
   */
  readonly standbySizes?: Readonly<Record<string, number>>;
}

export interface StandbyChange {
  readonly target: string;
  readonly change: string;
}

export interface StandbyProgress {
  readonly state: 'waiting' | 'standby';
  readonly changes: StandbyChange[];
  readonly detail: string;
}

const FIELD_MANAGER = 'lakehouse-ops-dr-standby';
const configMaps = namespacedResource<{ metadata?: { name?: string } }>('v1', 'configmaps', 'configmap');

export async function scaleDrToStandby(
  deps: StandbyDependencies,
  environment: ClusterEnvironment,
): Promise<StandbyProgress> {
  const { kubernetes } = deps;
  const changes: StandbyChange[] = [];
  const { prefect } = environment.layout;
  const { namespace } = postgresLocation(environment);
  const database = platformIdentities(environment).postgresql.instance;

  await scaleToZero(
    kubernetes,
    kubernetesResources.deployments.named(prefect.namespace, prefect.serverDeployment),
    `Deployment ${prefect.namespace}/${prefect.serverDeployment}`,
    changes,
  );
  const statefulSet = await kubernetes.get(kubernetesResources.statefulSets.named(namespace, database));
  await scaleToZero(
    kubernetes,
    kubernetesResources.statefulSets.named(namespace, database),
    `StatefulSet ${namespace}/${database}`,
    changes,
  );

  const pods = await kubernetes.list(kubernetesResources.pods.inNamespace(namespace));
  const databasePods = pods.filter((pod) => new RegExp(`^${database}-\\d+$`).test(pod.metadata?.name ?? ''));
  if (databasePods.length > 0) {
    return {
      state: 'waiting',
      changes,
      detail: `waiting for ${databasePods.length} PostgreSQL pods of ${namespace}/${database} to terminate before its volume claims go`,
    };
  }
  const templates = (statefulSet?.spec?.volumeClaimTemplates ?? []).map(
    (template) => template.metadata?.name ?? '',
  );
  const claims = await kubernetes.list(kubernetesResources.persistentVolumeClaims.inNamespace(namespace));
  for (const claim of claims) {
    const name = claim.metadata?.name ?? '';
    if (!templates.some((template) => new RegExp(`^${template}-${database}-\\d+$`).test(name))) continue;
    await kubernetes.delete(kubernetesResources.persistentVolumeClaims.named(namespace, name));
    changes.push({ target: `PersistentVolumeClaim ${namespace}/${name}`, change: 'deleted' });
  }
  if (await kubernetes.get(configMaps.named(namespace, RESTORE_RECORD_NAME))) {
    await kubernetes.delete(configMaps.named(namespace, RESTORE_RECORD_NAME));
    changes.push({
      target: `ConfigMap ${namespace}/${RESTORE_RECORD_NAME}`,
      change: 'deleted (restore record)',
    });
  }
  changes.push(...(await nodeGroupsToMinimum(deps)));
  return {
    state: 'standby',
    changes,
    detail: `the DR database is reset and the DR node groups are at their minimum (${changes.length} changes)`,
  };
}

async function scaleToZero(
  kubernetes: KubernetesApi,
  path: Parameters<KubernetesApi['get']>[0],
  target: string,
  changes: StandbyChange[],
): Promise<void> {
  const workload = (await kubernetes.get(path)) as { spec?: { replicas?: number } } | undefined;
  if (!workload || workload.spec?.replicas === 0) return;
  await kubernetes.patch(path, { spec: { replicas: 0 } }, { strategy: 'merge', fieldManager: FIELD_MANAGER });
  changes.push({ target, change: `replicas ${workload.spec?.replicas ?? 1} -> 0` });
}

async function nodeGroupsToMinimum({
  eks,
  clusterName,
  standbySizes = {},
}: StandbyDependencies): Promise<StandbyChange[]> {
  const changes: StandbyChange[] = [];
  for (const name of await listNodeGroups(eks, clusterName)) {
    const group = await describeNodeGroup(eks, clusterName, name);
    const scaling = group.scalingConfig ?? {};
    const pool = group.labels?.[POOL_LABEL];
    const standby = (pool === undefined ? undefined : standbySizes[pool]) ?? scaling.minSize ?? 0;
    if (scaling.desiredSize === standby && scaling.minSize === standby) continue;
    await callAws(`eks:UpdateNodegroupConfig ${clusterName}/${name}`, () =>
      eks.send(
        new UpdateNodegroupConfigCommand({
          clusterName,
          nodegroupName: name,
          scalingConfig: { ...scaling, minSize: standby, desiredSize: standby },
        }),
      ),
    );
    changes.push({
      target: `node group ${name}`,
      change: `min ${scaling.minSize} -> ${standby}, desired ${scaling.desiredSize} -> ${standby}`,
    });
  }
  return changes;
}
