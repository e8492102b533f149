import type { V1Node, V1Pod, V1PodDisruptionBudget, V1StatefulSet } from '@kubernetes/client-node';
import * as z from 'zod/mini';
import { ConfigurationError, InvalidInputError } from '../../commons/errors.ts';
import { parseJsonVariable } from '../../commons/json-variable.ts';
import type { KubernetesApi } from '../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../commons/kubernetes/resources.ts';
import { isPodReady } from '../kubernetes/pod-problems.ts';
import type { PlatformLayout } from '../platform/layout.ts';
import { type ChangeWindow, changeWindowSchema, describeWindow, openChangeWindow } from './change-window.ts';
import { PLAYBOOK_NAMES, PLAYBOOKS, type PlaybookName } from './playbooks/catalogue.ts';
import { classifyPods, nodeSnapshot } from './playbooks/cordon-drain-node.ts';
import { budgetsBlockingPod, budgetsIn, describeBudget } from './playbooks/disruption-budgets.ts';
import { claimSnapshot } from './playbooks/expand-minio-pvc.ts';
import { quorumWithout } from './playbooks/minio-quorum.ts';
import { type NodeGroups, nodeGroupSnapshot } from './playbooks/node-groups.ts';
import { describeTarget, type Snapshot, targetSchema } from './playbooks/playbook.ts';
import {
  controllerOf,
  podSnapshot,
  podsOfWorkload,
  resolveWorkload,
  templateOf,
  type Workload,
  workloadOfPod,
  workloadSnapshot,
} from './playbooks/workloads.ts';
import { type Target, targetKey } from './target.ts';

export { type EscalationContext, escalationContext } from './playbooks/escalation-context.ts';

/**
 * The remediate workflow's Preflight step: may this playbook act on this target now? Every check
 * runs and is reported, passed or not, so the audit and the escalation show the whole picture:
 *
 * - target-exists, target-kind: the object is there, and the playbook acts on its kind.
 * - disruption-budgets (disruptive playbooks): no PodDisruptionBudget over the pods that would go
 *   allows no disruption now (judged as the eviction API judges, ./playbooks/disruption-budgets.ts).
 * - do-not-disrupt (playbooks that replace pods): no `karpenter.sh/do-not-disrupt: "true"` on those
 *   pods, their pod template, or the node.
 * - change-window (disruptive playbooks): now is inside a configured window; none means never.
 * - minio-write-quorum (playbooks that replace pods): MinIO keeps write quorum without the MinIO
 *   pods that would go (./playbooks/minio-quorum.ts).
 *
 * `before` is the target's state for the audit trail.
 */
export const DO_NOT_DISRUPT_ANNOTATION = 'karpenter.sh/do-not-disrupt';

export const preflightEventSchema = z.object({
  target: targetSchema,
  playbook: z.enum(PLAYBOOK_NAMES),
});
export type PreflightEvent = z.output<typeof preflightEventSchema>;

