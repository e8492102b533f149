import * as z from 'zod/mini';
import type { KubernetesApi } from '../../../commons/kubernetes/api.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { lakehouseNamespacesOf, type PlatformLayout } from '../../platform/layout.ts';
import { poolOfPodSpec } from '../pricing.ts';
import {
  type Recommendation,
  recommendationSchema,
  type WorkloadRef,
  workloadRefSchema,
} from '../recommendation.ts';
import {
  type ContainerResources,
  containerResourcesOf,
  containerResourcesSchema,
  describeResourceChange,
  resourcesPatch,
  sameResources,
  toContainerResources,
  toResources,
} from './container-resources.ts';
import { gitOpsManager } from './gitops.ts';
import { approvalReasons, guardResources } from './guardrails.ts';
import { type HistoryTable, recentChanges, weekAgoResources } from './history.ts';
import { kustomizePatchFile } from './kustomize-patch.ts';
import type { ApplyMode, ApplySettings } from './settings.ts';
import { statefulTierMember } from './stateful-tier.ts';
import {
  containerResourcesPatchBody,
  isPatchableKind,
  metadataOf,
  type PatchableKind,
  podTemplateOf,
  readWorkloadObject,
  UNPATCHABLE_REASONS,
} from './workload-objects.ts';

/**
 * The plan step of cost-optimise: each recommendation, read against the workload as the cluster
 * holds it now, through the guardrails, into one of three lists: a change to patch (after
 * approval where one is needed), a patch file for a GitOps repository, or a skip with its reason.
 * Nothing is written here.
 */
export const planRequestSchema = z.object({
  recommendations: z.array(recommendationSchema),
  /** The operator's dry run: patches are shown (server-side dry run), nothing is applied. */
  dryRun: z._default(z.boolean(), false),
  executionId: nonEmptyString(),
});
export type PlanRequest = z.input<typeof planRequestSchema>;

/** What a change of one container is, from the plan to the apply (and the report). */
export const containerChangeShape = {
  workload: workloadRefSchema,
  replicas: z.number(),
  /** The node pool the pods run on (pricing), when the template names one. */
  pool: z.optional(z.string()),
  before: containerResourcesSchema,
  after: containerResourcesSchema,
  /** `cpu 500m -> 250m (requests)`. */
  change: z.string(),
};

export const plannedChangeSchema = z.object({
  ...containerChangeShape,
  /** What the guardrails changed in the recommendation. */
  notes: z.array(z.string()),
  statefulTier: z.optional(z.string()),
  /** Why this change waits for a person (none: it may be applied at once). */
  approvalReasons: z.array(z.string()),
  /** The strategic merge patch of the workload. */
  patch: z.record(z.string(), z.unknown()),
  recommendedMonthlySavingUsd: z.number(),
});
export type PlannedChange = z.output<typeof plannedChangeSchema>;

export const gitOpsChangeSchema = z.object({
  ...containerChangeShape,
  manager: z.string(),
  notes: z.array(z.string()),
  patchFile: z.object({ path: z.string(), content: z.string() }),
});
export type GitOpsChange = z.output<typeof gitOpsChangeSchema>;

export const skippedWorkloadSchema = z.object({ workload: workloadRefSchema, reason: z.string() });
export type SkippedWorkload = z.output<typeof skippedWorkloadSchema>;

export const rightsizingPlanSchema = z.object({
  environment: z.string(),
  mode: z.enum(['off', 'dry-run', 'on']),
  /** No change is applied: the mode is dry-run, or the operator asked for a dry run. */
  dryRun: z.boolean(),
  changes: z.array(plannedChangeSchema),
  gitOps: z.array(gitOpsChangeSchema),
  skipped: z.array(skippedWorkloadSchema),
  /** A change waits for a person (never in a dry run): the workflow asks before applying. */
  approvalRequired: z.boolean(),
  /** What the approval is asked for, one line per change (empty when none is needed). */
  approvalChanges: z.array(z.string()),
  /** The watch's allowances (RIGHTSIZING_APPLY), handed on to the watch step. */
  watch: z.object({ maxOomKillIncrease: z.number(), maxThrottlingIncrease: z.number() }),
  plannedAt: z.string(),
});
export type RightsizingPlan = z.output<typeof rightsizingPlanSchema>;

export interface PlanDependencies {
  kubernetes: KubernetesApi;
  history: HistoryTable;
  layout: PlatformLayout;
  settings: ApplySettings;
  environment: string;
  now: Date;
}

export function describeWorkload(workload: WorkloadRef): string {
  return `${workload.kind} ${workload.namespace}/${workload.name} (container ${workload.container})`;
}

type Outcome =
  | { readonly kind: 'change'; readonly change: PlannedChange }
  | { readonly kind: 'gitops'; readonly change: GitOpsChange }
  | { readonly kind: 'skip'; readonly skip: SkippedWorkload };

const skip = (workload: WorkloadRef, reason: string): Outcome => ({
  kind: 'skip',
  skip: { workload, reason },
});

