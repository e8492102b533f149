import * as z from 'zod/mini';
import { caughtSchema, causeText } from '../../provision/report.ts';
import type { DrainProgress, NodeDrainResult } from './drain.ts';
import type { SpotMigrationPlan } from './plan.ts';
import type { Retirement } from './retire.ts';
import type { EnsureTargetResult } from './target-group.ts';
import type { Verification } from './verify.ts';

/**
 * The spot-migration run's report, built from what each step left in the execution's state. Its
 * status decides how the execution ends: MIGRATED, ALREADY_MIGRATED and DRY_RUN succeed;
 * REFUSED (preflight or lease said no, nothing changed), BLOCKED (a drain could not empty a Node
 * within its budgets: nothing forced, re-run when the budget allows), VERIFY_FAILED and FAILED
 * fail it after notifying.
 */
export const SPOT_MIGRATION_STATUSES = [
  'MIGRATED',
  'ALREADY_MIGRATED',
  'DRY_RUN',
  'REFUSED',
  'BLOCKED',
  'VERIFY_FAILED',
  'FAILED',
] as const;
export type SpotMigrationStatus = (typeof SPOT_MIGRATION_STATUSES)[number];
export const SUCCESSFUL_SPOT_MIGRATION_STATUSES: readonly SpotMigrationStatus[] = [
  'MIGRATED',
  'ALREADY_MIGRATED',
  'DRY_RUN',
];

/** Failures that mean "nothing was changed, on purpose". */
const REFUSALS = new Set(['SpotMigrationRefusedError', 'LockHeldError', 'InvalidInputError']);

const objectOf = <Shape>() => z.custom<Shape>((value) => typeof value === 'object' && value !== null);

/** The execution state the report step receives: the input's fields, then each step's result. */
export const spotMigrationReportInputSchema = z.looseObject({
  pool: z.optional(z.unknown()),
  direction: z.optional(z.unknown()),
  dryRun: z.optional(z.unknown()),
  requestedBy: z.optional(z.unknown()),
  plan: z.optional(objectOf<SpotMigrationPlan>()),
  targetGroup: z.optional(objectOf<EnsureTargetResult>()),
  drain: z.optional(objectOf<DrainProgress>()),
  retirement: z.optional(objectOf<Partial<Retirement>>()),
  verification: z.optional(objectOf<Verification>()),
  failure: z.optional(caughtSchema),
});
export type SpotMigrationReportInput = z.output<typeof spotMigrationReportInputSchema>;

export interface SpotMigrationReport {
  readonly workflow: 'spot-migration';
  readonly status: SpotMigrationStatus;
  readonly summary: string;
  readonly pool: string;
  readonly direction: string;
  readonly dryRun: boolean;
  readonly requestedBy: string;
  readonly cluster?: string;
  readonly source?: SpotMigrationPlan['source'];
  readonly target?: SpotMigrationPlan['target'] & { created?: boolean };
  readonly drain: {
    readonly nodes: number;
    readonly drained: number;
    readonly evicted: number;
    readonly blocked: readonly NodeDrainResult[];
    readonly results: readonly NodeDrainResult[];
  };
  readonly retirement?: Partial<Retirement>;
  readonly verification?: Verification;
  readonly failure?: { error: string; detail: string };
}

function statusOf(input: SpotMigrationReportInput): SpotMigrationStatus {
  if (input.failure) return REFUSALS.has(input.failure.Error) ? 'REFUSED' : 'FAILED';
  if (input.plan?.dryRun) return 'DRY_RUN';
  if (input.drain?.blocked) return 'BLOCKED';
  if (!input.verification) return 'FAILED';
  if (!input.verification.passed) return 'VERIFY_FAILED';
  return input.plan?.alreadyMigrated ? 'ALREADY_MIGRATED' : 'MIGRATED';
}

const text = (value: unknown, fallback: string) =>
  typeof value === 'string' && value !== '' ? value : fallback;

function summarize(report: Omit<SpotMigrationReport, 'summary'>): string {
  const { pool, status, drain, target, source } = report;
  const moved = `pool ${pool} ${report.direction}`;
  const drained = `${drain.drained} of ${drain.nodes} node(s) drained, ${drain.evicted} pod(s) evicted`;
  switch (status) {
    case 'MIGRATED':
      return `${moved}: ${target?.name} ${target?.created ? 'created' : 'in place'}, ${drained}, ${source?.name} removed`;
    case 'ALREADY_MIGRATED':
      return `${moved}: already on ${target?.name} (${target?.capacityType}), verified`;
    case 'DRY_RUN':
      return `${moved} (dry run): would ${target?.exists ? 'use' : 'create'} ${target?.name}, drain ${drain.nodes} node(s) of ${source?.name ?? 'no group'}; ${drain.blocked.length} would block`;
    case 'BLOCKED':
      return `${moved} stopped: ${drained}; ${drain.blocked.map((entry) => `${entry.node}: ${entry.left.map((pod) => `${pod.pod} (${pod.reason})`).join(', ')}`).join('; ')}`;
    case 'VERIFY_FAILED':
      return `${moved}: verification failed: ${report.verification?.checks
        .filter((entry) => !entry.passed)
        .map((entry) => entry.detail)
        .join('; ')}`;
    default:
      return `${moved} ${status.toLowerCase()}: ${report.failure ? `${report.failure.error}: ${report.failure.detail}` : 'the run ended before verification'}`;
  }
}

export function buildSpotMigrationReport(input: SpotMigrationReportInput): SpotMigrationReport {
  const { plan } = input;
  const results = input.drain?.results ?? [];
  const report: Omit<SpotMigrationReport, 'summary'> = {
    workflow: 'spot-migration',
    status: statusOf(input),
    pool: plan?.pool ?? text(input.pool, 'unknown'),
    direction: plan?.direction ?? text(input.direction, 'unknown'),
    dryRun: plan?.dryRun ?? input.dryRun === true,
    requestedBy: plan?.requestedBy ?? text(input.requestedBy, 'unknown'),
    ...(plan
      ? { cluster: plan.cluster, target: { ...plan.target, created: input.targetGroup?.created } }
      : {}),
    ...(plan?.source ? { source: plan.source } : {}),
    drain: {
      nodes: plan?.sourceNodes.length ?? 0,
      drained: results.filter((result) => result.outcome !== 'blocked').length,
      evicted: results.reduce((sum, result) => sum + result.evicted, 0),
      blocked: results.filter((result) => result.left.length > 0),
      results,
    },
    ...(input.retirement ? { retirement: input.retirement } : {}),
    ...(input.verification ? { verification: input.verification } : {}),
    ...(input.failure
      ? { failure: { error: input.failure.Error, detail: causeText(input.failure.Cause) } }
      : {}),
  };
  return { ...report, summary: summarize(report) };
}
