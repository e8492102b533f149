import type { V1Node, V1Pod } from '@kubernetes/client-node';
import * as z from 'zod/mini';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import type { PlatformLayout } from '../../platform/layout.ts';
import { asleepMark } from './annotations.ts';
import { refuseWhileFenced } from './fence-guard.ts';
import type { NodeGroupControl, OffHoursNodeGroup } from './node-groups.ts';
import type { OffHoursRun } from './preflight.ts';
import { offHoursRunSchema } from './preflight.ts';
import {
  type NodeGroupSize,
  nodeGroupSizeSchema,
  type SavedNodeGroup,
  sameSize,
  savedStateSchema,
  sizeOf,
  WORKLOAD_KINDS,
} from './saved-state.ts';
import type { OffHoursScope } from './settings.ts';
import { type OffHoursSnapshot, readSnapshot, type SnapshotTable } from './snapshot-store.ts';
import { keepReason } from './stateful-tier.ts';
import {
  planWorkloadRestore,
  planWorkloadScaleDown,
  SavedEntries,
  type WorkloadObject,
} from './workload-scaling.ts';

export type { WorkloadObject } from './workload-scaling.ts';

/**
 * The plan of one off-hours run: what it saves (sleep) or restores (wake), each change with its
 * before and after, and what it leaves alone and why. Every later step works from the plan, so a
 * dry run's report and a real run's actions are the same list.
 *
 * sleep: every Deployment and StatefulSet in the scope's namespaces goes to 0 replicas and every
 * CronJob there is suspended, except what keepReason keeps; node groups shrink (zero pools to 0,
 * the others to their minimum). The saved state is the snapshot's, merged with the objects it does
 * not hold yet: an entry already saved is never replaced, so a second sleep, or the re-run of a
 * sleep that failed half-way, keeps the real counts instead of the zeros it finds.
 *
 * wake: the snapshot, object by object, against what is there now.
 */
const count = () => z.number().check(z.int(), z.nonnegative());

export const workloadChangeSchema = z.object({
  kind: z.enum(WORKLOAD_KINDS),
  namespace: nonEmptyString(),
  name: nonEmptyString(),
  from: count(),
  to: count(),
});
export type WorkloadChange = z.output<typeof workloadChangeSchema>;

export const cronJobChangeSchema = z.object({
  namespace: nonEmptyString(),
  name: nonEmptyString(),
  from: z.boolean(),
  to: z.boolean(),
});
export type CronJobChange = z.output<typeof cronJobChangeSchema>;

export const nodeGroupChangeSchema = z.object({
  name: nonEmptyString(),
  from: nodeGroupSizeSchema,
  to: nodeGroupSizeSchema,
});
export type NodeGroupChange = z.output<typeof nodeGroupChangeSchema>;

const objectReferenceSchema = z.object({
  kind: nonEmptyString(),
  namespace: z.optional(nonEmptyString()),
  name: nonEmptyString(),
});
export const keptObjectSchema = z.extend(objectReferenceSchema, { reason: nonEmptyString() });
export type KeptObject = z.output<typeof keptObjectSchema>;
export type ObjectReference = z.output<typeof objectReferenceSchema>;

export const PLAN_STATES = ['awake', 'falling-asleep', 'asleep'] as const;

export const offHoursPlanSchema = z.extend(offHoursRunSchema, {
  plannedAt: z.iso.datetime(),
  /** Before this run: no snapshot (awake), a snapshot not yet verified, or asleep. */
  stateBefore: z.enum(PLAN_STATES),
  /** The snapshot's version when planned (sleep saves against it, wake clears it). */
  snapshotVersion: z.optional(count()),
  /** Set when the run has nothing to do; says why. */
  noop: z.optional(nonEmptyString()),
  /** sleep: what it saves; wake: what it restores. */
  saved: savedStateSchema,
  changes: z.object({
    workloads: z.array(workloadChangeSchema),
    cronJobs: z.array(cronJobChangeSchema),
    nodeGroups: z.array(nodeGroupChangeSchema),
  }),
  kept: z.array(keptObjectSchema),
  /** wake: saved objects that no longer exist (deleted during the night). */
  missing: z.array(objectReferenceSchema),
  /** sleep: pods of Jobs on nodes that go away (batch work is interruptible by design). */
  interrupted: z.array(nonEmptyString()),
});
export type OffHoursPlan = z.output<typeof offHoursPlanSchema>;