export async function planRightsizing(
  dependencies: PlanDependencies,
  request: z.output<typeof planRequestSchema>,
): Promise<RightsizingPlan> {
  const { settings, environment, now } = dependencies;
  const mode: ApplyMode = settings.mode;
  const dryRun = mode !== 'on' || request.dryRun;
  const outcomes: Outcome[] = [];
  for (const recommendation of request.recommendations) {
    outcomes.push(
      mode === 'off'
        ? skip(
            recommendation.workload,
            'applying right-sizing is off in this environment (recommendation only)',
          )
        : await planOne(dependencies, recommendation, request.executionId),
    );
  }
  const changes = outcomes.flatMap((outcome) => (outcome.kind === 'change' ? [outcome.change] : []));
  const waiting = dryRun ? [] : changes.filter((change) => change.approvalReasons.length > 0);
  return {
    environment,
    mode,
    dryRun,
    changes,
    gitOps: outcomes.flatMap((outcome) => (outcome.kind === 'gitops' ? [outcome.change] : [])),
    skipped: outcomes.flatMap((outcome) => (outcome.kind === 'skip' ? [outcome.skip] : [])),
    approvalRequired: waiting.length > 0,
    approvalChanges: waiting.map(
      (change) =>
        `${describeWorkload(change.workload)}: ${change.change} (${change.approvalReasons.join('; ')})`,
    ),
    watch: {
      maxOomKillIncrease: settings.maxOomKillIncrease,
      maxThrottlingIncrease: settings.maxThrottlingIncrease,
    },
    plannedAt: now.toISOString(),
  };
}

async function planOne(
  dependencies: PlanDependencies,
  recommendation: Recommendation,
  executionId: string,
): Promise<Outcome> {
  const { workload } = recommendation;
  const { kind } = workload;
  if (!isPatchableKind(kind)) return skip(workload, UNPATCHABLE_REASONS[kind]);
  // Recommended for anywhere, changed only where cost-optimise's Kubernetes groups are granted.
  const changeable = lakehouseNamespacesOf(dependencies.layout);
  if (!changeable.includes(workload.namespace)) {
    return skip(
      workload,
      `right-sizing changes only the lakehouse namespaces (${changeable.join(', ')}); ${workload.namespace} is not one of them`,
    );
  }
  const object = await readWorkloadObject(dependencies.kubernetes, kind, workload);
  if (!object) return skip(workload, `${kind} ${workload.namespace}/${workload.name} no longer exists`);
  const podSpec = podTemplateOf(kind, object)?.spec;
  const container = podSpec?.containers.find((candidate) => candidate.name === workload.container);
  if (!container) return skip(workload, `the pod template has no container ${workload.container} any more`);
  const before = containerResourcesOf(container.resources ?? {});
  const guarded = guardResources({
    current: toResources(before),
    recommended: recommendation.recommended,
    evidence: recommendation.evidence,
    weekAgo: weekAgoResources(await recentChanges(dependencies.history, workload, dependencies.now)),
    maxWeeklyDecrease: dependencies.settings.maxWeeklyDecrease,
  });
  const after = toContainerResources(guarded.target, before);
  if (sameResources(before, after)) {
    const why =
      guarded.notes.length > 0 ? guarded.notes.join('; ') : 'the recommendation equals the current values';
    return skip(workload, `nothing to change after the guardrails: ${why}`);
  }
  const resources = resourcesPatch(before, after);
  const change = describeResourceChange(before, after);
  const pool = poolOfPodSpec(podSpec);
  const placement = { replicas: recommendation.replicas, ...(pool === undefined ? {} : { pool }) };
  const manager = gitOpsManager(metadataOf(object));
  if (manager) {
    const body = containerResourcesPatchBody(kind, workload.container, resources) as { spec: object };
    return {
      kind: 'gitops',
      change: {
        workload,
        ...placement,
        manager,
        before,
        after,
        change,
        notes: guarded.notes,
        patchFile: kustomizePatchFile({ ...workload, kind }, body, [
          `Right-sizing of ${describeWorkload(workload)}: ${change}.`,
          `Managed by ${manager}: written for the repository by lakehouse-ops cost-optimise (${executionId}), not applied.`,
          'Add this file to the overlay kustomization.yaml under patches: (- path: <this file>).',
        ]),
      },
    };
  }
  const statefulTier = statefulTierMember(workload, dependencies.layout);
  return {
    kind: 'change',
    change: {
      workload,
      ...placement,
      before,
      after,
      change,
      notes: guarded.notes,
      ...(statefulTier === undefined ? {} : { statefulTier }),
      approvalReasons: approvalReasons({
        environment: dependencies.environment,
        requireApproval: dependencies.settings.requireApproval,
        statefulTier,
      }),
      patch: changePatch(kind, workload.container, before, after),
      recommendedMonthlySavingUsd: recommendation.monthlySavingUsd,
    },
  };
}

/** The annotation a right-sized workload carries, so that `kubectl describe` tells who changed it. */
export const RIGHTSIZED_AT_ANNOTATION = 'lakehouse-ops.io/rightsized-at';

export function changePatch(
  kind: PatchableKind,
  container: string,
  from: ContainerResources,
  to: ContainerResources,
  annotations: Record<string, string> = {},
): Record<string, unknown> {
  return containerResourcesPatchBody(kind, container, resourcesPatch(from, to), annotations) as Record<
    string,
    unknown
  >;
}
