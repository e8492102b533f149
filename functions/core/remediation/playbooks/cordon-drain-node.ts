import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type * as z from 'zod/mini';
import { EvictionBlockedError } from '../../../commons/errors.ts';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { isNotFound } from '../../../commons/kubernetes/errors.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { isPodReady } from '../../kubernetes/pod-problems.ts';
import { cordonDrainNodeParams } from './catalogue.ts';
import { budgetsBlockingPod, budgetsIn, describeBudget } from './disruption-budgets.ts';
import { definePlaybook, type PlaybookDependencies, type Snapshot, skipped } from './playbook.ts';
import { controllerOf } from './workloads.ts';

/**
 * `kubectl drain`, bounded: cordon the node, then evict its pods through the eviction API so that
 * every PodDisruptionBudget is honoured. DaemonSet pods (their controller ignores cordons and would
 * put them straight back) and mirror pods (the kubelet's static pods, which the API cannot remove)
 * are left alone, as kubectl does. A pod without a controller is left too: evicted, nothing would
 * recreate it. A refused eviction (429) is retried with growing pauses until `timeoutSeconds`
 * (default 120) have passed; whatever is still refused then is reported as blocked, with the
 * budget that blocks it, for the escalation. Evicted pods are not waited for: on a NotReady node
 * (the usual alert) the kubelet never confirms their end, and their controllers replace them at once.
 */
export const DEFAULT_DRAIN_TIMEOUT_SECONDS = 120;
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;

export interface DrainDependencies extends PlaybookDependencies {
  /** Injectable for tests; a real pause by default. */
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** Stop retrying by then whatever `timeoutSeconds` says (the Lambda's own end, less a margin). */
  readonly stopBy?: Date;
}

export interface PodVerdict {
  readonly pod: string;
  readonly reason: string;
}

type Classified = { evict: V1Pod[]; skip: PodVerdict[]; keep: PodVerdict[] };

/** `namespace/name`, as drains report pods. */
export function podName(pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

/** What the drain does with each pod on the node: evict it, skip it (as kubectl does), or keep it. */
export function classifyPods(pods: readonly V1Pod[]): Classified {
  const classified: Classified = { evict: [], skip: [], keep: [] };
  for (const pod of pods) {
    const owner = controllerOf(pod);
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION]) {
      classified.skip.push({ pod: podName(pod), reason: 'mirror pod' });
    } else if (owner?.kind === 'DaemonSet') {
      classified.skip.push({ pod: podName(pod), reason: `DaemonSet ${owner.name}` });
    } else if (pod.metadata?.deletionTimestamp) {
      classified.skip.push({ pod: podName(pod), reason: 'already terminating' });
    } else if (!owner && !finished) {
      classified.keep.push({ pod: podName(pod), reason: 'no controller: evicted, it would not come back' });
    } else classified.evict.push(pod);
  }
  return classified;
}

