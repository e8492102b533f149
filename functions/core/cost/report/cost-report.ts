import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { type AppliedChange, appliedChangeSchema, approvalOutcomeSchema } from '../apply/apply.ts';
import {
  type ContainerResources,
  containerResourcesSchema,
  toResources,
} from '../apply/container-resources.ts';
import { type GitOpsChange, type PlannedChange, rightsizingPlanSchema } from '../apply/plan.ts';
import { type CostPricing, monthlySavingUsd, resourcePrices } from '../pricing.ts';
import {
  type Recommendation,
  type ResourceAmounts,
  recommendationSchema,
  type WorkloadRef,
  workloadRefSchema,
} from '../recommendation.ts';
import type { ChartRow } from './usage-chart.ts';

/**
 * The cost report of one cost-optimise run: every recommendation with what became of it, the
 * estimated monthly saving of what the run changed (or would change: dry run, GitOps patches) and
 * the realised saving of what it kept, both priced with the recommender's pricing (../pricing.ts,
 * on requests and on the workload's node pool).
 *
 * Realised = (requests before - requests the pods actually held over the watched period, from
 * kube-state-metrics) x price x replicas: a change that did not roll out, or was rolled back,
 * realises nothing, whatever it was estimated at.
 */
const skippedSchema = z.object({ workload: workloadRefSchema, reason: z.string() });

/** The workflow's state at the end of the run: whatever steps ran have their result in it. */
export const costReportRequestSchema = z.object({
  executionId: nonEmptyString(),
  request: z.object({ requestedBy: nonEmptyString() }),
  recommendation: z.object({
    generatedAt: z.string(),
    historyDays: z.number(),
    recommendations: z.array(recommendationSchema),
    skipped: z._default(
      z.array(
        z.object({
          namespace: z.string(),
          kind: z.string(),
          name: z.string(),
          container: z.optional(z.string()),
          reason: z.string(),
        }),
      ),
      [],
    ),
  }),
  plan: z.optional(rightsizingPlanSchema),
  approval: z.optional(approvalOutcomeSchema),
  apply: z.optional(
    z.object({
      dryRun: z.boolean(),
      appliedAt: z.string(),
      applied: z.array(appliedChangeSchema),
      skipped: z.array(skippedSchema),
    }),
  ),
  watch: z.optional(
    z.object({
      evaluatedAt: z.string(),
      watchedSeconds: z.number(),
      verdicts: z.array(
        z.object({
          workload: workloadRefSchema,
          rollback: z.boolean(),
          reasons: z.array(z.string()),
          before: z.object({ oomKills: z.number(), throttling: z.number() }),
          after: z.object({ oomKills: z.number(), throttling: z.number() }),
          observedRequests: z.object({
            cpuCores: z.optional(z.number()),
            memoryBytes: z.optional(z.number()),
          }),
        }),
      ),
    }),
  ),
  rollback: z.optional(
    z.object({
      rolledBackAt: z.string(),
      rolledBack: z.array(z.object({ workload: workloadRefSchema, reasons: z.array(z.string()) })),
      notRolledBack: z.array(skippedSchema),
    }),
  ),
});
export type CostReportRequest = z.input<typeof costReportRequestSchema>;
type Request = z.output<typeof costReportRequestSchema>;

export const ROW_STATUSES = [
  'RECOMMENDED',
  'SKIPPED',
  'GITOPS',
  'DRY_RUN',
  'PLANNED',
  'APPLIED',
  'KEPT',
  'ROLLED_BACK',
  'ROLLBACK_REFUSED',
] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

export interface ReportRow {
  readonly workload: WorkloadRef;
  readonly status: RowStatus;
  /** Why it was skipped or rolled back, the GitOps patch path, the guardrails' notes. */
  readonly detail: string[];
  readonly recommendation: Recommendation;
  readonly before?: ContainerResources;
  readonly after?: ContainerResources;
  readonly recommendedMonthlySavingUsd: number;
  /** What the run's change saves (or would save), after the guardrails; 0 when nothing changes. */
  readonly estimatedMonthlySavingUsd: number;
  /** KEPT changes only, from the requests held over the watched period. */
  readonly realisedMonthlySavingUsd?: number;
  readonly watch?: {
    before: { oomKills: number; throttling: number };
    after: { oomKills: number; throttling: number };
  };
}

