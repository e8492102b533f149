import * as z from 'zod/mini';
import type { AuditRecord } from '../../audit/audit-trail.ts';
import { actResultSchema, type ChangeResult } from './act.ts';
import { wakeCommand } from './annotations.ts';
import { type KeptObject, type ObjectReference, type OffHoursPlan, offHoursPlanSchema } from './plan.ts';
import { OFF_HOURS_WORKFLOW } from './request.ts';
import { describeSize } from './saved-state.ts';

/**
 * The run's report: what the workflow returns, notifies and audits. Built from whatever the steps
 * left in the state, so a run that failed half-way still says what it changed before it failed.
 */
export const OFF_HOURS_STATUSES = [
  'ASLEEP',
  'AWAKE',
  'ALREADY_ASLEEP',
  'NOT_ASLEEP',
  'DRY_RUN',
  'FAILED',
] as const;
export type OffHoursStatus = (typeof OFF_HOURS_STATUSES)[number];

/** A Step Functions Catch result. */
const failureSchema = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

export const offHoursOutcomeSchema = z.object({
  /** The raw workflow input, for a run that failed before its plan. */
  request: z.optional(z.unknown()),
  plan: z.optional(offHoursPlanSchema),
  workloads: z.optional(actResultSchema),
  nodeGroups: z.optional(actResultSchema),
  finish: z.optional(z.object({ phase: z.string() })),
  failure: z.optional(failureSchema),
  executionId: z.string(),
});
/** The outcome with the environment the recording function runs for (ENVIRONMENT_NAME). */
export type OffHoursOutcome = z.output<typeof offHoursOutcomeSchema> & { environment: string };

export interface OffHoursReport {
  readonly workflow: typeof OFF_HOURS_WORKFLOW;
  readonly environment: string;
  readonly action?: OffHoursPlan['action'];
  readonly dryRun: boolean;
  readonly requestedBy?: string;
  readonly reason?: string;
  readonly status: OffHoursStatus;
  /** One sentence for the notification and the console. */
  readonly message: string;
  readonly subject: string;
  /** Whether operators are told: every real change and every failure, not dry runs nor no-ops. */
  readonly notify: boolean;
  readonly summary: { changed: number; kept: number; missing: number; gone: number };
  readonly changes: ChangeResult[];
  readonly kept: KeptObject[];
  readonly missing: ObjectReference[];
  readonly interrupted: string[];
  readonly wakeCommand: string;
  readonly failure?: { error: string; message: string };
}

/** Lambda failures carry their message inside a JSON Cause. */
function failureMessage(failure: { Error: string; Cause?: string }): string {
  try {
    const cause = JSON.parse(failure.Cause ?? '') as { errorMessage?: unknown };
    if (typeof cause.errorMessage === 'string') return cause.errorMessage;
  } catch {
    // Not JSON: a States.* error's plain text.
  }
  return failure.Cause ?? failure.Error;
}

/** Without act results (dry run, no-op, or a failure before acting), the plan's changes as planned. */
function plannedChanges(plan: OffHoursPlan, outcome: ChangeResult['outcome']): ChangeResult[] {
  return [
    ...plan.changes.workloads.map(({ kind, namespace, name, from, to }) => ({
      kind,
      namespace,
      name,
      change: `replicas ${from} -> ${to}`,
      outcome,
    })),
    ...plan.changes.cronJobs.map(({ namespace, name, from, to }) => ({
      kind: 'CronJob',
      namespace,
      name,
      change: `suspend ${from} -> ${to}`,
      outcome,
    })),
    ...plan.changes.nodeGroups.map(({ name, from, to }) => ({
      kind: 'NodeGroup',
      name,
      change: `${describeSize(from)} -> ${describeSize(to)}`,
      outcome,
    })),
  ];
}