export interface PlanDependencies {
  readonly kubernetes: KubernetesApi;
  readonly nodeGroups: NodeGroupControl;
  readonly snapshots: SnapshotTable;
  readonly layout: PlatformLayout;
  readonly scope: OffHoursScope;
  readonly clock?: () => Date;
}

function stateBefore(snapshot: OffHoursSnapshot | undefined): OffHoursPlan['stateBefore'] {
  if (!snapshot) return 'awake';
  return snapshot.phase === 'asleep' ? 'asleep' : 'falling-asleep';
}

export async function planOffHours(run: OffHoursRun, dependencies: PlanDependencies): Promise<OffHoursPlan> {
  await refuseWhileFenced(dependencies.kubernetes, run, dependencies.scope.namespaces);
  const snapshot = await readSnapshot(dependencies.snapshots, run.environment);
  const plannedAt = (dependencies.clock ?? (() => new Date()))().toISOString();
  const base = {
    ...run,
    plannedAt,
    stateBefore: stateBefore(snapshot),
    ...(snapshot ? { snapshotVersion: snapshot.version } : {}),
  };
  return run.action === 'sleep'
    ? { ...base, ...(await planSleep(snapshot, dependencies)) }
    : { ...base, ...(await planWake(run.environment, snapshot, dependencies)) };
}

type PlanBody = Pick<OffHoursPlan, 'noop' | 'saved' | 'changes' | 'kept' | 'missing' | 'interrupted'>;

async function planSleep(snapshot: OffHoursSnapshot | undefined, deps: PlanDependencies): Promise<PlanBody> {
  const { kubernetes, layout, scope } = deps;
  const saved = snapshot?.state;
  const nodeGroupEntries = new SavedEntries<SavedNodeGroup>(saved?.nodeGroups ?? [], (group) => group.name);
  const workloads = await planWorkloadScaleDown(
    kubernetes,
    { namespaces: scope.namespaces, keep: (object) => keepReason(object, layout) },
    saved,
  );
  const kept = [...workloads.kept];
  const { workloads: workloadChanges, cronJobs: cronJobChanges } = workloads.changes;
  const sleeping = workloads.scaledDown;

  const hosting = await podsStayingOnNodeGroups(kubernetes, layout, sleeping);
  const nodeGroupChanges: NodeGroupChange[] = [];
  for (const group of await deps.nodeGroups.list()) {
    const toZero = scope.zeroPools.includes(group.labels[scope.poolLabel] ?? '');
    const blockers = toZero ? (hosting.staying.get(group.name) ?? []) : [];
    if (blockers.length > 0) {
      kept.push({
        kind: 'NodeGroup',
        name: group.name,
        reason: `its nodes run pods that stay awake: ${blockers.slice(0, 3).join(', ')}${blockers.length > 3 ? ` and ${blockers.length - 3} more` : ''}`,
      });
      continue;
    }
    const target = sleepingSize(group, toZero);
    const changes = !sameSize(target, group);
    nodeGroupEntries.keep({ name: group.name, ...sizeOf(group) }, changes);
    if (changes) nodeGroupChanges.push({ name: group.name, from: sizeOf(group), to: target });
  }

  const changes = { workloads: workloadChanges, cronJobs: cronJobChanges, nodeGroups: nodeGroupChanges };
  const nothingToChange = workloadChanges.length + cronJobChanges.length + nodeGroupChanges.length === 0;
  return {
    ...(snapshot?.phase === 'asleep' && nothingToChange
      ? {
          noop: `already asleep since ${snapshot.asleepAt ?? snapshot.savedAt}: nothing to change, the saved state is kept`,
        }
      : {}),
    saved: {
      ...workloads.saved,
      nodeGroups: nodeGroupEntries.values(),
    },
    changes,
    kept,
    missing: [],
    interrupted: nodeGroupChanges.flatMap((change) => hosting.jobs.get(change.name) ?? []),
  };
}