export interface CostReport {
  readonly workflow: 'cost-optimise';
  readonly environment: string;
  readonly executionId: string;
  readonly requestedBy: string;
  readonly generatedAt: string;
  readonly mode: string;
  readonly dryRun: boolean;
  readonly historyDays: number;
  readonly approval?: z.output<typeof approvalOutcomeSchema>;
  readonly watchedSeconds?: number;
  readonly summary: {
    readonly recommendations: number;
    readonly byStatus: Record<RowStatus, number>;
    readonly notRecommended: number;
    readonly recommendedMonthlySavingUsd: number;
    readonly estimatedMonthlySavingUsd: number;
    readonly realisedMonthlySavingUsd: number;
  };
  readonly rows: ReportRow[];
  readonly notRecommended: Request['recommendation']['skipped'];
  readonly gitOpsPatches: { workload: WorkloadRef; manager: string; path: string; content: string }[];
}

const key = (workload: WorkloadRef) =>
  `${workload.namespace}/${workload.kind}/${workload.name}/${workload.container}`;

function indexBy<Item extends { workload: WorkloadRef }>(
  items: readonly Item[] | undefined,
): Map<string, Item> {
  return new Map((items ?? []).map((item) => [key(item.workload), item]));
}

/** Cents are the precision of a monthly estimate; more digits only look precise. */
const cents = (usd: number) => Math.round(usd * 100) / 100;

export interface Pricing {
  /** Monthly saving of requests going from `before` to `after` for `replicas` pods on `pool`. */
  saving(before: ResourceAmounts, after: ResourceAmounts, replicas: number, pool: string | undefined): number;
}

/** The recommender's pricing (COST_PRICING) as the report uses it. */
export function costPricing(pricing: CostPricing): Pricing {
  return {
    saving: (before, after, replicas, pool) =>
      monthlySavingUsd(before, after, replicas, resourcePrices(pricing, pool ?? pricing.defaultPool)),
  };
}

export function buildCostReport(
  request: Request,
  environment: string,
  pricing: Pricing,
  now: Date,
): CostReport {
  const plan = request.plan;
  const planned = indexBy(plan?.changes);
  const gitOps = indexBy(plan?.gitOps);
  const planSkipped = indexBy(plan?.skipped);
  const applied = indexBy(request.apply?.applied);
  const applySkipped = indexBy(request.apply?.skipped);
  const verdicts = indexBy(request.watch?.verdicts);
  const rolledBack = indexBy(request.rollback?.rolledBack);
  const notRolledBack = indexBy(request.rollback?.notRolledBack);

  const rows = request.recommendation.recommendations.map((recommendation): ReportRow => {
    const id = key(recommendation.workload);
    const base = {
      workload: recommendation.workload,
      recommendation,
      recommendedMonthlySavingUsd: cents(recommendation.monthlySavingUsd),
    };
    const change: PlannedChange | GitOpsChange | undefined = planned.get(id) ?? gitOps.get(id);
    const estimate = (of: {
      before: ContainerResources;
      after: ContainerResources;
      replicas: number;
      pool?: string;
    }) =>
      cents(
        pricing.saving(toResources(of.before).requests, toResources(of.after).requests, of.replicas, of.pool),
      );
    if (!plan || plan.mode === 'off') {
      const detail = planSkipped.get(id)?.reason ?? 'applying right-sizing is off';
      return { ...base, status: 'RECOMMENDED', detail: [detail], estimatedMonthlySavingUsd: 0 };
    }
    const skipped = planSkipped.get(id);
    if (skipped || !change) {
      return {
        ...base,
        status: 'SKIPPED',
        detail: [skipped?.reason ?? 'not in the plan'],
        estimatedMonthlySavingUsd: 0,
      };
    }
    const changed = { before: change.before, after: change.after };
    const gitOpsChange = gitOps.get(id);
    if (gitOpsChange) {
      return {
        ...base,
        ...changed,
        status: 'GITOPS',
        detail: [
          `managed by ${gitOpsChange.manager}: patch written to ${gitOpsChange.patchFile.path}`,
          ...gitOpsChange.notes,
        ],
        estimatedMonthlySavingUsd: estimate(gitOpsChange),
      };
    }
    const plannedChange = change as PlannedChange;
    const notes = plannedChange.notes;
    const refused = applySkipped.get(id);
    if (refused) {
      return {
        ...base,
        ...changed,
        status: 'SKIPPED',
        detail: [refused.reason, ...notes],
        estimatedMonthlySavingUsd: 0,
      };
    }
    const done: AppliedChange | undefined = applied.get(id);
    if (!done) {
      return {
        ...base,
        ...changed,
        status: 'PLANNED',
        detail: notes,
        estimatedMonthlySavingUsd: estimate(plannedChange),
      };
    }
    const estimated = estimate(done);
    if (done.dryRun)
      return { ...base, ...changed, status: 'DRY_RUN', detail: notes, estimatedMonthlySavingUsd: estimated };
    const verdict = verdicts.get(id);
    const watch = verdict && { before: verdict.before, after: verdict.after };
    const back = rolledBack.get(id);
    if (back) {
      return {
        ...base,
        ...changed,
        status: 'ROLLED_BACK',
        detail: back.reasons,
        estimatedMonthlySavingUsd: estimated,
        realisedMonthlySavingUsd: 0,
        ...(watch ? { watch } : {}),
      };
    }
    const refusedRollback = notRolledBack.get(id);
    if (refusedRollback) {
      return {
        ...base,
        ...changed,
        status: 'ROLLBACK_REFUSED',
        detail: [...(verdict?.reasons ?? []), `not rolled back: ${refusedRollback.reason}`],
        estimatedMonthlySavingUsd: estimated,
        ...(watch ? { watch } : {}),
      };
    }
    if (!verdict)
      return { ...base, ...changed, status: 'APPLIED', detail: notes, estimatedMonthlySavingUsd: estimated };
    const beforeRequests = toResources(done.before).requests;
    // Pods that never reported a request (none running) realise nothing for that resource.
    const held = {
      cpuCores: verdict.observedRequests.cpuCores ?? beforeRequests.cpuCores,
      memoryBytes: verdict.observedRequests.memoryBytes ?? beforeRequests.memoryBytes,
    };
    return {
      ...base,
      ...changed,
      status: 'KEPT',
      detail: notes,
      estimatedMonthlySavingUsd: estimated,
      realisedMonthlySavingUsd: cents(pricing.saving(beforeRequests, held, done.replicas, done.pool)),
      watch: { before: verdict.before, after: verdict.after },
    };
  });

  const sum = (values: readonly number[]) => cents(values.reduce((total, value) => total + value, 0));
  const byStatus = Object.fromEntries(ROW_STATUSES.map((status) => [status, 0])) as Record<RowStatus, number>;
  for (const row of rows) byStatus[row.status] += 1;
  return {
    workflow: 'cost-optimise',
    environment,
    executionId: request.executionId,
    requestedBy: request.request.requestedBy,
    generatedAt: now.toISOString(),
    mode: plan?.mode ?? 'off',
    dryRun: plan?.dryRun ?? true,
    historyDays: request.recommendation.historyDays,
    ...(request.approval ? { approval: request.approval } : {}),
    ...(request.watch ? { watchedSeconds: request.watch.watchedSeconds } : {}),
    summary: {
      recommendations: rows.length,
      byStatus,
      notRecommended: request.recommendation.skipped.length,
      recommendedMonthlySavingUsd: sum(rows.map((row) => row.recommendedMonthlySavingUsd)),
      estimatedMonthlySavingUsd: sum(rows.map((row) => row.estimatedMonthlySavingUsd)),
      realisedMonthlySavingUsd: sum(rows.map((row) => row.realisedMonthlySavingUsd ?? 0)),
    },
    rows,
    notRecommended: request.recommendation.skipped,
    gitOpsPatches: (plan?.gitOps ?? []).map((change) => ({
      workload: change.workload,
      manager: change.manager,
      ...change.patchFile,
    })),
  };
}

