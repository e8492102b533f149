import { clone, type KubeObject, type Pod, type Workload } from '../model.ts';
import { TYPES } from '../resources.ts';
import {
  type ControllerContext,
  createPodFromTemplate,
  deletePod,
  isActive,
  isReady,
  podsControlledBy,
  templateHash,
  writeStatus,
} from './context.ts';

/**
 * StatefulSet -> Pods `<name>-0..N-1` with stable names and per-pod PersistentVolumeClaims.
 * OrderedReady creates pod i+1 only once pods 0..i are Ready and removes the highest ordinal first;
 * a template change replaces pods from the highest ordinal down, one at a time.
 */
const REVISION_LABEL = 'controller-revision-hash';

interface StatefulSetSpec {
  serviceName?: string;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  volumeClaimTemplates?: KubeObject[];
}

function ordinalOf(statefulSet: Workload, pod: Pod): number {
  const suffix = (pod.metadata.name ?? '').slice((statefulSet.metadata.name ?? '').length + 1);
  return /^\d+$/.test(suffix) ? Number(suffix) : -1;
}

function ensureClaims(
  context: ControllerContext,
  statefulSet: Workload,
  spec: StatefulSetSpec,
  ordinal: number,
): { name: string; persistentVolumeClaim: { claimName: string } }[] {
  return (spec.volumeClaimTemplates ?? []).map((template) => {
    const claimName = `${template.metadata.name}-${statefulSet.metadata.name}-${ordinal}`;
    const namespace = statefulSet.metadata.namespace;
    if (!context.api.find(TYPES.persistentVolumeClaim, namespace, claimName)) {
      const claim = clone(template);
      claim.apiVersion = 'v1';
      claim.kind = 'PersistentVolumeClaim';
      claim.metadata = {
        ...claim.metadata,
        name: claimName,
        namespace,
        labels: { ...statefulSet.spec.selector.matchLabels, ...claim.metadata.labels },
      };
      delete claim.status;
      context.api.create(TYPES.persistentVolumeClaim, claim, namespace, {
        manager: 'kube-controller-manager',
      });
    }
    return { name: template.metadata.name ?? '', persistentVolumeClaim: { claimName } };
  });
}

function createOrdinal(
  context: ControllerContext,
  statefulSet: Workload,
  spec: StatefulSetSpec,
  ordinal: number,
  revision: string,
): void {
  const name = `${statefulSet.metadata.name}-${ordinal}`;
  const claimVolumes = ensureClaims(context, statefulSet, spec, ordinal);
  createPodFromTemplate(context, statefulSet, statefulSet.spec.template, {
    name,
    extraLabels: {
      [REVISION_LABEL]: revision,
      'statefulset.kubernetes.io/pod-name': name,
      'apps.kubernetes.io/pod-index': String(ordinal),
    },
    mutate: (pod) => {
      pod.spec.hostname = name;
      if (spec.serviceName) pod.spec.subdomain = spec.serviceName;
      const volumes = (pod.spec.volumes as { name: string }[] | undefined) ?? [];
      pod.spec.volumes = [
        ...volumes.filter((volume) => !claimVolumes.some((claim) => claim.name === volume.name)),
        ...claimVolumes,
      ];
    },
  });
}

function reconcile(context: ControllerContext, statefulSet: Workload): void {
  const spec = statefulSet.spec as Workload['spec'] & StatefulSetSpec;
  const replicas = spec.replicas ?? 1;
  const ordered = spec.podManagementPolicy !== 'Parallel';
  const updateRevision = `${statefulSet.metadata.name}-${templateHash(spec.template)}`;
  const pods = podsControlledBy(context, statefulSet).filter(isActive);
  const byOrdinal = new Map(pods.map((pod) => [ordinalOf(statefulSet, pod), pod]));

  for (let ordinal = 0; ordinal < replicas; ordinal += 1) {
    const pod = byOrdinal.get(ordinal);
    if (pod) {
      if (ordered && !isReady(pod)) break;
      continue;
    }
    createOrdinal(context, statefulSet, spec, ordinal, updateRevision);
    if (ordered) break;
  }
  const condemned = pods
    .filter((pod) => ordinalOf(statefulSet, pod) >= replicas)
    .sort((a, b) => ordinalOf(statefulSet, b) - ordinalOf(statefulSet, a));
  for (const pod of ordered ? condemned.slice(0, 1) : condemned) deletePod(context, pod);

  const current = pods.filter((pod) => ordinalOf(statefulSet, pod) < replicas);
  const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  const settled = condemned.length === 0 && current.length === replicas && current.every(isReady);
  if (spec.updateStrategy?.type !== 'OnDelete' && settled) {
    const outdated = current
      .filter(
        (pod) =>
          ordinalOf(statefulSet, pod) >= partition &&
          pod.metadata.labels?.[REVISION_LABEL] !== updateRevision,
      )
      .sort((a, b) => ordinalOf(statefulSet, b) - ordinalOf(statefulSet, a));
    if (outdated[0]) deletePod(context, outdated[0]);
  }

  const previous = (statefulSet.status ?? {}) as { currentRevision?: string };
  const updated = current.filter((pod) => pod.metadata.labels?.[REVISION_LABEL] === updateRevision).length;
  const currentRevision =
    updated === replicas || !previous.currentRevision ? updateRevision : previous.currentRevision;
  const ready = current.filter(isReady).length;
  writeStatus(context, TYPES.statefulSet, statefulSet, {
    observedGeneration: statefulSet.metadata.generation,
    replicas: current.length,
    readyReplicas: ready,
    availableReplicas: ready,
    currentReplicas: current.filter((pod) => pod.metadata.labels?.[REVISION_LABEL] === currentRevision)
      .length,
    updatedReplicas: updated,
    currentRevision,
    updateRevision,
    collisionCount: 0,
  });
}

export function reconcileStatefulSets(context: ControllerContext): void {
  for (const statefulSet of context.api.list(TYPES.statefulSet) as Workload[]) {
    if (!statefulSet.metadata.deletionTimestamp) reconcile(context, statefulSet);
  }
}