/**
 * A zero pool goes to 0 nodes, the others to their minimum; max never changes (EKS needs max >= 1,
 * and wake gives back whatever it was).
 */
function sleepingSize(group: OffHoursNodeGroup, toZero: boolean): NodeGroupSize {
  return toZero
    ? { minSize: 0, desiredSize: 0, maxSize: group.maxSize }
    : {
        minSize: group.minSize,
        desiredSize: Math.min(group.desiredSize, group.minSize),
        maxSize: group.maxSize,
      };
}

function matchesSelector(pod: V1Pod, workload: WorkloadObject): boolean {
  if (pod.metadata?.namespace !== workload.metadata?.namespace) return false;
  const selector = Object.entries(workload.spec?.selector?.matchLabels ?? {});
  const labels = pod.metadata?.labels ?? {};
  return selector.length > 0 && selector.every(([key, value]) => labels[key] === value);
}

function ownerKind(pod: V1Pod): string | undefined {
  return pod.metadata?.ownerReferences?.find((owner) => owner.controller)?.kind;
}

/**
 * Per node group, the pods that would lose their node and are not put to sleep: anything but
 * DaemonSet pods (they go with their node), pods of the workloads being scaled to zero, and Job
 * pods (listed apart: interruptible batch work). A zero pool running such a pod is left as it is.
 */
async function podsStayingOnNodeGroups(
  kubernetes: KubernetesApi,
  layout: PlatformLayout,
  sleeping: readonly WorkloadObject[],
): Promise<{ staying: Map<string, string[]>; jobs: Map<string, string[]> }> {
  const [nodes, pods] = await Promise.all([
    kubernetes.list<V1Node>(kubernetesResources.nodes.all()),
    kubernetes.list<V1Pod>(kubernetesResources.pods.inAllNamespaces()),
  ]);
  const groupOfNode = new Map(
    nodes.map((node) => [node.metadata?.name ?? '', node.metadata?.labels?.[layout.nodes.nodeGroupLabel]]),
  );
  const staying = new Map<string, string[]>();
  const jobs = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, group: string, pod: string) =>
    map.set(group, [...(map.get(group) ?? []), pod]);
  for (const pod of pods) {
    const group = groupOfNode.get(pod.spec?.nodeName ?? '');
    const phase = pod.status?.phase;
    if (!group || phase === 'Succeeded' || phase === 'Failed') continue;
    const name = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    const owner = ownerKind(pod);
    if (owner === 'DaemonSet') continue;
    if (owner === 'Job') add(jobs, group, name);
    else if (!sleeping.some((workload) => matchesSelector(pod, workload))) add(staying, group, name);
  }
  return { staying, jobs };
}

async function planWake(
  environment: string,
  snapshot: OffHoursSnapshot | undefined,
  { kubernetes, nodeGroups }: PlanDependencies,
): Promise<PlanBody> {
  const empty = { workloads: [], cronJobs: [], nodeGroups: [] };
  if (!snapshot) {
    return {
      noop: `${environment} is not asleep (no saved off-hours state): nothing to wake`,
      saved: empty,
      changes: empty,
      kept: [],
      missing: [],
      interrupted: [],
    };
  }
  const restore = await planWorkloadRestore(kubernetes, snapshot.state, (metadata) =>
    Boolean(asleepMark(metadata)),
  );
  const missing = [...restore.missing];
  const nodeGroupChanges: NodeGroupChange[] = [];
  for (const saved of snapshot.state.nodeGroups) {
    const group = await nodeGroups.find(saved.name);
    if (!group) {
      missing.push({ kind: 'NodeGroup', name: saved.name });
      continue;
    }
    if (!sameSize(group, saved))
      nodeGroupChanges.push({ name: saved.name, from: sizeOf(group), to: sizeOf(saved) });
  }
  return {
    saved: snapshot.state,
    changes: { ...restore.changes, nodeGroups: nodeGroupChanges },
    kept: [],
    missing,
    interrupted: [],
  };
}
