import * as z from 'zod/mini';
import type { AuditRecord } from '../../audit/audit-trail.ts';
import { type Journal, type StepTiming, stepTimings } from './journal.ts';
import { DR_FAILOVER_WORKFLOW, type FailoverMode, failoverIdSchema } from './request.ts';

/**
 * The failover's report (docs/dr.md, runbooks/dr-failover.md): RTO from the declaration (the
 * journal's open time) to the green validation (validate-dr-platform's SUCCEEDED finish), RPO from
 * the drain step (the replication lag when the buckets were fenced, or now when they could not
 * be), each against its target, and where the time went (the journal's step timings). Everything
 * comes from the journal and the workflow's state, never from the clock, so that building it again
 * gives the same report (its audit record is written once per execution).
 */

export const FAILOVER_OUTCOMES = ['COMPLETED', 'FAILED', 'ABANDONED'] as const;
export type FailoverOutcome = (typeof FAILOVER_OUTCOMES)[number];

/** NOT_MEASURED: the failover never got there (no green validation, no drain look). */
export type TargetVerdict = 'MET' | 'MISSED' | 'NOT_MEASURED';

export interface FailoverTargets {
  readonly rpoSeconds: number;
  readonly rtoMinutes: number;
}

const drainSchema = z.looseObject({
  status: z.enum(['drained', 'waiting', 'timed-out']),
  lagSeconds: z.optional(z.number()),
  rpo: z.looseObject({ seconds: z.number(), basis: z.string(), measuredAt: z.string() }),
});

