import { createHash } from 'node:crypto';
import {
  type Condition,
  type Container,
  type ContainerStatus,
  clone,
  conditionOf,
  type Node,
  type Pod,
  type PodPhase,
  type PodStatus,
  setCondition,
} from '../model.ts';
import { TYPES } from '../resources.ts';
import { type ControllerContext, deletePod, isTerminal, writeStatus } from './context.ts';

/**
 * The kubelets of all nodes: runs bound pods. A pod becomes Running and Ready unless its node is
 * not Ready (its pods turn Ready=False, as the node lifecycle controller marks them), an image is
 * not pullable (Pending, ImagePullBackOff), or a fault annotation says otherwise.
 * Pods with restartPolicy Never/OnFailure run to completion: Running, then Succeeded.
 */
export const FAULT_ANNOTATION = 'kube-sim.lakehouse-ops.io/fault';

/**
 * Faults a pod can carry in FAULT_ANNOTATION:
 * - crash-loop: Running, not Ready, CrashLoopBackOff; restartCount grows on every tick().
 * - oom-killed: like crash-loop, with the last termination reason OOMKilled (exit code 137).
 * - not-ready: Running, containers started, readiness probe failing.
 * - fail: a run-to-completion pod ends Failed (exit code 1) instead of Succeeded.
 */
export const POD_FAULTS = ['crash-loop', 'oom-killed', 'not-ready', 'fail'] as const;
export type PodFault = (typeof POD_FAULTS)[number];

const KUBELET = 'kubelet';

function faultOf(pod: Pod): PodFault | undefined {
  const value = pod.metadata.annotations?.[FAULT_ANNOTATION];
  return POD_FAULTS.find((fault) => fault === value);
}

function podIP(pod: Pod): string {
  const digest = createHash('sha256')
    .update(pod.metadata.uid ?? pod.metadata.name ?? '')
    .digest();
  return `10.0.${digest[0]! % 250}.${(digest[1]! % 250) + 2}`;
}

function containerID(pod: Pod, container: Container, restartCount: number): string {
  const digest = createHash('sha256')
    .update(`${pod.metadata.uid}/${container.name}/${restartCount}`)
    .digest('hex');
  return `containerd://${digest}`;
}

type ContainerOutcome = 'running' | 'ready' | 'image-pull-backoff' | 'crash-loop' | 'completed' | 'failed';

function outcomeFor(
  context: ControllerContext,
  pod: Pod,
  container: Container,
  previous: PodStatus,
): ContainerOutcome {
  if (!context.images.canPull(container.image ?? '')) return 'image-pull-backoff';
  const fault = faultOf(pod);
  if (fault === 'crash-loop' || fault === 'oom-killed') return 'crash-loop';
  const runsToCompletion = pod.spec.restartPolicy === 'Never' || pod.spec.restartPolicy === 'OnFailure';
  const executed = runsToCompletion ? context.executions?.outcomeFor(context, pod, container) : undefined;
  if (executed) return executed;
  if (runsToCompletion && previous.phase === 'Running') return fault === 'fail' ? 'failed' : 'completed';
  return fault === 'not-ready' ? 'running' : 'ready';
}

