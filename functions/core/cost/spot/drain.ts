import * as z from 'zod/mini';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { drainNode, type PodVerdict } from '../../remediation/playbooks/cordon-drain-node.ts';
import { nodesOfGroup, type SpotClusterDependencies } from './node-groups.ts';
import type { SpotMigrationPlan } from './plan.ts';
import { CORDONED_BY_ANNOTATION, CORDONED_BY_MIGRATION } from './pools.ts';

/**
 * The old group's Nodes leave gradually. Every call first cordons all of them (marked as the
 * migration's), so evicted pods land on the new group and never on a Node drained next; then it
 * drains the next `batchSize` Nodes together through the remediation drain core (eviction API,
 * PodDisruptionBudgets honoured, bounded, never forced). A pod still there when the bound passes
 * (a budget that will not allow it, a pod without a controller) stops the migration: the report
 * names it and a re-run continues from the Node it stopped at.
 */
export const DEFAULT_DRAIN_BATCH_TIMEOUT_SECONDS = 300;

export const nodeDrainResultSchema = z.object({
  node: nonEmptyString(),
  outcome: z.enum(['drained', 'already-drained', 'gone', 'blocked']),
  /** Pods evicted (or, in a dry run, that would be). */
  evicted: z.number(),
  left: z.array(z.object({ pod: z.string(), reason: z.string() })),
});
export type NodeDrainResult = z.output<typeof nodeDrainResultSchema>;

export interface DrainProgress {
  /** Index in plan.sourceNodes of the next Node to drain. */
  readonly next: number;
  readonly done: boolean;
  /** A real run stopped at Nodes it could not empty; the workflow reports and ends. */
  readonly blocked: boolean;
  /** Nodes cordoned by this call. */
  readonly cordoned: readonly string[];
  readonly results: readonly NodeDrainResult[];
}

export interface DrainBatchOptions {
  readonly next: number;
  readonly results: readonly NodeDrainResult[];
  readonly timeoutSeconds?: number;
  readonly stopBy?: Date;
  readonly sleep?: (milliseconds: number) => Promise<void>;
}

const MIGRATION_CORDON = { [CORDONED_BY_ANNOTATION]: CORDONED_BY_MIGRATION };

/** Cordons the old group's schedulable Nodes (a dry run asks the server only). */
async function cordonSourceNodes(
  dependencies: SpotClusterDependencies,
  plan: SpotMigrationPlan,
): Promise<string[]> {
  if (!plan.source) return [];
  const schedulable = (await nodesOfGroup(dependencies, plan.source.name)).filter(
    (node) => !node.spec?.unschedulable,
  );
  for (const node of schedulable) {
    await dependencies.kubernetes.patch(
      kubernetesResources.nodes.named(node.metadata?.name ?? ''),
      { metadata: { annotations: MIGRATION_CORDON }, spec: { unschedulable: true } },
      { strategy: 'merge', dryRun: plan.dryRun },
    );
  }
  return schedulable.map((node) => node.metadata?.name ?? '');
}

async function drainOne(
  dependencies: SpotClusterDependencies,
  plan: SpotMigrationPlan,
  name: string,
  options: DrainBatchOptions,
): Promise<NodeDrainResult> {
  const drain = await drainNode(dependencies.kubernetes, name, {
    dryRun: plan.dryRun,
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_DRAIN_BATCH_TIMEOUT_SECONDS,
    stopBy: options.stopBy,
    now: dependencies.now,
    sleep: options.sleep,
    cordonAnnotations: MIGRATION_CORDON,
  });
  if (!drain.found) return { node: name, outcome: 'gone', evicted: 0, left: [] };
  const left: PodVerdict[] = [...drain.left];
  const outcome = drain.alreadyDrained ? 'already-drained' : left.length > 0 ? 'blocked' : 'drained';
  return { node: name, outcome, evicted: drain.evicted.length, left };
}

export async function drainSourceBatch(
  dependencies: SpotClusterDependencies,
  plan: SpotMigrationPlan,
  options: DrainBatchOptions,
): Promise<DrainProgress> {
  const cordoned = await cordonSourceNodes(dependencies, plan);
  const batch = plan.sourceNodes.slice(options.next, options.next + plan.batchSize);
  const drained = await Promise.all(batch.map((name) => drainOne(dependencies, plan, name, options)));
  const next = options.next + batch.length;
  // A dry run goes through every Node, so that its report shows all that would block.
  const blocked = !plan.dryRun && drained.some((result) => result.outcome === 'blocked');
  return {
    next,
    done: !blocked && next >= plan.sourceNodes.length,
    blocked,
    cordoned,
    results: [...options.results, ...drained],
  };
}
