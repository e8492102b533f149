import type { V1PolicyRule } from '@kubernetes/client-node';
import type { ClusterEnvironment } from './environments.ts';
import { postgresLocation } from './identities.ts';
import type { Manifest } from './manifest.ts';
import { lakehouseNamespaces } from './namespaces.ts';
import { clusterRole, clusterRoleBinding, groupSubject, role, roleBinding, rule } from './rbac-objects.ts';

/**
 * The Kubernetes groups of lakehouse-ops' function groups. The ClusterStack's EKS access entries map
 * each group's Lambda execution roles to these names; the Roles and ClusterRoles below grant each
 * group only the verbs its calls use (the comment on each rule names the call).
 */
export const FUNCTION_GROUPS = {
  validatePlatform: 'lakehouse-ops:validate-platform',
  backup: 'lakehouse-ops:backup',
  remediation: 'lakehouse-ops:remediation',
  cost: 'lakehouse-ops:cost',
  provision: 'lakehouse-ops:provision',
} as const;

export type FunctionGroup = keyof typeof FUNCTION_GROUPS;

export interface FunctionGroupAccess {
  readonly group: string;
  /** Cluster-wide rules: a ClusterRole bound by a ClusterRoleBinding. */
  readonly cluster: V1PolicyRule[];
  /** Rules per namespace: a Role and RoleBinding in each. */
  readonly namespaced: Record<string, V1PolicyRule[]>;
}

const CORE = '';
const APPS = 'apps';
const BATCH = 'batch';

function addRules(target: Record<string, V1PolicyRule[]>, namespace: string, rules: V1PolicyRule[]): void {
  target[namespace] = [...(target[namespace] ?? []), ...rules];
}

/** functions/core/validation/*: the reads of ClusterReader (functions/core/kubernetes/cluster-reader.ts). */
function validatePlatformAccess(environment: ClusterEnvironment): FunctionGroupAccess {
  const { prefect, minio, s5cmd, monitoring } = environment.layout;
  const namespaced: Record<string, V1PolicyRule[]> = {};
  // check-prefect: readDeployment (server), listDeployments (workers by selector).
  addRules(namespaced, prefect.namespace, [rule(APPS, ['deployments'], ['get', 'list'])]);
  // check-minio-statefulset: readStatefulSet, listPods (unready pods by the set's selector).
  addRules(namespaced, minio.namespace, [
    rule(APPS, ['statefulsets'], ['get']),
    rule(CORE, ['pods'], ['list']),
  ]);
  // check-s5cmd-executor: readServiceAccount, readCronJob. check-s5cmd-throughput (performance
  // mode): reads the CronJob template, creates its Job, polls it, deletes it when it overruns, and
  // lists its pods for the reason of a failure.
  addRules(namespaced, s5cmd.namespace, [
    rule(CORE, ['serviceaccounts'], ['get']),
    rule(BATCH, ['cronjobs'], ['get']),
    rule(BATCH, ['jobs'], ['create', 'get', 'delete']),
    rule(CORE, ['pods'], ['list']),
  ]);
  // check-monitoring: readStatefulSet (Prometheus, Alertmanager), readDeployment (Grafana).
  addRules(namespaced, monitoring.namespace, [
    rule(APPS, ['statefulsets'], ['get']),
    rule(APPS, ['deployments'], ['get']),
  ]);
  return {
    group: FUNCTION_GROUPS.validatePlatform,
    // check-nodes and check-minio-statefulset: listNodes.
    cluster: [rule(CORE, ['nodes'], ['list'])],
    namespaced,
  };
}

/**
 * functions/core/postgres/job-run.ts (dump-postgres, verify-postgres-dump, restore-postgres-dump)
 * and functions/core/volumes/persistent-volumes.ts (start-volume-backup).
 */
function backupAccess(environment: ClusterEnvironment): FunctionGroupAccess {
  const namespaced: Record<string, V1PolicyRule[]> = {};
  // submitJob: create (and get when a retried create conflicts); waitForJob: get; failureOf: list pods.
  addRules(namespaced, postgresLocation(environment).namespace, [
    rule(BATCH, ['jobs'], ['create', 'get']),
    rule(CORE, ['pods'], ['list']),
  ]);
  // discoverBackupVolumes: list the claims of each backed-up namespace.
  for (const namespace of environment.backup.volumeNamespaces) {
    addRules(namespaced, namespace, [rule(CORE, ['persistentvolumeclaims'], ['list'])]);
  }
  // discoverBackupVolumes: get the PersistentVolume behind each bound claim.
  return { group: FUNCTION_GROUPS.backup, cluster: [rule(CORE, ['persistentvolumes'], ['get'])], namespaced };
}

/**
 * Cordon and drain (remediation's node playbook, cost's spot migration and interruption handling):
 * cordon is a patch of the Node; drain lists the Node's pods in every namespace, reads the
 * PodDisruptionBudgets for the preflight and evicts (never deletes) each pod.
 */
const DRAIN_RULES: V1PolicyRule[] = [
  rule(CORE, ['nodes'], ['get', 'list', 'patch']),
  rule(CORE, ['pods'], ['list']),
  rule(CORE, ['pods/eviction'], ['create']),
  rule('policy', ['poddisruptionbudgets'], ['list']),
];

/**
 * The remediation playbooks of issue 4 (functions/ has none yet; these are the calls its playbook
 * catalogue names): rollout restart and memory-limit raise patch Deployments and StatefulSets;
 * a crash-looping pod or one MinIO pod is deleted; a filling MinIO claim is expanded; escalation
 * attaches the target's events and logs.
 */
