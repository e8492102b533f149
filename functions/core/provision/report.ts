import * as z from 'zod/mini';
import type { ObjectChange, StageResult } from './apply.ts';
import type { BucketChange } from './buckets.ts';
import type { NodeGroupChange } from './cluster.ts';
import type { ProvisionPlan } from './plan.ts';

/**
 * The provision run's report, built from what each step returned: per stage the objects created
 * and changed (with their fields) and how many were unchanged, the node groups, the buckets, and
 * the validate-platform verdict. Its status decides how the execution ends:
 * PROVISIONED and DRY_RUN succeed; FAILED (a step failed: `failure` names it) and UNHEALTHY
 * (everything applied, validate-platform disagrees) fail the execution after notifying.
 */
export type ProvisionStatus = 'PROVISIONED' | 'DRY_RUN' | 'FAILED' | 'UNHEALTHY';

export interface StageSummary {
  readonly stage: string;
  readonly created: number;
  readonly changed: number;
  readonly unchanged: number;
  /** The objects created or changed; unchanged ones are only counted. */
  readonly objects: ObjectChange[];
}

export interface ValidationOutcome {
  readonly status: 'HEALTHY' | 'UNHEALTHY' | 'ERROR' | 'SKIPPED';
  readonly detail: string;
  readonly executionArn?: string;
}

export interface ProvisionReport {
  readonly workflow: 'provision';
  readonly environment: string;
  readonly components: string[];
  readonly dryRun: boolean;
  readonly requestedBy: string;
  readonly status: ProvisionStatus;
  /** Counts over node groups, objects and buckets. */
  readonly summary: { created: number; changed: number; unchanged: number };
  readonly nodeGroups: NodeGroupChange[];
  readonly stages: StageSummary[];
  readonly buckets: BucketChange[];
  readonly validation: ValidationOutcome;
  readonly failure?: { error: string; detail: string };
}

/** A Step Functions Catch output: `{ Error, Cause }`. */
export const caughtSchema = z.object({ Error: z.string(), Cause: z._default(z.string(), '') });

/** What the workflow hands the report step; every part but the plan may be missing. */
export const provisionReportInputSchema = z.object({
  plan: z.custom<ProvisionPlan>((value) => typeof value === 'object' && value !== null),
  nodeGroups: z.optional(z.object({ changes: z.array(z.custom<NodeGroupChange>()) })),
  /** The manifest stages applied so far (all of them, unless a step failed). */
  manifests: z.optional(z.object({ stages: z.array(z.custom<StageResult>()) })),
  buckets: z.optional(z.array(z.custom<BucketChange>())),
  validation: z.optional(
    z.object({ status: z.string(), summary: z.optional(z.unknown()), executionArn: z.optional(z.string()) }),
  ),
  validationFailure: z.optional(caughtSchema),
  failure: z.optional(caughtSchema),
});
export type ProvisionReportInput = z.output<typeof provisionReportInputSchema>;

function count<T extends { action: string }>(items: readonly T[], action: string): number {
  return items.filter((item) => item.action === action).length;
}

export function summarizeStage(result: StageResult): StageSummary {
  return {
    stage: result.stage,
    created: count(result.objects, 'created'),
    changed: count(result.objects, 'changed'),
    unchanged: count(result.objects, 'unchanged'),
    objects: result.objects.filter((object) => object.action !== 'unchanged'),
  };
}

/** The most useful text in a caught error's Cause: a Lambda error's message, else the Cause itself. */
export function causeText(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown; Cause?: unknown; Error?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
    if (typeof parsed.Error === 'string')
      return `${parsed.Error}: ${typeof parsed.Cause === 'string' ? causeText(parsed.Cause) : ''}`;
  } catch {
    // A plain-text cause.
  }
  return cause;
}

/** A validate-platform report's `summary` as one line. */
function describeSummary(summary: unknown): string {
  if (typeof summary !== 'object' || summary === null) return '';
  const { passed, failed, errored } = summary as Record<string, unknown>;
  return `${passed ?? 0} passed, ${failed ?? 0} failed, ${errored ?? 0} errored`;
}

function validationOutcome(input: ProvisionReportInput): ValidationOutcome {
  if (input.validation) {
    const status = input.validation.status === 'HEALTHY' ? 'HEALTHY' : 'UNHEALTHY';
    return {
      status,
      detail: `validate-platform ${status}: ${describeSummary(input.validation.summary)}`,
      ...(input.validation.executionArn ? { executionArn: input.validation.executionArn } : {}),
    };
  }
  if (input.validationFailure) {
    const { Error: error, Cause: cause } = input.validationFailure;
    const unhealthy = /PlatformUnhealthy/.test(cause);
    return {
      status: unhealthy ? 'UNHEALTHY' : 'ERROR',
      detail: unhealthy
        ? `validate-platform UNHEALTHY: ${unhealthyDetail(cause)}`
        : `${error}: ${causeText(cause)}`,
    };
  }
  const why = input.plan.dryRun
    ? 'a dry run applies nothing to validate'
    : 'the run stopped before validation';
  return { status: 'SKIPPED', detail: why };
}

/** The failed checks of the child execution's report (its Cause is the report as JSON). */
function unhealthyDetail(cause: string): string {
  try {
    const execution = JSON.parse(cause) as { Cause?: string };
    const report = JSON.parse(execution.Cause ?? cause) as {
      summary?: unknown;
      checks?: { name: string; status: string; detail: string }[];
    };
    const failing = (report.checks ?? []).filter((check) => check.status !== 'PASSED');
    return [
      describeSummary(report.summary),
      ...failing.map((check) => `${check.name} ${check.status}: ${check.detail}`),
    ]
      .filter(Boolean)
      .join('; ');
  } catch {
    return causeText(cause);
  }
}

function statusOf(input: ProvisionReportInput, validation: ValidationOutcome): ProvisionStatus {
  if (input.failure) return 'FAILED';
  if (input.plan.dryRun) return 'DRY_RUN';
  return validation.status === 'HEALTHY' ? 'PROVISIONED' : 'UNHEALTHY';
}

export function buildProvisionReport(input: ProvisionReportInput): ProvisionReport {
  const { plan } = input;
  const nodeGroups = input.nodeGroups?.changes ?? [];
  const stages = (input.manifests?.stages ?? []).map(summarizeStage);
  const buckets = input.buckets ?? [];
  const objectTotals = (key: 'created' | 'changed' | 'unchanged') =>
    stages.reduce((total, stage) => total + stage[key], 0);
  const nodeGroupChanged = nodeGroups.filter((group) => group.action === 'scaled').length;
  const validation = validationOutcome(input);
  return {
    workflow: 'provision',
    environment: plan.environment,
    components: plan.components,
    dryRun: plan.dryRun,
    requestedBy: plan.requestedBy,
    status: statusOf(input, validation),
    summary: {
      created: objectTotals('created') + count(nodeGroups, 'created') + count(buckets, 'created'),
      changed: objectTotals('changed') + nodeGroupChanged + count(buckets, 'changed'),
      unchanged: objectTotals('unchanged') + count(nodeGroups, 'unchanged') + count(buckets, 'unchanged'),
    },
    nodeGroups,
    stages,
    buckets,
    validation,
    ...(input.failure
      ? { failure: { error: input.failure.Error, detail: causeText(input.failure.Cause) } }
      : {}),
  };
}
