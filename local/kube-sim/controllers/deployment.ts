import {
  type Condition,
  clone,
  conditionOf,
  controllerOf,
  ownerReferenceTo,
  rfc3339,
  setCondition,
  type Workload,
} from '../model.ts';
import { TYPES } from '../resources.ts';
import { type ControllerContext, scaledValue, templateHash, writeObject, writeStatus } from './context.ts';

/**
 * Deployment -> ReplicaSets. A template change creates a new ReplicaSet named after the template
 * hash; old ReplicaSets are scaled down only as far as the new one has available pods, so a broken
 * rollout (ImagePullBackOff) keeps the old pods serving, as a real rolling update does.
 */
const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';

type ReplicaSetStatus = { replicas?: number; readyReplicas?: number; availableReplicas?: number };

function statusOf(replicaSet: Workload): ReplicaSetStatus {
  return (replicaSet.status ?? {}) as ReplicaSetStatus;
}

function revisionOf(replicaSet: Workload): number {
  return Number(replicaSet.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
}

function newReplicaSet(deployment: Workload, hash: string, revision: number): Workload {
  const template = clone(deployment.spec.template);
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH_LABEL]: hash } };
  const selector = clone(deployment.spec.selector);
  selector.matchLabels = { ...selector.matchLabels, [HASH_LABEL]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${deployment.metadata.name}-${hash}`,
      namespace: deployment.metadata.namespace,
      labels: { ...template.metadata.labels },
      annotations: {
        [REVISION_ANNOTATION]: String(revision),
        'deployment.kubernetes.io/desired-replicas': String(deployment.spec.replicas ?? 1),
      },
      ownerReferences: [ownerReferenceTo(deployment)],
    },
    spec: { replicas: 0, selector, template },
  };
}

function scaleReplicaSet(context: ControllerContext, replicaSet: Workload, replicas: number): void {
  if (replicaSet.spec.replicas === replicas) return;
  writeObject(context, TYPES.replicaSet, { ...replicaSet, spec: { ...replicaSet.spec, replicas } });
}

function reconcile(context: ControllerContext, deployment: Workload): void {
  const desired = deployment.spec.replicas ?? 1;
  const hash = templateHash(deployment.spec.template);
  const owned = context.api
    .list(TYPES.replicaSet, deployment.metadata.namespace)
    .filter((replicaSet) => controllerOf(replicaSet)?.uid === deployment.metadata.uid) as Workload[];
  let current = owned.find((replicaSet) => replicaSet.spec.template.metadata?.labels?.[HASH_LABEL] === hash);
  const old = owned
    .filter((replicaSet) => replicaSet !== current)
    .sort((a, b) => revisionOf(b) - revisionOf(a));

  if (!deployment.spec.paused) {
    if (!current) {
      const revision = Math.max(0, ...owned.map(revisionOf)) + 1;
      current = context.api.create(
        TYPES.replicaSet,
        newReplicaSet(deployment, hash, revision),
        deployment.metadata.namespace,
        {
          manager: 'kube-controller-manager',
        },
      ) as Workload;
    }
    const strategy = (deployment.spec.strategy as { type?: string } | undefined)?.type;
    const oldPods = old.reduce((sum, replicaSet) => sum + (statusOf(replicaSet).replicas ?? 0), 0);
    // Recreate: the new pods start only once every old pod is gone.
    scaleReplicaSet(context, current, strategy === 'Recreate' && oldPods > 0 ? 0 : desired);
    let keep =
      strategy === 'Recreate' ? 0 : Math.max(0, desired - (statusOf(current).availableReplicas ?? 0));
    for (const replicaSet of old) {
      const replicas = Math.min(keep, replicaSet.spec.replicas ?? 0);
      keep -= replicas;
      scaleReplicaSet(context, replicaSet, replicas);
    }
    const revision = String(revisionOf(current));
    if (deployment.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
      const annotated = clone(deployment);
      annotated.metadata.annotations = { ...annotated.metadata.annotations, [REVISION_ANNOTATION]: revision };
      writeObject(context, TYPES.deployment, annotated);
      return;
    }
  }
  writeStatus(
    context,
    TYPES.deployment,
    deployment,
    deploymentStatus(context, deployment, current, [...owned]),
  );
}

function deploymentStatus(
  context: ControllerContext,
  deployment: Workload,
  current: Workload | undefined,
  all: Workload[],
) {
  const desired = deployment.spec.replicas ?? 1;
  const sum = (field: keyof ReplicaSetStatus) =>
    all.reduce((total, replicaSet) => total + (statusOf(replicaSet)[field] ?? 0), 0);
  const replicas = sum('replicas');
  const available = sum('availableReplicas');
  const updated = current ? (statusOf(current).replicas ?? 0) : 0;
  const specReplicas = all.reduce((total, replicaSet) => total + (replicaSet.spec.replicas ?? 0), 0);
  const rollingUpdate = (
    deployment.spec.strategy as { rollingUpdate?: { maxUnavailable?: number | string } } | undefined
  )?.rollingUpdate;
  const maxUnavailable = scaledValue(rollingUpdate?.maxUnavailable, desired, false, 0);
  const previous = (deployment.status ?? {}) as { conditions?: Condition[] };
  const now = context.now();
  const complete = updated === desired && replicas === desired && available === desired;
  let conditions = setCondition(
    previous.conditions,
    available >= desired - maxUnavailable
      ? {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        }
      : {
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.',
        },
    now,
  );
  const name = current?.metadata.name ?? deployment.metadata.name;
  conditions = setCondition(
    conditions,
    progressingCondition(deployment, previous.conditions, complete, name ?? '', context.clock()),
    now,
  );
  return {
    observedGeneration: deployment.metadata.generation,
    replicas,
    updatedReplicas: updated,
    readyReplicas: sum('readyReplicas'),
    availableReplicas: available,
    ...(specReplicas - available > 0 ? { unavailableReplicas: specReplicas - available } : {}),
    conditions,
  };
}

/**
 * Progressing turns False after progressDeadlineSeconds without completing, as `kubectl rollout
 * status` reports it. lastUpdateTime moves only when the reason changes, so the deadline is measured
 * from the start of the current rollout.
 */
function progressingCondition(
  deployment: Workload,
  conditions: Condition[] | undefined,
  complete: boolean,
  replicaSetName: string,
  now: Date,
): Omit<Condition, 'lastTransitionTime'> {
  const previous = conditionOf(conditions, 'Progressing');
  const deadlineMs = Number(deployment.spec.progressDeadlineSeconds ?? 600) * 1000;
  const rolloutStart =
    previous?.reason === 'ReplicaSetUpdated' && previous.lastUpdateTime
      ? Date.parse(previous.lastUpdateTime)
      : now.getTime();
  const [status, reason, message]: [Condition['status'], string, string] = complete
    ? ['True', 'NewReplicaSetAvailable', `ReplicaSet "${replicaSetName}" has successfully progressed.`]
    : previous?.reason === 'ProgressDeadlineExceeded' || now.getTime() - rolloutStart > deadlineMs
      ? ['False', 'ProgressDeadlineExceeded', `ReplicaSet "${replicaSetName}" has timed out progressing.`]
      : ['True', 'ReplicaSetUpdated', `ReplicaSet "${replicaSetName}" is progressing.`];
  const lastUpdateTime =
    previous?.reason === reason && previous.lastUpdateTime ? previous.lastUpdateTime : rfc3339(now);
  return { type: 'Progressing', status, reason, message, lastUpdateTime };
}

export function reconcileDeployments(context: ControllerContext): void {
  for (const deployment of context.api.list(TYPES.deployment) as Workload[]) {
    if (!deployment.metadata.deletionTimestamp) reconcile(context, deployment);
  }
}
