import type { V1ObjectMeta } from '@kubernetes/client-node';
import * as z from 'zod/mini';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import type { ChangeResult } from '../../cost/off-hours/act.ts';
import { savedCronJobSchema, savedWorkloadSchema } from '../../cost/off-hours/saved-state.ts';
import { statefulTierReason } from '../../cost/off-hours/stateful-tier.ts';
import {
  patchWorkloadChanges,
  planWorkloadRestore,
  planWorkloadScaleDown,
} from '../../cost/off-hours/workload-scaling.ts';
import type { PlatformLayout } from '../../platform/layout.ts';
import { type FenceTable, markFenced, markLifted, readFenceRecord, saveOriginals } from './fence-store.ts';
import { FENCED_BY_ANNOTATION, FENCED_SINCE_ANNOTATION, fenceMark } from './marks.ts';
import type { FenceChange, FenceKey, FenceStepResult, LiftStepResult } from './outcome.ts';
import { probeReachability } from './reachability.ts';

/**
 * Fence step `writers`: the lakehouse's writing workloads (every Deployment and StatefulSet of the
 * writer namespaces: the Prefect workers, the s5cmd executor) to zero replicas and their CronJobs
 * suspended, with the off-hours scale-down's core (functions/core/cost/off-hours/workload-scaling.ts).
 * The stateful tier (MinIO, PostgreSQL, the Prefect server) is never touched: the fence must not
 * destroy the primary, and the lift must find it as it was. Unlike off-hours, the
 * `lakehouse-ops.io/off-hours: keep` annotation does not exempt anything: a kept notebook still writes.
 *
 * The objects carry `lakehouse-ops.io/fenced-by` (the failover id) and `fenced-since` while fenced,
 * so `kubectl describe` tells a fenced worker from a broken one.
 */
export { FENCED_BY_ANNOTATION, FENCED_SINCE_ANNOTATION } from './marks.ts';
export const FENCE_FIELD_MANAGER = 'lakehouse-ops-dr-fence';

export const savedWritersSchema = z.object({
  workloads: z.array(savedWorkloadSchema),
  cronJobs: z.array(savedCronJobSchema),
});

export interface WritersStepDependencies {
  readonly kubernetes: KubernetesApi;
  /** A cheap read with a short deadline: does the cluster's API answer at all? */
  readonly probe: () => Promise<unknown>;
  readonly table: FenceTable;
  readonly layout: PlatformLayout;
  /** Where the writers run: by default the Prefect and s5cmd namespaces of the layout. */
  readonly namespaces: readonly string[];
  readonly clock?: () => Date;
}

export function defaultWriterNamespaces(layout: PlatformLayout): string[] {
  return [...new Set([layout.prefect.namespace, layout.s5cmd.namespace])];
}

function asFenceChanges(results: readonly ChangeResult[]): FenceChange[] {
  return results.map(({ kind, namespace, name, change, outcome }) => ({
    target: `${kind} ${namespace}/${name}`,
    change,
    outcome: outcome === 'gone' ? 'gone' : 'changed',
  }));
}

const isFenced = (metadata: V1ObjectMeta | undefined) => fenceMark(metadata) !== undefined;

export async function fenceWriters(key: FenceKey, deps: WritersStepDependencies): Promise<FenceStepResult> {
  const { kubernetes, table, layout } = deps;
  const base = { step: 'writers' as const, side: key.side, failoverId: key.failoverId };
  const reach = await probeReachability('the Kubernetes API', deps.probe);
  if (!reach.reachable)
    return { ...base, status: 'unreachable', detail: reach.reason, changes: [], saved: 0 };

  const stored = await readFenceRecord(table, key, 'writers', savedWritersSchema);
  const plan = await planWorkloadScaleDown(
    kubernetes,
    { namespaces: deps.namespaces, keep: (object) => statefulTierReason(object, layout) },
    stored?.original,
  );
  await saveOriginals(table, key, 'writers', stored, plan.saved);
  const since = (deps.clock ?? (() => new Date()))().toISOString();
  const marks = { [FENCED_BY_ANNOTATION]: key.failoverId, [FENCED_SINCE_ANNOTATION]: since };
  const results = await patchWorkloadChanges(kubernetes, plan.changes, {
    dryRun: false,
    fieldManager: FENCE_FIELD_MANAGER,
    workloadAnnotations: () => marks,
    cronJobAnnotations: () => marks,
  });
  await markFenced(table, key, 'writers');
  return {
    ...base,
    status: 'fenced',
    detail: `scaled ${plan.changes.workloads.length} writing workloads to zero and suspended ${plan.changes.cronJobs.length} CronJobs in ${deps.namespaces.join(', ')}; kept ${plan.kept.length} of the stateful tier`,
    changes: asFenceChanges(results),
    saved: plan.saved.workloads.length + plan.saved.cronJobs.length,
  };
}

export async function liftWriters(key: FenceKey, deps: WritersStepDependencies): Promise<LiftStepResult> {
  const { kubernetes, table } = deps;
  const base = {
    step: 'writers' as const,
    side: key.side,
    failoverId: key.failoverId,
    changes: [],
    missing: [],
  };
  const stored = await readFenceRecord(table, key, 'writers', savedWritersSchema);
  if (!stored) return { ...base, status: 'not-fenced', detail: 'no workload was fenced by this failover' };
  if (stored.phase === 'lifted')
    return {
      ...base,
      status: 'already-lifted',
      detail: `the writers' fence was lifted at ${stored.liftedAt}`,
    };
  const reach = await probeReachability('the Kubernetes API', deps.probe);
  if (!reach.reachable) return { ...base, status: 'unreachable', detail: reach.reason };

  const restore = await planWorkloadRestore(kubernetes, stored.original, isFenced);
  const unmark = { [FENCED_BY_ANNOTATION]: null, [FENCED_SINCE_ANNOTATION]: null };
  const results = await patchWorkloadChanges(kubernetes, restore.changes, {
    dryRun: false,
    fieldManager: FENCE_FIELD_MANAGER,
    workloadAnnotations: () => unmark,
    cronJobAnnotations: () => unmark,
  });
  await markLifted(table, key, 'writers');
  const missing = restore.missing.map(({ kind, namespace, name }) => `${kind} ${namespace}/${name}`);
  return {
    ...base,
    status: 'lifted',
    detail: `gave back the replicas of ${restore.changes.workloads.length} workloads and the suspend flag of ${restore.changes.cronJobs.length} CronJobs${missing.length ? `; ${missing.length} saved no longer exist` : ''}`,
    changes: asFenceChanges(results),
    missing,
  };
}
