import * as z from 'zod/mini';

/**
 * The contract between the cost-optimise steps: right-sizing produces recommendations
 * (functions/core/cost/rightsizing/), the apply step guards and applies them
 * (functions/core/cost/apply/), the report shows them (functions/core/cost/report/).
 * A recommendation is about one container of one workload; quantities are plain numbers
 * (CPU in cores, memory in bytes) so that arithmetic and comparisons never parse strings.
 */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'CronJob', 'Job', 'PrefectWorkPool'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export const workloadRefSchema = z.object({
  namespace: z.string().check(z.minLength(1)),
  kind: z.enum(WORKLOAD_KINDS),
  name: z.string().check(z.minLength(1)),
  container: z.string().check(z.minLength(1)),
});
export type WorkloadRef = z.output<typeof workloadRefSchema>;

export const resourceAmountsSchema = z.object({
  cpuCores: z.optional(z.number().check(z.nonnegative())),
  memoryBytes: z.optional(z.number().check(z.nonnegative())),
});
export type ResourceAmounts = z.output<typeof resourceAmountsSchema>;

export const resourcesSchema = z.object({
  requests: resourceAmountsSchema,
  limits: resourceAmountsSchema,
});
export type Resources = z.output<typeof resourcesSchema>;

/** What the history says, so that an operator (and the guardrails) can judge the recommendation. */
export const usageEvidenceSchema = z.object({
  /** Hours of usage history actually found for the container. */
  historyHours: z.number().check(z.nonnegative()),
  cpuP95Cores: z.number(),
  cpuP99Cores: z.number(),
  cpuMaxCores: z.number(),
  memoryP99Bytes: z.number(),
  memoryPeakBytes: z.number(),
  oomKills: z.number().check(z.int(), z.nonnegative()),
  /** Resources an HorizontalPodAutoscaler scales on: never recommended for. */
  hpaResources: z.array(z.enum(['cpu', 'memory'])),
});
export type UsageEvidence = z.output<typeof usageEvidenceSchema>;

export const CONFIDENCE_LEVELS = ['low', 'medium', 'high'] as const;

export const recommendationSchema = z.object({
  workload: workloadRefSchema,
  /** Replicas the saving is computed for (1 for Jobs and CronJob runs). */
  replicas: z.number().check(z.int(), z.nonnegative()),
  current: resourcesSchema,
  recommended: resourcesSchema,
  confidence: z.enum(CONFIDENCE_LEVELS),
  evidence: usageEvidenceSchema,
  /** Positive is a saving, negative a cost (an under-provisioned workload gets more). */
  monthlySavingUsd: z.number(),
  /** Why a resource was left as it is (insufficient history, HPA, ...), one line each. */
  notes: z.array(z.string()),
});
export type Recommendation = z.output<typeof recommendationSchema>;
