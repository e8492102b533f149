import { namedError } from '../../../commons/errors.ts';
import { type AuditTable, writeAuditRecord } from '../../audit/audit-trail.ts';
import type { OffHoursPlan } from './plan.ts';
import { OFF_HOURS_WORKFLOW } from './request.ts';
import {
  clearSnapshot,
  markAsleep,
  type OffHoursSnapshot,
  type SnapshotTable,
  saveSnapshot,
} from './snapshot-store.ts';

/**
 * The workflow's writes to the snapshot: save before acting (sleep), mark asleep after verifying,
 * clear after wake verified. The save is also written to the audit trail, state included, so the
 * counts survive even a lost ops-table item and an operator can restore by hand.
 */
export interface SnapshotStepDependencies {
  readonly snapshots: SnapshotTable;
  readonly audit: AuditTable;
}

/** A step was given a plan it cannot act on (a dry run, or the other action). */
export class OffHoursPlanMismatchError extends namedError('OffHoursPlanMismatchError') {}

function requirePlan(plan: OffHoursPlan, action: OffHoursPlan['action'], step: string): void {
  if (plan.action !== action || plan.dryRun) {
    throw new OffHoursPlanMismatchError(
      `${step} acts only on a real ${action} plan, got ${plan.dryRun ? 'a dry run of ' : ''}${plan.action}`,
      { step, action: plan.action, dryRun: plan.dryRun },
    );
  }
}

export async function saveSleepSnapshot(
  plan: OffHoursPlan,
  executionId: string,
  { snapshots, audit }: SnapshotStepDependencies,
): Promise<Pick<OffHoursSnapshot, 'version' | 'savedAt' | 'phase'>> {
  requirePlan(plan, 'sleep', 'SaveOffHoursSnapshot');
  const snapshot = await saveSnapshot(snapshots, {
    environment: plan.environment,
    state: plan.saved,
    expectedVersion: plan.snapshotVersion,
    executionId,
  });
  await writeAuditRecord(audit, {
    workflow: OFF_HOURS_WORKFLOW,
    action: 'save-snapshot',
    target: plan.environment,
    decision: `saved version ${snapshot.version}`,
    before: { snapshotVersion: plan.snapshotVersion ?? null, stateBefore: plan.stateBefore },
    after: plan.saved,
    actor: plan.requestedBy,
    executionId,
  });
  return { version: snapshot.version, savedAt: snapshot.savedAt, phase: snapshot.phase };
}

/** sleep: the snapshot is now `asleep`; wake: it is deleted. */
export async function finishOffHours(
  plan: OffHoursPlan,
  savedVersion: number | undefined,
  { snapshots }: Pick<SnapshotStepDependencies, 'snapshots'>,
): Promise<{ phase: 'asleep' | 'awake'; at?: string }> {
  if (plan.action === 'sleep') {
    requirePlan(plan, 'sleep', 'MarkEnvironmentAsleep');
    const version = savedVersion ?? plan.snapshotVersion;
    if (version === undefined)
      throw new OffHoursPlanMismatchError('MarkEnvironmentAsleep needs the saved snapshot version', {});
    const { asleepAt } = await markAsleep(snapshots, plan.environment, version);
    return { phase: 'asleep', at: asleepAt };
  }
  requirePlan(plan, 'wake', 'ClearOffHoursSnapshot');
  if (plan.snapshotVersion !== undefined)
    await clearSnapshot(snapshots, plan.environment, plan.snapshotVersion);
  return { phase: 'awake' };
}
