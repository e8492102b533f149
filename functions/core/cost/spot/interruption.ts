import type { V1Node } from '@kubernetes/client-node';
import * as z from 'zod/mini';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { drainNode, type PodVerdict, podName } from '../../remediation/playbooks/cordon-drain-node.ts';
import {
  INTERRUPTION_NOTICE_SECONDS,
  noticeKindOf,
  type SpotInterruptionEvent,
  type SpotNoticeKind,
} from './interruption-event.ts';

/**
 * What a spot notice means for this cluster: the Node whose spec.providerID names the instance
 * (`aws:///<zone>/<instance-id>`) is cordoned and drained within its PodDisruptionBudgets before
 * the instance goes. The rule sees every spot instance of the account and region, so an instance
 * that is not one of this cluster's Nodes is the common case: a no-op that says so.
 */

/** Kept back from the two minutes: the Lambda must still return and record before EC2 acts. */
export const INTERRUPTION_MARGIN_SECONDS = 10;
/** A rebalance recommendation sets no deadline; the drain is bounded by this instead. */
export const DEFAULT_REBALANCE_DRAIN_SECONDS = 300;

const PROVIDER_ID = /^aws:\/\/\/(?<zone>[^/]+)\/(?<instance>i-[0-9a-f]+)$/;

export function instanceOfProviderId(
  providerId: string | undefined,
): { zone: string; instanceId: string } | undefined {
  const groups = PROVIDER_ID.exec(providerId ?? '')?.groups;
  return groups?.zone && groups.instance ? { zone: groups.zone, instanceId: groups.instance } : undefined;
}

const noticeKinds = z.enum(['interruption', 'rebalance']);

export const interruptedNodeSchema = z.object({
  instanceId: nonEmptyString(),
  kind: noticeKinds,
  /** The event's time (ISO). */
  noticeTime: nonEmptyString(),
  found: z.boolean(),
  node: z.optional(nonEmptyString()),
  zone: z.optional(z.string()),
  nodeGroup: z.optional(z.string()),
  capacityType: z.optional(z.string()),
  detail: z.string(),
});
export type InterruptedNode = z.output<typeof interruptedNodeSchema>;

function matchesInstance(node: V1Node, instanceId: string): boolean {
  return instanceOfProviderId(node.spec?.providerID)?.instanceId === instanceId;
}

export async function findInterruptedNode(
  kubernetes: KubernetesApi,
  event: SpotInterruptionEvent,
  options: { nodeGroupLabel: string; clusterName: string },
): Promise<InterruptedNode> {
  const instanceId = event.detail['instance-id'];
  const kind = noticeKindOf(event);
  const base = { instanceId, kind, noticeTime: event.time };
  const node = (await kubernetes.list(kubernetesResources.nodes.all())).find((candidate) =>
    matchesInstance(candidate, instanceId),
  );
  if (!node) {
    return {
      ...base,
      found: false,
      detail: `instance ${instanceId} is not a node of cluster ${options.clusterName}: nothing to do`,
    };
  }
  const name = node.metadata?.name ?? '';
  const labels = node.metadata?.labels ?? {};
  const nodeGroup = labels[options.nodeGroupLabel];
  const capacityType = labels['eks.amazonaws.com/capacityType'];
  return {
    ...base,
    found: true,
    node: name,
    zone: instanceOfProviderId(node.spec?.providerID)?.zone,
    ...(nodeGroup ? { nodeGroup } : {}),
    ...(capacityType ? { capacityType } : {}),
    detail: `instance ${instanceId} is node ${name}${nodeGroup ? ` of node group ${nodeGroup}` : ''}`,
  };
}

/** By when the drain must be over: two minutes after the warning (less a margin), or the rebalance bound. */
export function drainDeadline(
  kind: SpotNoticeKind,
  noticeTime: string,
  now: Date,
  rebalanceDrainSeconds = DEFAULT_REBALANCE_DRAIN_SECONDS,
): Date {
  return kind === 'interruption'
    ? new Date(Date.parse(noticeTime) + (INTERRUPTION_NOTICE_SECONDS - INTERRUPTION_MARGIN_SECONDS) * 1000)
    : new Date(now.getTime() + rebalanceDrainSeconds * 1000);
}

export const INTERRUPTION_OUTCOMES = ['DRAINED', 'PARTIAL', 'ALREADY_DRAINED', 'GONE'] as const;

export interface InterruptionDrain {
  readonly outcome: (typeof INTERRUPTION_OUTCOMES)[number];
  readonly node: string;
  readonly instanceId: string;
  readonly kind: SpotNoticeKind;
  readonly deadline: string;
  readonly cordoned: boolean;
  readonly evicted: readonly string[];
  /** Pods still there at the deadline: a budget refused them, or nothing would recreate them. */
  readonly left: readonly PodVerdict[];
  readonly skipped: number;
  readonly summary: string;
}

export interface InterruptionDrainOptions {
  readonly now?: () => Date;
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** The Lambda's own end, less a margin. */
  readonly stopBy?: Date;
  readonly rebalanceDrainSeconds?: number;
}

export async function drainInterruptedNode(
  kubernetes: KubernetesApi,
  target: InterruptedNode & { node: string },
  options: InterruptionDrainOptions = {},
): Promise<InterruptionDrain> {
  const now = options.now ?? (() => new Date());
  const deadline = drainDeadline(target.kind, target.noticeTime, now(), options.rebalanceDrainSeconds);
  const base = {
    node: target.node,
    instanceId: target.instanceId,
    kind: target.kind,
    deadline: deadline.toISOString(),
  };
  const empty = { cordoned: false, evicted: [], left: [], skipped: 0 };
  // Node names are private IPs: by the time this runs the name may belong to a new instance.
  const current = await kubernetes.get(kubernetesResources.nodes.named(target.node));
  if (!current || !matchesInstance(current, target.instanceId)) {
    return {
      ...base,
      ...empty,
      outcome: 'GONE',
      summary: `node ${target.node} (${target.instanceId}) is gone already: nothing to drain`,
    };
  }
  const stopBy = new Date(
    Math.min(deadline.getTime(), options.stopBy?.getTime() ?? Number.POSITIVE_INFINITY),
  );
  const drain = await drainNode(kubernetes, target.node, {
    dryRun: false,
    timeoutSeconds: Math.max(0, (stopBy.getTime() - now().getTime()) / 1000),
    stopBy,
    now,
    sleep: options.sleep,
  });
  if (!drain.found) {
    return {
      ...base,
      ...empty,
      outcome: 'GONE',
      summary: `node ${target.node} left the cluster before its drain`,
    };
  }
  const evicted = drain.evicted.map(podName);
  const outcome = drain.alreadyDrained ? 'ALREADY_DRAINED' : drain.left.length > 0 ? 'PARTIAL' : 'DRAINED';
  const notice = target.kind === 'interruption' ? 'spot interruption warning' : 'rebalance recommendation';
  const left = drain.left.map((entry) => `${entry.pod} (${entry.reason})`).join('; ');
  return {
    ...base,
    outcome,
    cordoned: drain.cordoned,
    evicted,
    left: drain.left,
    skipped: drain.skipped.length,
    summary:
      outcome === 'ALREADY_DRAINED'
        ? `node ${target.node} (${target.instanceId}) was already cordoned and drained (${notice})`
        : `${notice} for ${target.instanceId}: node ${target.node} ${drain.cordoned ? 'cordoned' : 'already cordoned'}, ${evicted.length} pod(s) evicted${left ? `; left by ${deadline.toISOString()}: ${left}` : ''}`,
  };
}
