import * as z from 'zod/mini';
import type { ClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import { InvalidInputError } from '../../commons/errors.ts';
import { type ApplyStageDependencies, applyStage, type StageResult } from './apply.ts';
import {
  type ClusterDependencies,
  ensureNodeGroups,
  type NodeGroupChange,
  type NodeGroupReadiness,
  nodeGroupReadiness,
} from './cluster.ts';
import { provisionPlanSchema, stageObjects } from './plan.ts';
import { workloadReferenceSchema } from './rollout.ts';
import { deadlineIn, type NodeGroupSpec } from './settings.ts';

/**
 * The provision workflow's steps as its Lambdas run them, with the events they take: what each
 * returns is what the next state reads, so deadlines are computed once, where the waiting starts.
 */
export const dryRunEventSchema = z.object({ dryRun: z.boolean() });

/**
 * The stages are applied by a loop in the workflow rather than a Map: a Map whose iteration fails
 * loses the results of the iterations before it, which the report needs. Each step takes the
 * index of the stage to apply and the results so far, and returns them with its own appended.
 */
export const applyStageEventSchema = z.object({
  plan: provisionPlanSchema,
  next: z.number().check(z.int(), z.nonnegative()),
  applied: z._default(z.array(z.custom<StageResult>()), []),
});

export const checkRolloutEventSchema = z.object({
  stage: z.string().check(z.minLength(1)),
  rollouts: z.array(workloadReferenceSchema),
  rolloutDeadline: z.iso.datetime(),
});

export const checkNodeGroupsEventSchema = z.object({ deadline: z.iso.datetime() });

export interface ManifestProgress {
  /** Every stage applied so far, this one last. */
  readonly stages: StageResult[];
  /** The stage just applied: its workloads and when their rollouts must be complete. */
  readonly current: { stage: string; rollouts: StageResult['rollouts']; rolloutDeadline: string };
  /** The index of the stage to apply next, and whether there is none. */
  readonly next: number;
  readonly done: boolean;
}

export async function applyNextStage(
  dependencies: ApplyStageDependencies,
  environment: ClusterEnvironment,
  { plan, next, applied }: z.output<typeof applyStageEventSchema>,
  rolloutTimeoutSeconds: number,
): Promise<ManifestProgress> {
  const stage = plan.stages[next];
  if (!stage) {
    throw new InvalidInputError(`stage ${next} does not exist: the plan has ${plan.stages.length} stages`, {
      next,
      stages: plan.stages.length,
    });
  }
  const objects = stageObjects(environment, plan.components, stage.name);
  const result = await applyStage(dependencies, stage.name, objects, plan.dryRun);
  return {
    stages: [...applied, result],
    current: {
      stage: stage.name,
      rollouts: result.rollouts,
      rolloutDeadline: deadlineIn(rolloutTimeoutSeconds),
    },
    next: next + 1,
    done: next + 1 >= plan.stages.length,
  };
}

export interface NodeGroupsProvisioned {
  readonly changes: NodeGroupChange[];
  readonly deadline: string;
  /** Whether every group is ACTIVE at its size already (a dry run changes nothing: ready). */
  readonly readiness: NodeGroupReadiness;
}

export async function provisionNodeGroups(
  dependencies: ClusterDependencies,
  specs: readonly NodeGroupSpec[],
  dryRun: boolean,
  timeoutSeconds: number,
): Promise<NodeGroupsProvisioned> {
  const changes = await ensureNodeGroups(dependencies, specs, dryRun);
  const deadline = deadlineIn(timeoutSeconds);
  const readiness = dryRun ? { ready: true, groups: [] } : await nodeGroupReadiness(dependencies, specs);
  return { changes, deadline, readiness };
}