export interface PreflightCheck {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

export interface PreflightResult {
  readonly allowed: boolean;
  /** `allowed` as the audit trail's decision. */
  readonly decision: 'ALLOWED' | 'REFUSED';
  readonly checks: readonly PreflightCheck[];
  readonly before: Snapshot;
}

export interface PreflightDependencies {
  readonly kubernetes: KubernetesApi;
  readonly clusterName: string;
  readonly changeWindows: readonly ChangeWindow[];
  readonly layout: PlatformLayout;
  /** For NodeGroup targets. */
  readonly nodeGroups?: NodeGroups;
  readonly now?: () => Date;
}

/** What the target is, read once, and the pods the playbook would take away. */
interface TargetState {
  readonly before: Snapshot;
  /** Pods that would be deleted, evicted or replaced. */
  readonly leaving: readonly V1Pod[];
  /** A rollout replaces its pods one at a time: each needs all the others in place. */
  readonly oneAtATime: boolean;
  /** Objects whose annotations may forbid disruption (the pods, their template, the node). */
  readonly annotated: readonly { what: string; annotations: Record<string, string> | undefined }[];
}

/** Playbooks that change a workload's template: its controller then replaces every pod, one at a time. */
const ROLLOUT_PLAYBOOKS: ReadonlySet<PlaybookName> = new Set(['rollout-restart', 'raise-memory-limit']);

function check(name: string, passed: boolean, detail: string): PreflightCheck {
  return { name, passed, detail };
}

function podLabel(pod: V1Pod): string {
  return `pod ${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

function workloadAnnotations(workload: Workload, what: string) {
  return { what: `the pod template of ${what}`, annotations: templateOf(workload)?.metadata?.annotations };
}

async function podState(api: KubernetesApi, pod: V1Pod, playbook: PlaybookName): Promise<TargetState> {
  const owner = await workloadOfPod(api, pod);
  const template = owner.found
    ? [workloadAnnotations(owner.workload, `${owner.workload.kind} ${owner.namespace}/${owner.name}`)]
    : [];
  // A rollout of the pod's workload replaces all of its pods, not only this one.
  const rollout = owner.found && ROLLOUT_PLAYBOOKS.has(playbook);
  return {
    before: { ...podSnapshot(pod), ...(owner.found ? { workload: workloadSnapshot(owner.workload) } : {}) },
    leaving: rollout ? await podsOfWorkload(api, owner.workload) : [pod],
    oneAtATime: rollout,
    annotated: [{ what: podLabel(pod), annotations: pod.metadata?.annotations }, ...template],
  };
}

async function workloadState(
  api: KubernetesApi,
  workload: Workload,
  playbook: PlaybookName,
): Promise<TargetState> {
  const pods = await podsOfWorkload(api, workload);
  const oneAtATime = ROLLOUT_PLAYBOOKS.has(playbook);
  const name = `${workload.kind} ${workload.object.metadata?.namespace}/${workload.object.metadata?.name}`;
  return {
    before: workloadSnapshot(workload),
    // restart-minio-pod on a StatefulSet restarts its unready pod; a rollout replaces all of them.
    leaving: oneAtATime ? pods : pods.filter((pod) => !isPodReady(pod)),
    oneAtATime,
    annotated: [workloadAnnotations(workload, name)],
  };
}

async function nodeState(api: KubernetesApi, node: V1Node): Promise<TargetState> {
  const pods = await api.list(kubernetesResources.pods.inAllNamespaces(), {
    fieldSelector: `spec.nodeName=${node.metadata?.name}`,
  });
  const { evict } = classifyPods(pods);
  return {
    before: nodeSnapshot(node, pods),
    leaving: evict,
    oneAtATime: false,
    annotated: [
      { what: `node ${node.metadata?.name}`, annotations: node.metadata?.annotations },
      ...evict.map((pod) => ({ what: podLabel(pod), annotations: pod.metadata?.annotations })),
    ],
  };
}

const NOTHING_LEAVES = { leaving: [], oneAtATime: false, annotated: [] } as const;

/** The target's state, or undefined when it does not exist. */
async function readTarget(
  target: Target,
  playbook: PlaybookName,
  dependencies: PreflightDependencies,
): Promise<TargetState | undefined> {
  const api = dependencies.kubernetes;
  const namespace = target.namespace ?? '';
  switch (target.kind) {
    case 'Pod': {
      const pod = await api.get(kubernetesResources.pods.named(namespace, target.name));
      return pod && podState(api, pod, playbook);
    }
    case 'Deployment':
    case 'StatefulSet': {
      const resolution = await resolveWorkload(api, target);
      return resolution.found ? workloadState(api, resolution.workload, playbook) : undefined;
    }
    case 'Node': {
      const node = await api.get(kubernetesResources.nodes.named(target.name));
      return node && nodeState(api, node);
    }
    case 'PersistentVolumeClaim': {
      const claim = await api.get(kubernetesResources.persistentVolumeClaims.named(namespace, target.name));
      return claim && { before: claimSnapshot(claim), ...NOTHING_LEAVES };
    }
    case 'NodeGroup': {
      if (!dependencies.nodeGroups) {
        throw new ConfigurationError(`preflight of ${describeTarget(target)} needs the EKS node groups`, {
          target,
        });
      }
      const group = await dependencies.nodeGroups.find(target.name);
      return group && { before: nodeGroupSnapshot(group), ...NOTHING_LEAVES };
    }
  }
}

async function budgetCheck(
  api: KubernetesApi,
  playbook: PlaybookName,
  leaving: readonly V1Pod[],
): Promise<PreflightCheck> {
  const name = 'disruption-budgets';
  if (!PLAYBOOKS[playbook].disruptive) return check(name, true, `${playbook} is not disruptive`);
  const budgetsByNamespace = new Map<string, V1PodDisruptionBudget[]>();
  const blocked: string[] = [];
  for (const pod of leaving) {
    const namespace = pod.metadata?.namespace ?? '';
    if (!budgetsByNamespace.has(namespace))
      budgetsByNamespace.set(namespace, await budgetsIn(api, namespace));
    for (const budget of budgetsBlockingPod(budgetsByNamespace.get(namespace) ?? [], pod)) {
      blocked.push(`${describeBudget(budget)} blocks ${podLabel(pod)}`);
    }
  }
  if (blocked.length > 0) return check(name, false, blocked.join('; '));
  return check(
    name,
    true,
    leaving.length === 0 ? 'no pod would go' : `the budgets allow the ${leaving.length} pod(s) to go`,
  );
}

function doNotDisruptCheck(playbook: PlaybookName, state: TargetState): PreflightCheck {
  const name = 'do-not-disrupt';
  if (!PLAYBOOKS[playbook].replacesPods) return check(name, true, `${playbook} replaces no pod`);
  const marked = state.annotated
    .filter(({ annotations }) => annotations?.[DO_NOT_DISRUPT_ANNOTATION] === 'true')
    .map(({ what }) => what);
  return marked.length > 0
    ? check(name, false, `${DO_NOT_DISRUPT_ANNOTATION}: "true" on ${marked.join(', ')}`)
    : check(name, true, `no ${DO_NOT_DISRUPT_ANNOTATION} annotation`);
}

function changeWindowCheck(
  playbook: PlaybookName,
  windows: readonly ChangeWindow[],
  now: Date,
): PreflightCheck {
  const name = 'change-window';
  if (!PLAYBOOKS[playbook].disruptive) return check(name, true, `${playbook} is not disruptive: any time`);
  if (windows.length === 0) {
    return check(
      name,
      false,
      'no change window is configured, so disruptive playbooks never act on their own',
    );
  }
  const open = openChangeWindow(now, windows);
  return open
    ? check(name, true, `${now.toISOString()} is inside ${describeWindow(open)}`)
    : check(
        name,
        false,
        `${now.toISOString()} is outside every change window (${windows.map(describeWindow).join('; ')})`,
      );
}

function isMinioPod(pod: V1Pod, layout: PlatformLayout): boolean {
  const owner = controllerOf(pod);
  return (
    pod.metadata?.namespace === layout.minio.namespace &&
    owner?.kind === 'StatefulSet' &&
    owner.name === layout.minio.statefulSet
  );
}

async function quorumCheck(
  api: KubernetesApi,
  playbook: PlaybookName,
  state: TargetState,
  layout: PlatformLayout,
): Promise<PreflightCheck> {
  const name = 'minio-write-quorum';
  const minioPods = state.leaving.filter((pod) => isMinioPod(pod, layout));
  if (!PLAYBOOKS[playbook].replacesPods || minioPods.length === 0) {
    return check(name, true, 'no MinIO pod would go');
  }
  const { namespace, statefulSet: setName } = layout.minio;
  const statefulSet: V1StatefulSet | undefined = await api.get(
    kubernetesResources.statefulSets.named(namespace, setName),
  );
  if (!statefulSet) return check(name, false, `StatefulSet ${namespace}/${setName} does not exist`);
  const pods = await podsOfWorkload(api, { kind: 'StatefulSet', object: statefulSet });
  // A rollout takes one pod at a time: it needs every pod in place now.
  const leaving = state.oneAtATime ? [] : minioPods.map((pod) => pod.metadata?.name ?? '');
  const verdict = quorumWithout(statefulSet, pods, leaving);
  return check(name, verdict.kept, verdict.detail);
}

export async function preflight(
  { target, playbook }: PreflightEvent,
  dependencies: PreflightDependencies,
): Promise<PreflightResult> {
  if (target.cluster !== dependencies.clusterName) {
    throw new InvalidInputError(
      `preflight: the target ${targetKey(target)} is in cluster ${target.cluster}, but this function reads cluster ${dependencies.clusterName}`,
      { target },
    );
  }
  const kindAccepted = PLAYBOOKS[playbook].targets.includes(target.kind);
  const kindCheck = check(
    'target-kind',
    kindAccepted,
    kindAccepted
      ? `${playbook} acts on ${target.kind} targets`
      : `${playbook} acts on ${PLAYBOOKS[playbook].targets.join(', ')} targets, not on a ${target.kind}`,
  );
  const state = await readTarget(target, playbook, dependencies);
  if (!state) {
    return {
      allowed: false,
      decision: 'REFUSED',
      checks: [check('target-exists', false, `${describeTarget(target)} does not exist`), kindCheck],
      before: {},
    };
  }
  const now = (dependencies.now ?? (() => new Date()))();
  const checks = [
    check('target-exists', true, `${describeTarget(target)} exists`),
    kindCheck,
    await budgetCheck(dependencies.kubernetes, playbook, state.leaving),
    doNotDisruptCheck(playbook, state),
    changeWindowCheck(playbook, dependencies.changeWindows, now),
    await quorumCheck(dependencies.kubernetes, playbook, state, dependencies.layout),
  ];
  const allowed = checks.every((entry) => entry.passed);
  return { allowed, decision: allowed ? 'ALLOWED' : 'REFUSED', checks, before: state.before };
}

/** REMEDIATION_CHANGE_WINDOWS: the configuration's change windows as JSON (`[]`: never). */
export function parseChangeWindows(json: string): ChangeWindow[] {
  return parseJsonVariable(
    'REMEDIATION_CHANGE_WINDOWS',
    json,
    z.array(changeWindowSchema),
    'a list of change windows',
  );
}
