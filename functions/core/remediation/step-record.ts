import * as z from 'zod/mini';
import { nonEmptyString } from '../../commons/schemas.ts';
import { type AuditTable, type WrittenAuditRecord, writeAuditRecord } from '../audit/audit-trail.ts';
import {
  type BreakerSettings,
  type BreakerState,
  type BreakerTable,
  recordPlaybookOutcome,
} from './breaker.ts';
import { PLAYBOOK_NAMES } from './playbooks/catalogue.ts';

/**
 * Every decision of a remediate run goes to the audit trail (`AUDIT#remediate#<target key>`), one
 * record per execution and decision, so a retried step never duplicates one: what was resolved,
 * limits, preflight (with the target's state before), approval (with the approver), the action
 * (before and after), the verification, the escalation and the outcome. A decision that ends a
 * playbook's attempt (`breaker`) also counts for or against that playbook's circuit breaker.
 */
export const REMEDIATION_PHASES = [
  'resolve',
  'lease',
  'limits',
  'preflight',
  'approval',
  'act',
  'verify',
  'escalate',
  'outcome',
] as const;

export const stepRecordSchema = z.object({
  executionId: nonEmptyString(),
  alertname: nonEmptyString(),
  targetKey: nonEmptyString(),
  phase: z.enum(REMEDIATION_PHASES),
  /** The chain position (0-based) and playbook, for per-playbook phases. */
  step: z.optional(
    z.object({ index: z.number().check(z.int(), z.nonnegative()), playbook: z.enum(PLAYBOOK_NAMES) }),
  ),
  decision: nonEmptyString(),
  detail: z.optional(z.unknown()),
  before: z.optional(z.unknown()),
  after: z.optional(z.unknown()),
  /** Who decided when it was a person (an approver); the alert otherwise. */
  actor: z.optional(nonEmptyString()),
  /** The playbook's attempt ended: it cleared the alert (success) or not (failure). */
  breaker: z.optional(z.enum(['success', 'failure'])),
});
export type StepRecord = z.output<typeof stepRecordSchema>;

export interface StepRecordDependencies {
  table: AuditTable & BreakerTable;
  breaker: BreakerSettings;
  now: () => Date;
}

export async function recordRemediationStep(
  dependencies: StepRecordDependencies,
  record: StepRecord,
): Promise<{ audit: WrittenAuditRecord; breaker?: BreakerState }> {
  const action = record.step ? `${record.step.index}-${record.step.playbook}-${record.phase}` : record.phase;
  const audit = await writeAuditRecord(dependencies.table, {
    workflow: 'remediate',
    action,
    target: record.targetKey,
    decision: record.decision,
    before: record.before,
    after:
      record.after === undefined && record.detail === undefined
        ? undefined
        : { detail: record.detail, ...(record.after === undefined ? {} : { state: record.after }) },
    actor: record.actor ?? `alert:${record.alertname}`,
    executionId: record.executionId,
  });
  if (!record.breaker || !record.step || audit.alreadyRecorded) return { audit };
  const breaker = await recordPlaybookOutcome(
    dependencies.table,
    record.step.playbook,
    record.breaker === 'success',
    dependencies.now(),
    dependencies.breaker,
  );
  return { audit, breaker };
}
