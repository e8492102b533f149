import type * as z from 'zod/v4/core';
import { restoreRequestSchema } from '../../functions/core/backup/restore-request.ts';
import { verifyBackupRequestSchema } from '../../functions/core/backup/verify-request.ts';
import { backupWorkflowInputSchema } from '../../functions/core/backup-workflow/request.ts';
import { costOptimiseRequestSchema } from '../../functions/core/cost/apply/request.ts';
import { offHoursRequestSchema } from '../../functions/core/cost/off-hours/request.ts';
import { spotInterruptionEventSchema } from '../../functions/core/cost/spot/interruption-event.ts';
import { spotMigrationRequestSchema } from '../../functions/core/cost/spot/request.ts';
import { failbackRequestSchema } from '../../functions/core/dr/failback/journal.ts';
import { failoverRequestSchema } from '../../functions/core/dr/failover/request.ts';
import { provisionRequestSchema } from '../../functions/core/provision/request.ts';
import { alertRuleEventSchema } from '../../functions/core/remediation/remediation-plan.ts';
import { validatePlatformRequestSchema } from '../../functions/core/validation/request.ts';
import { UsageError } from './usage-error.ts';

/**
 * The workflows the CLI can start and the schema each one's input must satisfy. The schema is the
 * one the workflow's own first step validates with, checked here as well so that bad input is
 * refused before anything starts. A new workflow plugs in with one entry.
 */
export interface WorkflowEntry {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: z.$ZodType;
  /** Used when `run` gets no --input. */
  readonly defaultInput: unknown;
}

const entries: readonly WorkflowEntry[] = [
  {
    name: 'validate-platform',
    description: 'full health suite: EKS, nodes, Prefect, MinIO, s5cmd, monitoring',
    inputSchema: validatePlatformRequestSchema,
    defaultInput: { requestedBy: 'lakehouse-ops-cli' },
  },
  {
    name: 'backup',
    description:
      'incremental MinIO -> S3 copy with checksummed manifests, and AWS Backup jobs for the volumes',
    inputSchema: backupWorkflowInputSchema,
    // Every bucket of the environment's list (BACKUP_SOURCE_BUCKETS), for real.
    defaultInput: { requestedBy: 'lakehouse-ops-cli' },
  },
  {
    name: 'verify-backup',
    description: 'prove a backup restores: manifest checksum, sampled object SHA-256s, PostgreSQL row counts',
    inputSchema: verifyBackupRequestSchema,
    // No default bucket on purpose: without --input the schema names the missing sourceBucket.
    defaultInput: { requestedBy: 'lakehouse-ops-cli' },
  },
  {
    name: 'provision',
    description:
      'bring an environment up: node groups, cluster-manifests by server-side apply, MinIO buckets, then validate-platform',
    inputSchema: provisionRequestSchema,
    // Without --input: a dry run of the local environment, which changes nothing.
    defaultInput: { environment: 'development', dryRun: true, requestedBy: 'lakehouse-ops-cli' },
  },
  {
    name: 'remediate',
    description:
      'one Prometheus alert to a verified playbook chain, or an escalation (replays an alert by hand)',
    inputSchema: alertRuleEventSchema,
    // No default: an alert event must be given (runbooks/remediate.md has an example).
    defaultInput: {},
  },
  {
    name: 'restore',
    description: 'restore a bucket or prefix (and optionally the PostgreSQL dump) as of a chosen backup',
    inputSchema: restoreRequestSchema,
    defaultInput: { requestedBy: 'lakehouse-ops-cli' },
  },
  {
    name: 'off-hours',
    description:
      'put a development or staging environment to sleep (saved replicas and node group sizes) or wake it, exactly as it was',
    inputSchema: offHoursRequestSchema,
    // Without --input: a dry run of a sleep, which changes nothing (`lakehouse-ops wake` wakes).
    defaultInput: { action: 'sleep', dryRun: true, requestedBy: 'lakehouse-ops-cli' },
  },
  {
    name: 'cost-optimise',
    description:
      'right-sizing from Prometheus usage, applied within guardrails (weekly cap, p99 floor, approvals), watched and rolled back, with a cost report',
    inputSchema: costOptimiseRequestSchema,
    // Without --input: recommendations and the patches they would make, nothing applied.
    defaultInput: { requestedBy: 'lakehouse-ops-cli', dryRun: true },
  },
  {
    name: 'spot-migration',
    description:
      'move a node pool between on-demand and spot: new group, gradual drain within PodDisruptionBudgets, old group removed',
    inputSchema: spotMigrationRequestSchema,
    // Without --input: a dry run of the compute pool to spot, which changes nothing.
    defaultInput: { pool: 'compute', direction: 'to-spot', dryRun: true, requestedBy: 'lakehouse-ops-cli' },
  },
  {
    name: 'spot-interruption',
    description: 'drain the node of a spot instance EC2 is about to reclaim (replays an EC2 notice by hand)',
    inputSchema: spotInterruptionEventSchema,
    // No default: an EC2 notice must be given (runbooks/spot-interruption.md).
    defaultInput: {},
  },
  {
    name: 'dr-failback',
    description:
      'back from the DR side: resync the replica into MinIO to a zero diff, fence DR, switch back, DR to standby',
    inputSchema: failbackRequestSchema,
    // No default: a failback must say its mode (real or drill), as its failover did.
    defaultInput: { requestedBy: 'lakehouse-ops-cli' },
  },
  {
    name: 'dr-failover',
    description:
      'gated region failover: gates, approval, fence, drain, DR bring-up, traffic switch, validation, RTO/RPO report',
    inputSchema: failoverRequestSchema,
    // No default: a failover (even a drill, which fences the primary) is declared on purpose.
    defaultInput: {},
  },
];

export const WORKFLOW_REGISTRY: ReadonlyMap<string, WorkflowEntry> = new Map(
  entries.map((entry) => [entry.name, entry]),
);

export function requireWorkflow(name: string): WorkflowEntry {
  const entry = WORKFLOW_REGISTRY.get(name);
  if (!entry) {
    const known = [...WORKFLOW_REGISTRY.values()].map(
      (workflow) => `  ${workflow.name}  ${workflow.description}`,
    );
    throw new UsageError(`Unknown workflow "${name}". Known workflows:\n${known.join('\n')}`);
  }
  return entry;
}
