import type { Nodegroup } from '@aws-sdk/client-eks';
import * as z from 'zod/mini';
import { nonEmptyString } from '../../../commons/schemas.ts';
import { SpotMigrationRefusedError } from './errors.ts';
import { instanceTypeProblems } from './instance-types.ts';
import {
  capacityTypeOfGroup,
  describeAllNodeGroups,
  nodesOfGroup,
  poolOfGroup,
  type SpotClusterDependencies,
  troubleOf,
  UNUSABLE_TARGET_STATUSES,
} from './node-groups.ts';
import { migrationGroupName, POOL_LABEL, spotRefusal } from './pools.ts';
import { capacityTypeOf, SPOT_DIRECTIONS, type SpotMigrationRequest } from './request.ts';

/**
 * The preflight of a spot migration, and the plan every later step follows. It is computed from
 * what the cluster is now, so a re-run after a failure at any step picks up where the last run
 * stopped: the new group already exists (resume), the old one is gone (already migrated, verify
 * only), or both exist (drain what is left).
 */
const count = () => z.number().check(z.int(), z.nonnegative());
const capacityTypeSchema = z.enum(['ON_DEMAND', 'SPOT']);

export const groupSummarySchema = z.object({
  name: nonEmptyString(),
  capacityType: capacityTypeSchema,
  /** EKS's status; `ABSENT` for a group the migration is going to create. */
  status: nonEmptyString(),
  instanceTypes: z.array(nonEmptyString()),
  amiType: z.optional(z.string()),
  scaling: z.object({ minSize: count(), maxSize: count(), desiredSize: count() }),
});
export type GroupSummary = z.output<typeof groupSummarySchema>;

export const spotMigrationPlanSchema = z.object({
  cluster: nonEmptyString(),
  pool: nonEmptyString(),
  direction: z.enum(SPOT_DIRECTIONS),
  /** The capacity type the pool moves to. */
  capacityType: capacityTypeSchema,
  dryRun: z.boolean(),
  requestedBy: nonEmptyString(),
  batchSize: z.number().check(z.int(), z.positive()),
  /** The group being replaced; absent when the pool already runs on the target capacity alone. */
  source: z.optional(groupSummarySchema),
  target: z.extend(groupSummarySchema, { exists: z.boolean() }),
  /** The old group's Nodes, in the order they are drained. */
  sourceNodes: z.array(nonEmptyString()),
  alreadyMigrated: z.boolean(),
});
export type SpotMigrationPlan = z.output<typeof spotMigrationPlanSchema>;

export function summarizeGroup(group: Nodegroup): GroupSummary {
  const scaling = group.scalingConfig ?? {};
  return {
    name: group.nodegroupName ?? '',
    capacityType: capacityTypeOfGroup(group),
    status: group.status ?? 'UNKNOWN',
    instanceTypes: group.instanceTypes ?? [],
    ...(group.amiType ? { amiType: group.amiType } : {}),
    scaling: {
      minSize: scaling.minSize ?? 0,
      maxSize: scaling.maxSize ?? 0,
      desiredSize: scaling.desiredSize ?? 0,
    },
  };
}

function refuse(request: SpotMigrationRequest, reason: string, details: Record<string, unknown> = {}): never {
  throw new SpotMigrationRefusedError(
    `spot-migration of pool ${request.pool} ${request.direction} refused: ${reason}`,
    {
      pool: request.pool,
      direction: request.direction,
      ...details,
    },
  );
}

function describeGroups(groups: readonly Nodegroup[]): string {
  return groups.map((group) => `${group.nodegroupName} (${capacityTypeOfGroup(group)})`).join(', ') || 'none';
}

function sameTypes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((type, index) => type === [...b].sort()[index]);
}

