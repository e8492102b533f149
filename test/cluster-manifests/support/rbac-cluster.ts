import type { ClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import type { Manifest } from '../../../cluster-manifests/src/manifest.ts';
import { allFunctionGroups } from '../../../cluster-manifests/src/rbac.ts';
import { drClusterFunctionGroups } from '../../../cluster-manifests/src/rbac-dr.ts';
import { createKubernetesApi, type KubernetesApi } from '../../../functions/commons/kubernetes/api.ts';
import { pathOfObject } from '../../../functions/commons/kubernetes/resources.ts';
import { loadEnvironmentConfig } from '../../../infra/config/load-config.ts';
import {
  type AuthorizationDecision,
  describeGrant,
  type KubeSim,
  type StaticTokenUser,
  SYSTEM_AUTHENTICATED,
  startKubeSim,
  type UserInfo,
} from '../../../local/kube-sim/index.ts';
import { NODE_POOLS, type NodePool, poolNode } from '../../../local/lakehouse/seed/node-pools.ts';

/**
 * A kube-sim that authorizes with RBAC, into which an administrator (system:masters, like an
 * operator in `cluster.adminRoleArns`) applies cluster manifests, and in which each function group
 * calls as a user of its Kubernetes group, the way EKS maps a Lambda role's access entry.
 */

/** A Kubernetes group of cluster-manifests/src/rbac.ts (`allFunctionGroups()`) or rbac-dr.ts (`drClusterFunctionGroups()`). */
type FunctionGroupName = string;

/** `lakehouse-ops:backup` -> the user name its Lambdas authenticate as (`lambda-backup`). */
function userOf(group: FunctionGroupName): string {
  return `lambda-${group.slice(group.indexOf(':') + 1).replaceAll(':', '-')}`;
}

function tokenOf(group: FunctionGroupName): string {
  return `${userOf(group)}-token`;
}

/** Who a function group's requests are, as kube-sim's authenticator reports them. */
export function identityOf(group: FunctionGroupName): UserInfo {
  return { user: userOf(group), groups: [group, SYSTEM_AUTHENTICATED] };
}

const FUNCTION_TOKENS: Record<string, StaticTokenUser> = Object.fromEntries(
  [...allFunctionGroups(), ...drClusterFunctionGroups()].map((group) => [
    tokenOf(group),
    { user: userOf(group), groups: [group] },
  ]),
);

export interface RbacCluster {
  readonly sim: KubeSim;
  /** The functions' own Kubernetes client, authenticated as a member of `group`. */
  kubernetesAs(group: FunctionGroupName): KubernetesApi;
  /** The decisions about `group`'s requests since `from` (an index into the decision log). */
  decisionsOf(group: FunctionGroupName, from?: number): AuthorizationDecision[];
  /** What `group` was refused since `from`: `verb resource in namespace: reason`. */
  denialsOf(group: FunctionGroupName, from?: number): string[];
  /** The grants `group` holds, described (`get apps/deployments in prefect`). */
  grantsOf(group: FunctionGroupName): string[];
  /** The grants no request of `group` has used so far. */
  unusedGrantsOf(group: FunctionGroupName): string[];
}

/** vCPU, memory and pod slots of the instance types the environments' node groups start with. */
const INSTANCE_CAPACITY: Record<string, { cpu: string; memory: string; pods: string }> = {
  'm6i.large': { cpu: '2', memory: '8Gi', pods: '29' },
  'i4i.large': { cpu: '2', memory: '16Gi', pods: '29' },
  'm6i.2xlarge': { cpu: '8', memory: '32Gi', pods: '58' },
  'm6in.2xlarge': { cpu: '8', memory: '32Gi', pods: '58' },
  'i4i.2xlarge': { cpu: '8', memory: '64Gi', pods: '58' },
};

/** The environment's node groups at their minimum size, on their first instance type, as EKS describes them. */
export function environmentNodePools(environment: ClusterEnvironment): NodePool[] {
  const { nodeGroups } = loadEnvironmentConfig(environment.name).cluster;
  return NODE_POOLS.map((pool) => {
    const group = nodeGroups[pool.name as keyof typeof nodeGroups];
    const instanceType = group.instanceTypes[0] ?? '';
    const capacity = INSTANCE_CAPACITY[instanceType];
    if (!capacity) throw new Error(`no capacity known for ${instanceType}: add it to INSTANCE_CAPACITY`);
    const size = { minSize: group.minSize, desiredSize: group.minSize, maxSize: group.maxSize };
    return { ...pool, ...size, instanceTypes: [instanceType], capacity };
  });
}

/** The Nodes of the environment's node groups at their minimum size, as EKS registers them. */
function addNodeGroups(sim: KubeSim, environment: ClusterEnvironment): void {
  for (const pool of environmentNodePools(environment)) {
    for (let ordinal = 0; ordinal < pool.desiredSize; ordinal += 1)
      sim.addNode(poolNode(pool, ordinal, environment.region, environment.layout));
  }
}

/** Applies `objects` in order as the administrator, with server-side apply as `kubectl apply --server-side` does. */
export async function applyAsAdmin(sim: KubeSim, objects: readonly Manifest[]): Promise<void> {
  const admin = createKubernetesApi({ server: sim.url, token: sim.token });
  for (const object of objects) {
    await admin.apply(pathOfObject(object), object, { fieldManager: 'cluster-admin', force: true });
  }
}

/**
 * Starts the cluster with the environment's node groups, the manifests applied by the administrator
 * and the controllers settled. Controllers run only on `sim.settle()`, so a test decides when a
 * Job's pods run (a check's poll `sleep` is the natural place).
 */
export async function startRbacCluster(
  environment: ClusterEnvironment,
  manifests: readonly Manifest[],
): Promise<RbacCluster> {
  const sim = await startKubeSim({ authorization: 'RBAC', tokens: FUNCTION_TOKENS, controllers: 'manual' });
  addNodeGroups(sim, environment);
  await applyAsAdmin(sim, manifests);
  await sim.settle();
  const decisionsOf = (group: FunctionGroupName, from = 0) =>
    sim.rbac.decisions.slice(from).filter((decision) => decision.user === userOf(group));
  return {
    sim,
    kubernetesAs: (group) => createKubernetesApi({ server: sim.url, token: tokenOf(group) }),
    decisionsOf,
    denialsOf: (group, from) =>
      decisionsOf(group, from)
        .filter((decision) => !decision.allowed)
        .map(({ request }) =>
          request.kind === 'resource'
            ? `${request.verb} ${request.apiGroup || 'core'}/${request.resource}${request.subresource ? `/${request.subresource}` : ''} in ${request.namespace ?? '*'}`
            : `${request.verb} ${request.path}`,
        ),
    grantsOf: (group) => sim.rbac.grantsOf(identityOf(group)).map(describeGrant),
    unusedGrantsOf: (group) => sim.rbac.unusedGrants(identityOf(group)).map(describeGrant),
  };
}
