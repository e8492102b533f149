import * as z from 'zod/mini';
import { KubernetesApiError } from '../../../commons/errors.ts';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { type AuditTable, writeAuditRecord } from '../../audit/audit-trail.ts';
import { containerResourcesOf, describeResourceChange, sameResources } from './container-resources.ts';
import { type HistoryTable, recordAppliedChange } from './history.ts';
import {
  changePatch,
  containerChangeShape,
  describeWorkload,
  type PlannedChange,
  RIGHTSIZED_AT_ANNOTATION,
  rightsizingPlanSchema,
  type SkippedWorkload,
} from './plan.ts';
import { COST_OPTIMISE_WORKFLOW } from './request.ts';
import {
  isPatchableKind,
  patchWorkloadObject,
  podTemplateOf,
  readWorkloadObject,
} from './workload-objects.ts';

/**
 * The apply step: each planned change the approval allows, patched with a server-side dry run
 * first (the API server validates and admits it, stores nothing), then for real unless the run is
 * a dry run. The workload is read again just before: if someone changed its resources since the
 * plan, it is skipped rather than overwritten. Every decision goes to the audit trail with the
 * before and after state; a real change also goes to the right-sizing history (the weekly cap and
 * the rollback read it).
 */
export const APPROVAL_STATUSES = ['NOT_REQUIRED', 'APPROVED', 'REJECTED', 'EXPIRED'] as const;

export const approvalOutcomeSchema = z.object({
  status: z.enum(APPROVAL_STATUSES),
  approver: z.optional(z.string()),
  /** The rejection's cause (JSON with the approver and reason) or the timeout's message. */
  detail: z.optional(z.string()),
});
export type ApprovalOutcome = z.output<typeof approvalOutcomeSchema>;

export const applyRequestSchema = z.object({
  plan: rightsizingPlanSchema,
  approval: approvalOutcomeSchema,
  requestedBy: nonEmptyString(),
  executionId: nonEmptyString(),
});
export type ApplyRequest = z.input<typeof applyRequestSchema>;

export const appliedChangeSchema = z.object({
  ...containerChangeShape,
  patch: z.record(z.string(), z.unknown()),
  dryRun: z.boolean(),
  /** Applied changes only: the workload's resourceVersion after the patch. */
  resourceVersion: z.optional(z.string()),
});
export type AppliedChange = z.output<typeof appliedChangeSchema>;

export interface ApplyResult {
  readonly dryRun: boolean;
  readonly appliedAt: string;
  /** Changes written (or, in a dry run, that the API server accepted in its dry run). */
  readonly applied: AppliedChange[];
  readonly skipped: SkippedWorkload[];
  /** Whether anything was really changed, so that there is something to watch. */
  readonly anyApplied: boolean;
}

export interface ApplyDependencies {
  kubernetes: KubernetesApi;
  history: HistoryTable;
  audit: AuditTable;
  now: Date;
}

export function auditTargetOf(workload: {
  namespace: string;
  kind: string;
  name: string;
  container: string;
}): string {
  return `${workload.namespace}/${workload.kind}/${workload.name}/${workload.container}`;
}

function approvalRefusal(approval: ApprovalOutcome): string | undefined {
  switch (approval.status) {
    case 'REJECTED':
      return `approval rejected${approval.detail ? `: ${approval.detail}` : ''}`;
    case 'EXPIRED':
      return 'approval expired: nobody decided before the deadline';
    default:
      return undefined;
  }
}

export async function applyRightsizing(
  dependencies: ApplyDependencies,
  request: z.output<typeof applyRequestSchema>,
): Promise<ApplyResult> {
  const { plan, approval } = request;
  const appliedAt = dependencies.now.toISOString();
  const applied: AppliedChange[] = [];
  const skipped: SkippedWorkload[] = [];
  const refusal = approvalRefusal(approval);
  for (const change of plan.changes) {
    const needsApproval = !plan.dryRun && change.approvalReasons.length > 0;
    const outcome =
      needsApproval && approval.status !== 'APPROVED'
        ? { skipped: refusal ?? 'approval required but none was given' }
        : await applyOne(dependencies, change, plan.dryRun, appliedAt);
    const actor = needsApproval && approval.approver ? approval.approver : request.requestedBy;
    if ('skipped' in outcome) {
      skipped.push({ workload: change.workload, reason: outcome.skipped });
    } else {
      applied.push(outcome.applied);
      if (!plan.dryRun) {
        await recordAppliedChange(dependencies.history, {
          workload: change.workload,
          executionId: request.executionId,
          appliedAt,
          before: outcome.applied.before,
          after: outcome.applied.after,
        });
      }
    }
    await writeAuditRecord(dependencies.audit, {
      workflow: COST_OPTIMISE_WORKFLOW,
      action: 'apply',
      target: auditTargetOf(change.workload),
      decision: 'skipped' in outcome ? 'SKIPPED' : plan.dryRun ? 'DRY_RUN' : 'APPLIED',
      before: change.before,
      after: 'skipped' in outcome ? { reason: outcome.skipped } : outcome.applied.after,
      actor,
      executionId: request.executionId,
    });
  }
  return {
    dryRun: plan.dryRun,
    appliedAt,
    applied,
    skipped,
    anyApplied: !plan.dryRun && applied.length > 0,
  };
}

async function applyOne(
  dependencies: ApplyDependencies,
  change: PlannedChange,
  dryRun: boolean,
  appliedAt: string,
): Promise<{ applied: AppliedChange } | { skipped: string }> {
  const { workload } = change;
  const { kind } = workload;
  if (!isPatchableKind(kind)) return { skipped: `${kind} cannot be patched` };
  const object = await readWorkloadObject(dependencies.kubernetes, kind, workload);
  const container =
    object && podTemplateOf(kind, object)?.spec?.containers.find((c) => c.name === workload.container);
  if (!container) return { skipped: `${describeWorkload(workload)} is gone since the plan` };
  const current = containerResourcesOf(container.resources ?? {});
  if (!sameResources(current, change.before)) {
    return {
      skipped: `the resources changed since the plan (${describeResourceChange(change.before, current)}): not overwritten`,
    };
  }
  const patch = changePatch(kind, workload.container, change.before, change.after, {
    [RIGHTSIZED_AT_ANNOTATION]: appliedAt,
  });
  try {
    await patchWorkloadObject(dependencies.kubernetes, kind, workload, patch, true);
  } catch (error) {
    // 422: the API server or an admission webhook refused these values; the others are this run's problem.
    if (error instanceof KubernetesApiError && error.details.httpStatusCode === 422) {
      return { skipped: `the API server refused the patch in its dry run: ${error.message}` };
    }
    throw error;
  }
  const patched = dryRun
    ? undefined
    : await patchWorkloadObject(dependencies.kubernetes, kind, workload, patch, false);
  return {
    applied: {
      workload,
      replicas: change.replicas,
      ...(change.pool === undefined ? {} : { pool: change.pool }),
      before: change.before,
      after: change.after,
      change: change.change,
      patch,
      dryRun,
      ...(patched?.metadata?.resourceVersion ? { resourceVersion: patched.metadata.resourceVersion } : {}),
    },
  };
}
