import type { V1Pod } from '@kubernetes/client-node';
import { kubernetesResources } from '../../../commons/kubernetes/resources.ts';
import {
  capacityTypeOfGroup,
  describeAllNodeGroups,
  isNodeReady,
  nodesOfGroup,
  poolOfGroup,
  type SpotClusterDependencies,
} from './node-groups.ts';
import type { SpotMigrationPlan } from './plan.ts';
import { CORDONED_BY_ANNOTATION, POOL_LABEL } from './pools.ts';

/**
 * The migration's own proof, after the old group is gone: the pool is served by exactly one
 * group, of the target capacity and ACTIVE; as many of its Nodes are Ready as it desires and none
 * is still cordoned by a migration; and no pod that needs the pool is left Pending.
 */
export interface VerificationCheck {
  readonly name: 'node-group' | 'nodes' | 'pending-pods';
  readonly passed: boolean;
  readonly detail: string;
}

export interface Verification {
  readonly passed: boolean;
  readonly checks: readonly VerificationCheck[];
}

/** Whether the pod can only run on `pool` (its nodeSelector, or a required node affinity term). */
export function podRequiresPool(pod: V1Pod, pool: string): boolean {
  if (pod.spec?.nodeSelector?.[POOL_LABEL] === pool) return true;
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return terms.some((term) =>
    (term.matchExpressions ?? []).some(
      (expression) =>
        expression.key === POOL_LABEL &&
        expression.operator === 'In' &&
        (expression.values ?? []).includes(pool),
    ),
  );
}

function check(
  name: VerificationCheck['name'],
  problems: readonly string[],
  fine: string,
): VerificationCheck {
  return problems.length > 0
    ? { name, passed: false, detail: problems.join('; ') }
    : { name, passed: true, detail: fine };
}

export async function verifyMigration(
  dependencies: SpotClusterDependencies,
  plan: SpotMigrationPlan,
): Promise<Verification> {
  const groups = (await describeAllNodeGroups(dependencies)).filter(
    (group) => poolOfGroup(group) === plan.pool,
  );
  const target = groups.find((group) => group.nodegroupName === plan.target.name);
  const groupProblems = [
    ...groups
      .filter((group) => group !== target)
      .map(
        (group) =>
          `${group.nodegroupName} (${capacityTypeOfGroup(group)}, ${group.status}) still serves the pool`,
      ),
    ...(!target ? [`${plan.target.name} does not exist`] : []),
    ...(target && capacityTypeOfGroup(target) !== plan.capacityType
      ? [`${plan.target.name} is ${capacityTypeOfGroup(target)}, not ${plan.capacityType}`]
      : []),
    ...(target && target.status !== 'ACTIVE' ? [`${plan.target.name} is ${target.status}`] : []),
  ];

  const nodes = target ? await nodesOfGroup(dependencies, plan.target.name) : [];
  const desired = target?.scalingConfig?.desiredSize ?? 0;
  const ready = nodes.filter(isNodeReady).length;
  const cordoned = nodes
    .filter((node) => node.spec?.unschedulable && node.metadata?.annotations?.[CORDONED_BY_ANNOTATION])
    .map((node) => node.metadata?.name ?? '');
  const nodeProblems = [
    ...(ready < desired ? [`${ready} of ${desired} nodes Ready`] : []),
    ...(cordoned.length > 0 ? [`still cordoned by a migration: ${cordoned.join(', ')}`] : []),
  ];

  const pending = (
    await dependencies.kubernetes.list(kubernetesResources.pods.inAllNamespaces(), {
      fieldSelector: 'status.phase=Pending',
    })
  )
    .filter((pod) => podRequiresPool(pod, plan.pool))
    .map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`);

  const checks = [
    check(
      'node-group',
      groupProblems,
      `${plan.target.name} alone serves pool ${plan.pool}, ${plan.capacityType}, ACTIVE`,
    ),
    check('nodes', nodeProblems, `${ready} of ${desired} nodes Ready, none cordoned by a migration`),
    check(
      'pending-pods',
      pending.length > 0
        ? [`${pending.length} pod(s) needing pool ${plan.pool} are Pending: ${pending.join(', ')}`]
        : [],
      `no pod needing pool ${plan.pool} is Pending`,
    ),
  ];
  return { passed: checks.every((entry) => entry.passed), checks };
}
