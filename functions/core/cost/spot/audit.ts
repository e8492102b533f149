import type { AuditRecord } from '../../audit/audit-trail.ts';
import { causeText } from '../../provision/report.ts';
import type { InterruptedNode } from './interruption.ts';

/**
 * A spot migration in the audit trail, one record per execution under
 * `AUDIT#spot-migration#<pool>`: the decision is the report's status, `before` the groups as they
 * were planned, `after` the report (every Node drained, every pod left, the verification).
 */
/** The report's fields the record is keyed and decided by; the rest of it goes in as `after`. */
export interface AuditedMigrationReport {
  readonly pool: string;
  readonly status: string;
  readonly requestedBy: string;
  readonly direction?: unknown;
  readonly dryRun?: unknown;
  readonly source?: unknown;
  readonly target?: unknown;
}

export function spotMigrationAuditRecord(report: AuditedMigrationReport, executionId: string): AuditRecord {
  return {
    workflow: 'spot-migration',
    action: 'migrate',
    target: report.pool,
    decision: report.status,
    before: {
      direction: report.direction,
      dryRun: report.dryRun,
      source: report.source,
      target: report.target,
    },
    after: report,
    actor: report.requestedBy,
    executionId,
  };
}

/**
 * A spot notice acted on, one record per execution under `AUDIT#spot-interruption#<node>`: the
 * notice (`before`) and the drain's outcome, or the failure that stopped it (`after`). Notices for
 * instances outside the cluster are not recorded: the rule sees every spot instance of the account.
 */
export function spotInterruptionAuditRecord(
  input: {
    node: InterruptedNode;
    drain?: { outcome: string };
    failure?: { Error: string; Cause: string };
    eventId: string;
  },
  executionId: string,
): AuditRecord {
  const { node, drain, failure, eventId } = input;
  return {
    workflow: 'spot-interruption',
    action: 'drain',
    target: node.node ?? node.instanceId,
    decision: drain?.outcome ?? 'FAILED',
    before: { ...node, eventId },
    after: drain ?? {
      failure: failure ? { error: failure.Error, detail: causeText(failure.Cause) } : undefined,
    },
    actor:
      node.kind === 'interruption' ? 'aws.ec2 spot interruption warning' : 'aws.ec2 rebalance recommendation',
    executionId,
  };
}
