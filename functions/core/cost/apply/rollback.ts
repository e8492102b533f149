import * as z from 'zod/mini';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { type AuditTable, writeAuditRecord } from '../../audit/audit-trail.ts';
import { type WorkloadRef, workloadRefSchema } from '../recommendation.ts';
import { type AppliedChange, appliedChangeSchema, auditTargetOf } from './apply.ts';
import { containerResourcesOf, describeResourceChange, sameResources } from './container-resources.ts';
import { type HistoryTable, recordRollback } from './history.ts';
import { changePatch, describeWorkload, type SkippedWorkload } from './plan.ts';
import { COST_OPTIMISE_WORKFLOW } from './request.ts';
import {
  isPatchableKind,
  patchWorkloadObject,
  podTemplateOf,
  readWorkloadObject,
} from './workload-objects.ts';

/**
 * The automatic rollback: each workload whose watch verdict says so gets its saved before-state
 * back (the exact quantity strings; a quantity that was absent is removed). A workload whose
 * resources changed again since the apply (a person, or another tool) is left alone and reported:
 * the rollback restores our change, never someone else's. Audited like the apply, with the
 * reasons; the workflow then notifies.
 */
export const rollbackRequestSchema = z.object({
  applied: z.array(appliedChangeSchema),
  verdicts: z._default(
    z.array(z.object({ workload: workloadRefSchema, rollback: z.boolean(), reasons: z.array(z.string()) })),
    [],
  ),
  /**
   * Roll back every applied change, for this reason: the watch itself failed, and a change that
   * cannot be judged is not kept.
   */
  rollbackAllReason: z.optional(nonEmptyString()),
  executionId: nonEmptyString(),
});
export type RollbackRequest = z.input<typeof rollbackRequestSchema>;

export interface RolledBack {
  readonly workload: WorkloadRef;
  readonly reasons: string[];
  readonly change: string;
}

export interface RollbackResult {
  readonly rolledBackAt: string;
  readonly rolledBack: RolledBack[];
  /** Verdicts that asked for a rollback that could not be done safely. */
  readonly notRolledBack: SkippedWorkload[];
  /** For the notification. */
  readonly summary: string;
}

export interface RollbackDependencies {
  kubernetes: KubernetesApi;
  history: HistoryTable;
  audit: AuditTable;
  now: Date;
}

export const ROLLED_BACK_AT_ANNOTATION = 'lakehouse-ops.io/rightsizing-rolled-back-at';

const sameWorkload = (a: WorkloadRef, b: WorkloadRef) =>
  a.namespace === b.namespace && a.kind === b.kind && a.name === b.name && a.container === b.container;

export async function rollbackRightsizing(
  dependencies: RollbackDependencies,
  request: z.output<typeof rollbackRequestSchema>,
): Promise<RollbackResult> {
  const rolledBackAt = dependencies.now.toISOString();
  const rolledBack: RolledBack[] = [];
  const notRolledBack: SkippedWorkload[] = [];
  const verdicts = request.rollbackAllReason
    ? request.applied
        .filter((change) => !change.dryRun)
        .map((change) => ({
          workload: change.workload,
          rollback: true,
          reasons: [request.rollbackAllReason!],
        }))
    : request.verdicts;
  for (const verdict of verdicts.filter((candidate) => candidate.rollback)) {
    const applied = request.applied.find(
      (change) => !change.dryRun && sameWorkload(change.workload, verdict.workload),
    );
    const refusal = applied
      ? await restore(dependencies, applied, rolledBackAt)
      : 'no applied change of this run to roll back';
    await writeAuditRecord(dependencies.audit, {
      workflow: COST_OPTIMISE_WORKFLOW,
      action: 'rollback',
      target: auditTargetOf(verdict.workload),
      decision: refusal === undefined ? 'ROLLED_BACK' : 'ROLLBACK_REFUSED',
      before: applied?.after,
      after: refusal === undefined ? applied?.before : { reason: refusal },
      actor: `watch: ${verdict.reasons.join('; ')}`,
      executionId: request.executionId,
    });
    if (refusal !== undefined || !applied) {
      notRolledBack.push({ workload: verdict.workload, reason: refusal ?? 'nothing applied' });
      continue;
    }
    await recordRollback(dependencies.history, verdict.workload, request.executionId, rolledBackAt);
    rolledBack.push({
      workload: verdict.workload,
      reasons: verdict.reasons,
      change: describeResourceChange(applied.after, applied.before),
    });
  }
  return { rolledBackAt, rolledBack, notRolledBack, summary: rollbackSummary(rolledBack, notRolledBack) };
}

/** Undefined when restored, otherwise why not. */
async function restore(
  dependencies: RollbackDependencies,
  applied: AppliedChange,
  rolledBackAt: string,
): Promise<string | undefined> {
  const { workload } = applied;
  const { kind } = workload;
  if (!isPatchableKind(kind)) return `${kind} cannot be patched`;
  const object = await readWorkloadObject(dependencies.kubernetes, kind, workload);
  const container =
    object && podTemplateOf(kind, object)?.spec?.containers.find((c) => c.name === workload.container);
  if (!container) return `${describeWorkload(workload)} is gone`;
  const current = containerResourcesOf(container.resources ?? {});
  if (!sameResources(current, applied.after)) {
    return `its resources changed again since the apply (${describeResourceChange(applied.after, current)}): left as they are`;
  }
  const patch = changePatch(kind, workload.container, applied.after, applied.before, {
    [ROLLED_BACK_AT_ANNOTATION]: rolledBackAt,
  });
  await patchWorkloadObject(dependencies.kubernetes, kind, workload, patch, false);
  return undefined;
}

function rollbackSummary(
  rolledBack: readonly RolledBack[],
  notRolledBack: readonly SkippedWorkload[],
): string {
  return [
    ...rolledBack.map(
      (entry) =>
        `Rolled back ${describeWorkload(entry.workload)}: ${entry.change}. Why: ${entry.reasons.join('; ')}.`,
    ),
    ...notRolledBack.map(
      (entry) =>
        `NOT rolled back ${describeWorkload(entry.workload)}: ${entry.reason}. A person must look at it.`,
    ),
  ].join('\n');
}