function statusOf(outcome: OffHoursOutcome): OffHoursStatus {
  const { plan } = outcome;
  if (outcome.failure || !plan) return 'FAILED';
  if (plan.noop) return plan.action === 'sleep' ? 'ALREADY_ASLEEP' : 'NOT_ASLEEP';
  if (plan.dryRun) return 'DRY_RUN';
  if (!outcome.finish) return 'FAILED';
  return plan.action === 'sleep' ? 'ASLEEP' : 'AWAKE';
}

function messageOf(status: OffHoursStatus, outcome: OffHoursOutcome, changed: number): string {
  const { plan, environment } = outcome;
  switch (status) {
    case 'ASLEEP':
      return `${environment} is asleep: ${changed} changes saved and applied; wake early with ${wakeCommand(environment)}`;
    case 'AWAKE':
      return `${environment} is awake: ${changed} changes restored from the saved state`;
    case 'ALREADY_ASLEEP':
    case 'NOT_ASLEEP':
      return plan?.noop ?? status;
    case 'DRY_RUN':
      return `dry run of ${plan?.action} in ${environment}: ${changed} changes would be made, nothing was changed`;
    case 'FAILED': {
      const why = outcome.failure ? failureMessage(outcome.failure) : 'the run ended before its last step';
      return `off-hours ${plan?.action ?? 'run'} of ${environment} failed after ${changed} changes: ${why}`;
    }
  }
}

export function buildOffHoursReport(outcome: OffHoursOutcome): OffHoursReport {
  const { plan, environment } = outcome;
  const acted = [...(outcome.workloads?.results ?? []), ...(outcome.nodeGroups?.results ?? [])];
  const changes =
    acted.length > 0 || !plan ? acted : plannedChanges(plan, plan.dryRun ? 'dry-run' : 'changed');
  const status = statusOf(outcome);
  // A run that failed before acting changed nothing, whatever the plan says.
  const reported = status === 'FAILED' && acted.length === 0 ? [] : changes;
  const changed = reported.filter((change) => change.outcome !== 'gone').length;
  const message = messageOf(status, outcome, changed);
  const action = plan?.action ?? actionOf(outcome.request);
  return {
    workflow: OFF_HOURS_WORKFLOW,
    environment,
    ...(action ? { action } : {}),
    dryRun: plan?.dryRun ?? false,
    ...(plan ? { requestedBy: plan.requestedBy } : {}),
    ...(plan?.reason ? { reason: plan.reason } : {}),
    status,
    message,
    subject: `off-hours ${action ?? 'run'}: ${status}`,
    notify: status === 'FAILED' || ((status === 'ASLEEP' || status === 'AWAKE') && changed > 0),
    summary: {
      changed,
      kept: plan?.kept.length ?? 0,
      missing: plan?.missing.length ?? 0,
      gone: reported.length - changed,
    },
    changes: reported,
    kept: plan?.kept ?? [],
    missing: plan?.missing ?? [],
    interrupted: plan?.interrupted ?? [],
    wakeCommand: wakeCommand(environment),
    ...(outcome.failure
      ? { failure: { error: outcome.failure.Error, message: failureMessage(outcome.failure) } }
      : {}),
  };
}

function actionOf(request: unknown): OffHoursPlan['action'] | undefined {
  const action = (request as { action?: unknown } | undefined)?.action;
  return action === 'sleep' || action === 'wake' ? action : undefined;
}

/**
 * One record per execution under `AUDIT#off-hours#<environment>`: the decision is the status,
 * `before` the state saved or restored, `after` the report.
 */
export function offHoursAuditRecord(outcome: OffHoursOutcome, report: OffHoursReport): AuditRecord {
  return {
    workflow: OFF_HOURS_WORKFLOW,
    action: report.action ?? 'request',
    target: outcome.environment,
    decision: report.status,
    before: outcome.plan
      ? { stateBefore: outcome.plan.stateBefore, saved: outcome.plan.saved }
      : outcome.request,
    after: report,
    actor: report.requestedBy ?? 'unknown',
    executionId: outcome.executionId,
  };
}