function sleepFor(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

async function blockedReason(api: KubernetesApi, pod: V1Pod, error: EvictionBlockedError): Promise<string> {
  const budgets = budgetsBlockingPod(await budgetsIn(api, pod.metadata?.namespace ?? ''), pod);
  return budgets.length > 0
    ? `blocked by ${budgets.map(describeBudget).join(', ')}`
    : `eviction refused: ${error.message}`;
}

interface EvictionRound {
  evicted: V1Pod[];
  blocked: Map<V1Pod, string>;
}

/** One attempt at each pending pod. A pod already gone counts as evicted. */
async function evictOnce(
  api: KubernetesApi,
  pods: readonly V1Pod[],
  dryRun: boolean,
): Promise<EvictionRound> {
  const round: EvictionRound = { evicted: [], blocked: new Map() };
  for (const pod of pods) {
    try {
      await api.evict(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', { dryRun });
      round.evicted.push(pod);
    } catch (error) {
      if (isNotFound(error)) round.evicted.push(pod);
      else if (error instanceof EvictionBlockedError)
        round.blocked.set(pod, await blockedReason(api, pod, error));
      else throw error;
    }
  }
  return round;
}

/** Evicts until every pod went or the deadline passed; a dry run does not wait (nothing changes meanwhile). */
async function evictAll(
  api: KubernetesApi,
  pods: readonly V1Pod[],
  options: { dryRun: boolean; deadline: number; now: () => Date; sleep: (ms: number) => Promise<void> },
): Promise<{ evicted: V1Pod[]; blocked: PodVerdict[] }> {
  const evicted: V1Pod[] = [];
  let pending = pods;
  let blocked = new Map<V1Pod, string>();
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    const round = await evictOnce(api, pending, options.dryRun);
    evicted.push(...round.evicted);
    blocked = round.blocked;
    pending = [...blocked.keys()];
    const remaining = options.deadline - options.now().getTime();
    if (pending.length === 0 || options.dryRun || remaining <= 0) break;
    await options.sleep(Math.min(FIRST_BACKOFF_MS * 2 ** attempt, MAX_BACKOFF_MS, remaining));
  }
  return { evicted, blocked: [...blocked].map(([pod, reason]) => ({ pod: podName(pod), reason })) };
}

export function nodeSnapshot(node: V1Node, pods: readonly V1Pod[]): Snapshot {
  const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status;
  return {
    kind: 'Node',
    name: node.metadata?.name,
    unschedulable: node.spec?.unschedulable ?? false,
    ready,
    pods: pods.map((pod) => ({ pod: podName(pod), ready: isPodReady(pod), phase: pod.status?.phase })),
  };
}

/** How a drain is bounded and whether it only says what it would do. */
export interface DrainOptions {
  readonly dryRun: boolean;
  /** How long refused evictions are retried; DEFAULT_DRAIN_TIMEOUT_SECONDS when unset. */
  readonly timeoutSeconds?: number;
  /** Stop retrying by then whatever `timeoutSeconds` says (the Lambda's own end, less a margin). */
  readonly stopBy?: Date;
  readonly now?: () => Date;
  /** Injectable for tests; a real pause by default. */
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** Set on the node together with the cordon, so that whoever cordoned it can be told later. */
  readonly cordonAnnotations?: Readonly<Record<string, string>>;
}

/** What one bounded drain did; `left` holds the pods still on the node that should have gone. */
export type NodeDrain =
  | { readonly found: false }
  | {
      readonly found: true;
      readonly before: Snapshot;
      /** Already cordoned, nothing to evict and nothing kept: nothing was written. */
      readonly alreadyDrained: boolean;
      /** This drain cordoned the node (it was schedulable). */
      readonly cordoned: boolean;
      readonly evicted: readonly V1Pod[];
      /** Pods kept (no controller) or still refused by a budget when the time ran out. */
      readonly left: readonly PodVerdict[];
      readonly skipped: readonly PodVerdict[];
    };

/**
 * The drain core, shared by this playbook, spot-migration and spot-interruption: cordon the node,
 * evict its pods within their PodDisruptionBudgets until they went or the bound passed. Never forces.
 */
export async function drainNode(
  kubernetes: KubernetesApi,
  nodeName: string,
  options: DrainOptions,
): Promise<NodeDrain> {
  const path = kubernetesResources.nodes.named(nodeName);
  const node = await kubernetes.get(path);
  if (!node) return { found: false };
  const pods = await kubernetes.list(kubernetesResources.pods.inAllNamespaces(), {
    fieldSelector: `spec.nodeName=${nodeName}`,
  });
  const before = nodeSnapshot(node, pods);
  const { evict, skip, keep } = classifyPods(pods);
  const cordon = !node.spec?.unschedulable;
  if (!cordon && evict.length === 0 && keep.length === 0) {
    return {
      found: true,
      before,
      alreadyDrained: true,
      cordoned: false,
      evicted: [],
      left: [],
      skipped: skip,
    };
  }
  const { dryRun, cordonAnnotations } = options;
  if (cordon) {
    await kubernetes.patch(
      path,
      {
        ...(cordonAnnotations ? { metadata: { annotations: cordonAnnotations } } : {}),
        spec: { unschedulable: true },
      },
      { strategy: 'merge', dryRun },
    );
  }
  const now = options.now ?? (() => new Date());
  const { evicted, blocked } = await evictAll(kubernetes, evict, {
    dryRun,
    deadline: Math.min(
      now().getTime() + (options.timeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_SECONDS) * 1000,
      options.stopBy?.getTime() ?? Number.POSITIVE_INFINITY,
    ),
    now,
    sleep: options.sleep ?? sleepFor,
  });
  return {
    found: true,
    before,
    alreadyDrained: false,
    cordoned: cordon,
    evicted,
    left: [...keep, ...blocked],
    skipped: skip,
  };
}

export const cordonDrainNode = definePlaybook<z.output<typeof cordonDrainNodeParams>, DrainDependencies>(
  'cordon-drain-node',
  cordonDrainNodeParams,
  async (context, dependencies) => {
    const { kubernetes, target, dryRun, params } = context;
    const drain = await drainNode(kubernetes, target.name, {
      dryRun,
      timeoutSeconds: params.timeoutSeconds,
      stopBy: dependencies.stopBy,
      now: dependencies.now,
      sleep: dependencies.sleep,
    });
    if (!drain.found) return skipped(`node ${target.name} is gone: nothing to drain`);
    const { before, cordoned: cordon, evicted, left, skipped: skip } = drain;
    if (drain.alreadyDrained) return skipped(`node ${target.name} is already cordoned and drained`, before);
    const said = (done: string, wouldDo: string) => (dryRun ? wouldDo : done);
    const summary = [
      cordon
        ? `${said('cordoned', 'would cordon')} node ${target.name}`
        : `node ${target.name} already cordoned`,
      `${said('evicted', 'would evict')} ${evicted.length} pod(s)`,
      ...(left.length > 0
        ? [`${left.length} left: ${left.map((entry) => `${entry.pod} (${entry.reason})`).join('; ')}`]
        : []),
      ...(skip.length > 0 ? [`${skip.length} skipped (DaemonSet, mirror or terminating)`] : []),
    ].join('; ');
    return {
      outcome: 'acted',
      detail: dryRun ? `${summary} (dry run)` : summary,
      before,
      after: {
        kind: 'Node',
        name: target.name,
        unschedulable: true,
        evicted: evicted.map(podName),
        blocked: left,
        skipped: skip,
      },
      changes: [
        ...(cordon ? [{ kind: 'Node', name: target.name, change: 'cordoned' }] : []),
        ...evicted.map((pod) => ({
          kind: 'Pod',
          namespace: pod.metadata?.namespace ?? '',
          name: pod.metadata?.name ?? '',
          change: 'evicted',
        })),
      ],
    };
  },
);