/** The group to create when the pool has none of the target capacity: checked, never created here. */
function newTarget(
  request: SpotMigrationRequest,
  source: Nodegroup,
  allGroups: readonly Nodegroup[],
): SpotMigrationPlan['target'] {
  const capacityType = capacityTypeOf(request.direction);
  const name = migrationGroupName(request.pool, capacityType);
  const taken = allGroups.find((group) => group.nodegroupName === name);
  if (taken) {
    refuse(
      request,
      `the new group's name ${name} is taken by a node group of pool ${poolOfGroup(taken) ?? '(none)'} with capacity ${capacityTypeOfGroup(taken)}; rename or delete it`,
    );
  }
  const instanceTypes = request.instanceTypes ?? source.instanceTypes ?? [];
  const problems = instanceTypeProblems(instanceTypes, { capacityType, amiType: source.amiType });
  if (problems.length > 0) {
    refuse(
      request,
      `the instance types for ${name} will not do: ${problems.join('; ')}${request.instanceTypes ? '' : ` (taken from ${source.nodegroupName}: pass instanceTypes)`}`,
      { problems },
    );
  }
  const { scaling, amiType } = summarizeGroup(source);
  return {
    name,
    capacityType,
    status: 'ABSENT',
    instanceTypes,
    ...(amiType ? { amiType } : {}),
    scaling,
    exists: false,
  };
}

function existingTarget(request: SpotMigrationRequest, target: Nodegroup): SpotMigrationPlan['target'] {
  const summary = summarizeGroup(target);
  const trouble = troubleOf(target, UNUSABLE_TARGET_STATUSES);
  if (trouble) {
    refuse(
      request,
      `the pool's ${summary.capacityType} group ${trouble.description}: repair or delete it first`,
      {
        ...trouble,
      },
    );
  }
  if (request.instanceTypes && !sameTypes(request.instanceTypes, summary.instanceTypes)) {
    refuse(
      request,
      `${summary.name} already exists with instance types ${summary.instanceTypes.join(', ')}; an existing group's types cannot change: omit instanceTypes, or delete the group`,
    );
  }
  return { ...summary, exists: true };
}

export async function planSpotMigration(
  dependencies: SpotClusterDependencies,
  request: SpotMigrationRequest,
): Promise<SpotMigrationPlan> {
  const capacityType = capacityTypeOf(request.direction);
  const stateful = capacityType === 'SPOT' ? spotRefusal(request.pool) : undefined;
  if (stateful) refuse(request, `pool ${request.pool} stays on on-demand capacity: ${stateful}`);

  const allGroups = await describeAllNodeGroups(dependencies);
  const poolGroups = allGroups.filter((group) => poolOfGroup(group) === request.pool);
  if (poolGroups.length === 0) {
    refuse(
      request,
      `no node group of cluster ${dependencies.clusterName} carries label ${POOL_LABEL}=${request.pool} (groups: ${describeGroups(allGroups)})`,
    );
  }
  const sources = poolGroups.filter((group) => capacityTypeOfGroup(group) !== capacityType);
  const targets = poolGroups.filter((group) => capacityTypeOfGroup(group) === capacityType);
  if (sources.length > 1 || targets.length > 1) {
    refuse(
      request,
      `pool ${request.pool} has more than one group of a capacity type (${describeGroups(poolGroups)}): a migration moves one group to one group; remove the extra one first`,
    );
  }
  const [source] = sources;
  const [target] = targets;
  const plannedTarget = target ? existingTarget(request, target) : newTarget(request, source!, allGroups);
  const sourceNodes = source ? await nodesOfGroup(dependencies, source.nodegroupName ?? '') : [];
  return {
    cluster: dependencies.clusterName,
    pool: request.pool,
    direction: request.direction,
    capacityType,
    dryRun: request.dryRun,
    requestedBy: request.requestedBy,
    batchSize: request.batchSize,
    ...(source ? { source: summarizeGroup(source) } : {}),
    target: plannedTarget,
    sourceNodes: sourceNodes.map((node) => node.metadata?.name ?? ''),
    alreadyMigrated: source === undefined,
  };
}