function containerStatus(
  context: ControllerContext,
  pod: Pod,
  container: Container,
  outcome: ContainerOutcome,
  previous?: ContainerStatus,
): ContainerStatus {
  const now = context.now();
  const restartCount = previous?.restartCount ?? 0;
  const base = {
    name: container.name,
    image: container.image ?? '',
    imageID:
      outcome === 'image-pull-backoff'
        ? ''
        : `${container.image}@sha256:${createHash('sha256')
            .update(container.image ?? '')
            .digest('hex')}`,
    restartCount,
  };
  const startedAt = previous?.state.running?.startedAt ?? now;
  switch (outcome) {
    case 'image-pull-backoff':
      return {
        ...base,
        ready: false,
        started: false,
        state: {
          waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${container.image}"` },
        },
        lastState: {},
      };
    case 'crash-loop': {
      const oom = faultOf(pod) === 'oom-killed';
      const count = Math.max(restartCount, 1);
      const terminated = previous?.lastState.terminated ?? {
        reason: oom ? 'OOMKilled' : 'Error',
        exitCode: oom ? 137 : 1,
        startedAt: now,
        finishedAt: now,
      };
      return {
        ...base,
        restartCount: count,
        ready: false,
        started: false,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off 5m0s restarting failed container=${container.name} pod=${pod.metadata.name}`,
          },
        },
        lastState: { terminated },
        containerID: containerID(pod, container, count),
      };
    }
    case 'completed':
    case 'failed': {
      const executed = context.executions?.terminationOf(pod, container);
      return {
        ...base,
        ready: false,
        started: false,
        state: {
          terminated: {
            reason: outcome === 'completed' ? 'Completed' : 'Error',
            exitCode: executed?.exitCode ?? (outcome === 'completed' ? 0 : 1),
            startedAt,
            finishedAt: now,
            ...(executed?.message ? { message: executed.message } : {}),
          },
        },
        lastState: {},
        containerID: containerID(pod, container, restartCount),
      };
    }
    default:
      return {
        ...base,
        ready: outcome === 'ready',
        started: true,
        state: { running: { startedAt } },
        lastState: previous?.lastState ?? {},
        containerID: containerID(pod, container, restartCount),
      };
  }
}

function phaseOf(outcomes: ContainerOutcome[]): PodPhase {
  if (outcomes.includes('image-pull-backoff')) return 'Pending';
  if (outcomes.every((outcome) => outcome === 'completed')) return 'Succeeded';
  if (
    outcomes.some((outcome) => outcome === 'failed') &&
    outcomes.every((outcome) => outcome === 'completed' || outcome === 'failed')
  )
    return 'Failed';
  return 'Running';
}

function runPod(context: ControllerContext, pod: Pod, node: Node): PodStatus {
  const previous = pod.status ?? {};
  const now = context.now();
  const outcomes = pod.spec.containers.map((container) => outcomeFor(context, pod, container, previous));
  const statuses = pod.spec.containers.map((container, index) =>
    containerStatus(
      context,
      pod,
      container,
      outcomes[index]!,
      previous.containerStatuses?.find((status) => status.name === container.name),
    ),
  );
  const phase = phaseOf(outcomes);
  const ready = phase === 'Running' && statuses.every((status) => status.ready);
  const notReady = statuses.filter((status) => !status.ready).map((status) => status.name);
  const readiness: Omit<Condition, 'lastTransitionTime'> = ready
    ? { type: 'Ready', status: 'True' }
    : {
        type: 'Ready',
        status: 'False',
        reason: isTerminalPhase(phase) ? 'PodCompleted' : 'ContainersNotReady',
        message: isTerminalPhase(phase)
          ? undefined
          : `containers with unready status: [${notReady.join(' ')}]`,
      };
  let conditions = setCondition(
    previous.conditions,
    { type: 'PodReadyToStartContainers', status: 'True' },
    now,
  );
  conditions = setCondition(conditions, { type: 'Initialized', status: 'True' }, now);
  conditions = setCondition(conditions, readiness, now);
  conditions = setCondition(conditions, { ...readiness, type: 'ContainersReady' }, now);
  conditions = setCondition(conditions, { type: 'PodScheduled', status: 'True' }, now);
  return {
    ...previous,
    phase,
    conditions: conditions.map(withoutUndefined),
    hostIP: node.status?.addresses?.find((address) => address.type === 'InternalIP')?.address ?? '',
    ...(phase === 'Pending' ? {} : { podIP: previous.podIP ?? podIP(pod) }),
    startTime: previous.startTime ?? now,
    containerStatuses: statuses,
  };
}

function isTerminalPhase(phase: PodPhase): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

function withoutUndefined(condition: Condition): Condition {
  return Object.fromEntries(
    Object.entries(condition).filter(([, value]) => value !== undefined),
  ) as unknown as Condition;
}

/** A NotReady node cannot report its pods; the control plane marks them not Ready and leaves the rest. */
function markNotReady(context: ControllerContext, pod: Pod): PodStatus {
  const status = clone(pod.status ?? {});
  const now = context.now();
  status.conditions = setCondition(status.conditions, { type: 'Ready', status: 'False' }, now);
  status.conditions = setCondition(status.conditions, { type: 'ContainersReady', status: 'False' }, now);
  for (const containerStatus of status.containerStatuses ?? []) containerStatus.ready = false;
  return status;
}

export function runKubelets(context: ControllerContext): void {
  const nodes = new Map(
    (context.api.list(TYPES.node) as Node[]).map((node) => [node.metadata.name ?? '', node]),
  );
  for (const pod of context.api.list(TYPES.pod) as Pod[]) {
    if (!pod.spec.nodeName || isTerminal(pod) || pod.metadata.deletionTimestamp) continue;
    const node = nodes.get(pod.spec.nodeName);
    // Pod garbage collection: a pod bound to a node that no longer exists is deleted.
    if (!node) {
      deletePod(context, pod);
      continue;
    }
    const nodeReady = conditionOf(node.status?.conditions, 'Ready')?.status === 'True';
    const status = nodeReady ? runPod(context, pod, node) : markNotReady(context, pod);
    writeStatus(context, TYPES.pod, pod, status, KUBELET);
  }
}

/** Time passes for crash-looping containers: each tick is one more failed restart. */
export function advanceCrashLoops(context: ControllerContext): void {
  for (const pod of context.api.list(TYPES.pod) as Pod[]) {
    const looping = pod.status?.containerStatuses?.some(
      (status) => status.state.waiting?.reason === 'CrashLoopBackOff',
    );
    if (!looping || isTerminal(pod)) continue;
    const status = clone(pod.status ?? {});
    for (const containerStatus of status.containerStatuses ?? []) {
      if (containerStatus.state.waiting?.reason !== 'CrashLoopBackOff') continue;
      containerStatus.restartCount += 1;
      const terminated = containerStatus.lastState.terminated;
      if (terminated) terminated.finishedAt = context.now();
    }
    writeStatus(context, TYPES.pod, pod, status, KUBELET);
  }
}