/** What the workflow hands over: its step results so far ($.steps) and, after a failure, the error. */
export const failoverReportInputSchema = z.object({
  failoverId: failoverIdSchema,
  outcome: z.enum(FAILOVER_OUTCOMES),
  executionId: z.optional(z.string()),
  steps: z._default(
    z.looseObject({
      gates: z.optional(
        z.looseObject({
          decision: z.looseObject({ status: z.string(), failedGates: z.optional(z.array(z.string())) }),
        }),
      ),
      drain: z.optional(z.unknown()),
      validation: z.optional(z.looseObject({ status: z.string() })),
    }),
    {},
  ),
  failure: z.optional(z.looseObject({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
});
export type FailoverReportInput = z.output<typeof failoverReportInputSchema>;

export interface TargetResult {
  readonly seconds: number | null;
  readonly targetSeconds: number;
  readonly verdict: TargetVerdict;
  readonly detail: string;
}

export interface FailoverReport {
  readonly failoverId: string;
  readonly environment: string;
  readonly mode: FailoverMode;
  readonly outcome: FailoverOutcome;
  readonly reason: string;
  readonly requestedBy: string;
  readonly declaredAt: string;
  readonly rto: TargetResult & { readonly greenAt: string | null };
  readonly rpo: TargetResult & { readonly drain: string | null };
  readonly gates: string | null;
  readonly stepTimings: StepTiming[];
  readonly failure?: { readonly error: string; readonly cause: string };
  /** A real failover always, a drill when it failed or missed a target. */
  readonly notify: boolean;
  readonly subject: string;
  readonly summary: string;
}

export function buildFailoverReport(
  journal: Journal,
  input: FailoverReportInput,
  targets: FailoverTargets,
): FailoverReport {
  const { run } = journal;
  const timings = stepTimings(journal);
  const rto = rtoOf(journal, targets);
  const rpo = rpoOf(input.steps.drain, targets);
  const failure = input.failure
    ? { error: input.failure.Error ?? 'unknown error', cause: input.failure.Cause ?? '' }
    : undefined;
  const missed = [rto, rpo].some((target) => target.verdict === 'MISSED');
  const notify = run.mode === 'real' || input.outcome !== 'COMPLETED' || missed;
  const gates = input.steps.gates?.decision.status ?? null;
  const subject = `dr-failover ${run.mode} ${input.outcome}: RTO ${rto.verdict}, RPO ${rpo.verdict}`;
  const summary = [
    `${run.mode} failover ${run.failoverId} of ${run.environment} ${input.outcome}, declared ${run.openedAt} by ${run.requestedBy}: ${run.reason}`,
    `RTO ${rto.verdict}: ${rto.detail}`,
    `RPO ${rpo.verdict}: ${rpo.detail}`,
    ...(gates ? [`gates ${gates}${failedGatesOf(input)}`] : []),
    ...(failure ? [`failed: ${failure.error}: ${failure.cause}`] : []),
    ...timings.filter((timing) => timing.status !== 'PENDING').map(timingLine),
  ].join('\n');
  return {
    failoverId: run.failoverId,
    environment: run.environment,
    mode: run.mode,
    outcome: input.outcome,
    reason: run.reason,
    requestedBy: run.requestedBy,
    declaredAt: run.openedAt,
    rto,
    rpo,
    gates,
    stepTimings: timings,
    ...(failure ? { failure } : {}),
    notify,
    subject,
    summary,
  };
}

function rtoOf(journal: Journal, { rtoMinutes }: FailoverTargets): FailoverReport['rto'] {
  const targetSeconds = rtoMinutes * 60;
  const validation = journal.steps.find((step) => step.step === 'validate-dr-platform');
  if (validation?.status !== 'SUCCEEDED' || !validation.finishedAt) {
    return {
      seconds: null,
      targetSeconds,
      verdict: 'NOT_MEASURED',
      greenAt: null,
      detail: 'the DR side was not validated green',
    };
  }
  const seconds = Math.round((Date.parse(validation.finishedAt) - Date.parse(journal.run.openedAt)) / 1000);
  return {
    seconds,
    targetSeconds,
    verdict: seconds <= targetSeconds ? 'MET' : 'MISSED',
    greenAt: validation.finishedAt,
    detail: `${seconds} s from the declaration to the green validation (target ${targetSeconds} s)`,
  };
}

function rpoOf(drainOutput: unknown, { rpoSeconds }: FailoverTargets): FailoverReport['rpo'] {
  const drain = drainSchema.safeParse(drainOutput);
  if (!drain.success) {
    return {
      seconds: null,
      targetSeconds: rpoSeconds,
      verdict: 'NOT_MEASURED',
      drain: null,
      detail: 'the replication was not drained: the failover stopped before',
    };
  }
  const { rpo, status } = drain.data;
  const lost =
    status === 'timed-out' ? '; the drain timed out, the events still pending were not replicated' : '';
  return {
    seconds: rpo.seconds,
    targetSeconds: rpoSeconds,
    verdict: rpo.seconds <= rpoSeconds ? 'MET' : 'MISSED',
    drain: status,
    detail: `${rpo.seconds} s of writes at risk, the ${rpo.basis} (target ${rpoSeconds} s)${lost}`,
  };
}

function failedGatesOf(input: FailoverReportInput): string {
  const failed = input.steps.gates?.decision.failedGates ?? [];
  return failed.length > 0 ? ` (failed: ${failed.join(', ')})` : '';
}

function timingLine(timing: StepTiming): string {
  const duration = timing.durationSeconds === undefined ? '' : ` in ${timing.durationSeconds} s`;
  const since =
    timing.secondsSinceOpened === undefined ? '' : `, ${timing.secondsSinceOpened} s after the declaration`;
  const attempts = timing.attempts > 1 ? `, ${timing.attempts} attempts` : '';
  return `- ${timing.step}: ${timing.status}${duration}${since}${attempts}`;
}

/** The report as the audit trail keeps it: one record per failover and execution, the outcome as decision. */
export function failoverAuditRecord(report: FailoverReport, executionId: string | undefined): AuditRecord {
  return {
    workflow: DR_FAILOVER_WORKFLOW,
    action: `report-${report.outcome.toLowerCase()}`,
    target: `${report.environment}/${report.failoverId}`,
    decision: `${report.outcome}: RTO ${report.rto.verdict}, RPO ${report.rpo.verdict}`,
    after: report,
    actor: report.requestedBy,
    ...(executionId ? { executionId } : {}),
  };
}