function remediationAccess(environment: ClusterEnvironment): FunctionGroupAccess {
  const namespaced: Record<string, V1PolicyRule[]> = {};
  for (const namespace of lakehouseNamespaces(environment)) {
    addRules(namespaced, namespace, [
      // A pod's workload: pod -> ReplicaSet -> Deployment, or a deleted pod's name -> StatefulSet.
      rule(APPS, ['deployments'], ['get', 'patch']),
      rule(APPS, ['statefulsets'], ['get', 'list', 'patch']),
      rule(APPS, ['replicasets'], ['get', 'list']),
      rule(CORE, ['pods'], ['get', 'delete']),
      rule(CORE, ['pods/log'], ['get']),
      rule(CORE, ['events'], ['list']),
    ]);
  }
  addRules(namespaced, environment.layout.minio.namespace, [
    rule(CORE, ['persistentvolumeclaims'], ['get', 'patch']),
  ]);
  // Events about a Node are recorded in `default` (escalation attaches them).
  addRules(namespaced, 'default', [rule(CORE, ['events'], ['list'])]);
  return {
    group: FUNCTION_GROUPS.remediation,
    // expand-minio-pvc reads the claim's StorageClass for allowVolumeExpansion.
    cluster: [...DRAIN_RULES, rule('storage.k8s.io', ['storageclasses'], ['get'])],
    namespaced,
  };
}

/**
 * The cost workflows of issue 6 (not in functions/ yet): right-sizing reads and patches the
 * workloads' resources, skipping what an HPA scales; off-hours scale-down patches replica counts
 * and suspends CronJobs; spot migration and interruptions drain nodes.
 */
function costAccess(environment: ClusterEnvironment): FunctionGroupAccess {
  const namespaced: Record<string, V1PolicyRule[]> = {};
  for (const namespace of lakehouseNamespaces(environment)) {
    addRules(namespaced, namespace, [
      rule(APPS, ['deployments', 'statefulsets'], ['get', 'list', 'patch']),
      rule(BATCH, ['cronjobs'], ['get', 'list', 'patch']),
      rule('autoscaling', ['horizontalpodautoscalers'], ['list']),
    ]);
  }
  return { group: FUNCTION_GROUPS.cost, cluster: DRAIN_RULES, namespaced };
}

/** The plural resource name of each kind this folder contains (RBAC rules name resources, not kinds). */
const RESOURCE_OF_KIND: Record<string, string> = {
  Namespace: 'namespaces',
  ServiceAccount: 'serviceaccounts',
  ConfigMap: 'configmaps',
  Service: 'services',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  NetworkPolicy: 'networkpolicies',
  PeerAuthentication: 'peerauthentications',
  StorageClass: 'storageclasses',
  ClusterSecretStore: 'clustersecretstores',
  ExternalSecret: 'externalsecrets',
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  CronJob: 'cronjobs',
  PodDisruptionBudget: 'poddisruptionbudgets',
};

export function resourceOf(manifest: Manifest): { apiGroup: string; resource: string } {
  const resource = RESOURCE_OF_KIND[manifest.kind];
  if (!resource) {
    throw new Error(
      `no RBAC resource name for kind ${manifest.kind}: add it to RESOURCE_OF_KIND in cluster-manifests/src/rbac.ts`,
    );
  }
  const slash = manifest.apiVersion.lastIndexOf('/');
  return { apiGroup: slash < 0 ? CORE : manifest.apiVersion.slice(0, slash), resource };
}

/**
 * The provision workflow applies this folder with server-side apply: a PATCH that creates the
 * object when it is missing (so create and patch), after a get for the dry-run diff, for exactly the
 * kinds the folder contains; it waits for rollouts by reading the workloads and listing their pods.
 * Creating Roles that grant what provision itself does not hold needs `escalate`, binding them `bind`.
 * Cluster-wide: it creates the namespaces, so it cannot be bound inside them beforehand.
 */
export function provisionAccess(applied: readonly Manifest[]): FunctionGroupAccess {
  const resourcesByGroup = new Map<string, Set<string>>();
  for (const object of applied) {
    const { apiGroup, resource } = resourceOf(object);
    resourcesByGroup.set(apiGroup, (resourcesByGroup.get(apiGroup) ?? new Set()).add(resource));
  }
  const applyRules = [...resourcesByGroup.entries()]
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([apiGroup, resources]) => rule(apiGroup, [...resources].sort(), ['get', 'create', 'patch']));
  return {
    group: FUNCTION_GROUPS.provision,
    cluster: [
      ...applyRules,
      rule(CORE, ['pods'], ['list']),
      rule('rbac.authorization.k8s.io', ['clusterroles', 'roles'], ['escalate', 'bind']),
    ],
    namespaced: {},
  };
}

export function functionGroupAccess(environment: ClusterEnvironment): FunctionGroupAccess[] {
  return [
    validatePlatformAccess(environment),
    backupAccess(environment),
    remediationAccess(environment),
    costAccess(environment),
  ];
}

/** The ClusterRole/Role and group binding objects of one function group. */
export function functionGroupRbac(access: FunctionGroupAccess): Manifest[] {
  const subject = groupSubject(access.group);
  const objects: Manifest[] = [];
  if (access.cluster.length > 0) {
    objects.push(clusterRole(access.group, access.cluster), clusterRoleBinding(access.group, subject));
  }
  for (const [namespace, rules] of Object.entries(access.namespaced).sort(([a], [b]) => a.localeCompare(b))) {
    objects.push(role(access.group, namespace, rules), roleBinding(access.group, namespace, subject));
  }
  return objects;
}