/** The chart's rows: requests before and after, and the usage the recommendation was made from. */
export function chartRows(report: CostReport): ChartRow[] {
  return report.rows.map((row) => {
    const before = toResources(row.before ?? containerResourcesSchema.parse({})).requests;
    const after = row.after ? toResources(row.after).requests : undefined;
    const current = row.recommendation.current.requests;
    const { evidence } = row.recommendation;
    const requestBefore = (amount: 'cpuCores' | 'memoryBytes') => before[amount] ?? current[amount];
    const requestAfter = (amount: 'cpuCores' | 'memoryBytes') =>
      after?.[amount] ??
      (row.status === 'RECOMMENDED' ? row.recommendation.recommended.requests[amount] : undefined);
    const series = (amount: 'cpuCores' | 'memoryBytes', usage: ChartRow['cpu']['usage']) => {
      const beforeValue = requestBefore(amount);
      const afterValue = requestAfter(amount);
      return {
        ...(beforeValue === undefined ? {} : { requestBefore: beforeValue }),
        ...(afterValue === undefined ? {} : { requestAfter: afterValue }),
        usage,
      };
    };
    const { namespace, name, container } = row.workload;
    return {
      label: `${namespace}/${name}/${container}`,
      status: row.status,
      cpu: series('cpuCores', {
        low: evidence.cpuP95Cores,
        p99: evidence.cpuP99Cores,
        high: evidence.cpuMaxCores,
      }),
      memory: series('memoryBytes', {
        low: evidence.memoryP99Bytes,
        p99: evidence.memoryP99Bytes,
        high: evidence.memoryPeakBytes,
      }),
    };
  });
}
