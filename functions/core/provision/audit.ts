import type { AuditRecord } from '../audit/audit-trail.ts';
import type { ProvisionPlan } from './plan.ts';

/**
 * A provision run in the audit trail, one record per execution under `AUDIT#provision#<cluster>`:
 * the decision is the report's status, `before` what was asked (components, dry run, stages) and
 * `after` the report itself: every object created or changed with its fields, the node groups,
 * the buckets, the validation verdict. The execution history holds the same; the audit trail
 * outlives it (Step Functions keeps history for 90 days).
 */
export function provisionAuditRecord(
  plan: ProvisionPlan,
  report: { status: string },
  executionId: string,
): AuditRecord {
  return {
    workflow: 'provision',
    action: 'provision',
    target: plan.cluster,
    decision: report.status,
    before: {
      environment: plan.environment,
      components: plan.components,
      dryRun: plan.dryRun,
      stages: plan.stages.map((stage) => stage.name),
    },
    after: report,
    actor: plan.requestedBy,
    executionId,
  };
}
