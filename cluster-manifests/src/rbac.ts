import type { V1PolicyRule } from '@kubernetes/client-node';
import { PLAYBOOK_NAMES, type PlaybookName } from '../../functions/core/remediation/playbooks/catalogue.ts';
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
  provision: 'lakehouse-ops:provision',
} as const;

export type FunctionGroup = keyof typeof FUNCTION_GROUPS;

/**
 * The cost workflows' groups (issue 6, docs/cost.md "Kubernetes access"): per workflow a group that
 * reads, and per step that writes a group of its own, so that no step holds another's write.
 */
export const COST_GROUPS = {
  /** recommend-rightsizing and plan-rightsizing: every workload's listing, the planned objects. */
  rightsizing: 'lakehouse-ops:cost:rightsizing',
  /** apply-rightsizing and rollback-rightsizing: the planned objects' pod templates. */
  rightsizingChange: 'lakehouse-ops:cost:rightsizing:change',
  /** plan-off-hours and check-off-hours-progress. */
  offHours: 'lakehouse-ops:cost:off-hours',
  /** scale-off-hours-workloads: replica counts and suspend flags. */
  offHoursScale: 'lakehouse-ops:cost:off-hours:scale',
  /** plan-, check-, retire- and verify-spot-migration: Nodes and pods. */
  spotMigration: 'lakehouse-ops:cost:spot-migration',
  /** ensure-spot-node-group: a reversed run uncordons the Nodes an earlier run cordoned. */
  spotUncordon: 'lakehouse-ops:cost:spot-migration:uncordon',
  /** drain-spot-source-nodes and drain-spot-interrupted-node: cordon and evict. */
  spotDrain: 'lakehouse-ops:cost:spot:drain',
  /** find-spot-interrupted-node: the Node of an instance. */
  spotInterruption: 'lakehouse-ops:cost:spot-interruption',
} as const;

export type CostGroup = keyof typeof COST_GROUPS;

/**
 * dr-failover's groups on the primary cluster (issue 5, docs/dr.md "Fencing"): fence-primary and
 * lift-fence scale the writers to zero and back and suspend their CronJobs.
 */
export const DR_GROUPS = {
  fence: 'lakehouse-ops:dr:fence',
} as const;

/**
 * Every Kubernetes group lakehouse-ops' functions act as on the primary cluster: the workflows',
 * each playbook's, each cost step's, the DR fence's. The standby cluster's are rbac-dr.ts's
 * (drClusterFunctionGroups), bound only there.
 */
export function allFunctionGroups(): string[] {
  return [
    ...Object.values(FUNCTION_GROUPS),
    ...PLAYBOOK_NAMES.map(playbookGroup),
    ...Object.values(COST_GROUPS),
    ...Object.values(DR_GROUPS),
  ];
}

export interface FunctionGroupAccess {
  readonly group: string;
  /** Cluster-wide rules: a ClusterRole bound by a ClusterRoleBinding. */
  readonly cluster: V1PolicyRule[];
  /** Rules per namespace: a Role and RoleBinding in each. */
  readonly namespaced: Record<string, V1PolicyRule[]>;
}

/**
 * Who a cluster's bundle binds: the function groups whose rules follow from the environment, and
 * the group that applies the bundle, whose rules follow from what the bundle holds.
 */
export interface ClusterFunctionGroups {
  readonly access: (environment: ClusterEnvironment) => FunctionGroupAccess[];
  readonly applier: (applied: readonly Manifest[]) => FunctionGroupAccess;
}

export const CORE = '';
export const APPS = 'apps';
export const BATCH = 'batch';

export function addRules(
  target: Record<string, V1PolicyRule[]>,
  namespace: string,
  rules: V1PolicyRule[],
): void {
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

/** The drain core (functions/core/remediation/playbooks/cordon-drain-node.ts `drainNode`) in any namespace. */
const DRAIN_RULES: V1PolicyRule[] = [
  rule(CORE, ['nodes'], ['get', 'patch']),
  rule(CORE, ['pods'], ['list']),
  rule(CORE, ['pods/eviction'], ['create']),
  rule('policy', ['poddisruptionbudgets'], ['list']),
];

/**
 * Finding a workload (functions/core/remediation/playbooks/workloads.ts `resolveWorkload`): a pod
 * target is read, then its ReplicaSet and Deployment or its StatefulSet; a pod that is already gone
 * is matched by name against the namespace's StatefulSets and ReplicaSets.
 */
const RESOLVE_WORKLOAD_RULES: V1PolicyRule[] = [
  rule(CORE, ['pods'], ['get']),
  rule(APPS, ['replicasets'], ['get', 'list']),
  rule(APPS, ['statefulsets'], ['get', 'list']),
  rule(APPS, ['deployments'], ['get']),
];
/** patchWorkload: the new pod template of a Deployment or StatefulSet. */
const PATCH_WORKLOAD_RULES: V1PolicyRule[] = [rule(APPS, ['deployments', 'statefulsets'], ['patch'])];

/** The same rules in every namespace of `namespaces`. */
export function inNamespaces(
  namespaces: readonly string[],
  rules: V1PolicyRule[],
): Record<string, V1PolicyRule[]> {
  const namespaced: Record<string, V1PolicyRule[]> = {};
  for (const namespace of namespaces) addRules(namespaced, namespace, rules);
  return namespaced;
}

/** The Kubernetes group of one remediation playbook: its Lambda acts as this group and no other. */
export function playbookGroup(playbook: PlaybookName): string {
  return `${FUNCTION_GROUPS.remediation}:${playbook}`;
}

/**
 * Each remediation playbook's own rights (issue 4: "each a Lambda action with its own
 * least-privilege Kubernetes RBAC"), the calls of functions/core/remediation/playbooks/<name>.ts.
 * Workload playbooks act in every lakehouse namespace (an alert may name any of them); the MinIO
 * playbooks only in MinIO's, scale-prefect-workers only in Prefect's.
 */
const PLAYBOOK_RULES: Record<
  PlaybookName,
  (environment: ClusterEnvironment) => Omit<FunctionGroupAccess, 'group'>
> = {
  'rollout-restart': (environment) => ({
    cluster: [],
    namespaced: inNamespaces(lakehouseNamespaces(environment), [
      ...RESOLVE_WORKLOAD_RULES,
      ...PATCH_WORKLOAD_RULES,
    ]),
  }),
  // Without the alert's container label it looks for the OOM-killed container in the workload's pods.
  'raise-memory-limit': (environment) => ({
    cluster: [],
    namespaced: inNamespaces(lakehouseNamespaces(environment), [
      ...RESOLVE_WORKLOAD_RULES,
      ...PATCH_WORKLOAD_RULES,
      rule(CORE, ['pods'], ['list']),
    ]),
  }),
  // Reads the pod (its restarts and controller), then deletes it.
  'delete-pod': (environment) => ({
    cluster: [],
    namespaced: inNamespaces(lakehouseNamespaces(environment), [rule(CORE, ['pods'], ['get', 'delete'])]),
  }),
  // Cordon (a Node patch), the node's pods in every namespace, evictions, and the budgets that
  // refused one, named in the report.
  'cordon-drain-node': () => ({ cluster: DRAIN_RULES, namespaced: {} }),
  // Reads the worker Deployment's replicas, patches them.
  'scale-prefect-workers': (environment) => ({
    cluster: [],
    namespaced: inNamespaces(
      [environment.layout.prefect.namespace],
      [rule(APPS, ['deployments'], ['get', 'patch'])],
    ),
  }),
  // The pod and its StatefulSet, the set's pods for the quorum check, then one pod deleted.
  'restart-minio-pod': (environment) => ({
    cluster: [],
    namespaced: inNamespaces(
      [environment.layout.minio.namespace],
      [rule(CORE, ['pods'], ['get', 'list', 'delete']), rule(APPS, ['statefulsets'], ['get'])],
    ),
  }),
  // The claim, its StorageClass's allowVolumeExpansion, then the claim's new size.
  'expand-minio-pvc': (environment) => ({
    cluster: [rule('storage.k8s.io', ['storageclasses'], ['get'])],
    namespaced: inNamespaces(
      [environment.layout.minio.namespace],
      [rule(CORE, ['persistentvolumeclaims'], ['get', 'patch'])],
    ),
  }),
  // Reads the unschedulable pod's selector and tolerations; the node groups are EKS (IAM).
  'scale-node-group': (environment) => ({
    cluster: [],
    namespaced: inNamespaces(lakehouseNamespaces(environment), [rule(CORE, ['pods'], ['get'])]),
  }),
};

function playbookAccess(environment: ClusterEnvironment): FunctionGroupAccess[] {
  return PLAYBOOK_NAMES.map((playbook) => ({
    group: playbookGroup(playbook),
    ...PLAYBOOK_RULES[playbook](environment),
  }));
}

/**
 * The remediate workflow's own reads, around the playbooks: preflight (functions/core/remediation/
 * preflight.ts: the target, the pods that would leave and their budgets, a node's pods, a claim,
 * MinIO's StatefulSet for the quorum) and escalation (playbooks/escalation-context.ts: the target's
 * events, pods and their logs; a Node's events are recorded in `default`). Nothing here writes.
 */
function remediationAccess(environment: ClusterEnvironment): FunctionGroupAccess {
  // A gone pod target is reported gone, not resolved by name, so no ReplicaSet or StatefulSet lists.
  const namespaced = inNamespaces(lakehouseNamespaces(environment), [
    rule(CORE, ['pods'], ['get']),
    rule(APPS, ['replicasets', 'statefulsets', 'deployments'], ['get']),
    rule(CORE, ['pods/log'], ['get']),
    rule(CORE, ['events'], ['list']),
  ]);
  addRules(namespaced, environment.layout.minio.namespace, [rule(CORE, ['persistentvolumeclaims'], ['get'])]);
  addRules(namespaced, 'default', [rule(CORE, ['events'], ['list'])]);
  return {
    group: FUNCTION_GROUPS.remediation,
    // A node target's pods and their budgets may be in any namespace (kube-system's too).
    cluster: [
      rule(CORE, ['nodes'], ['get']),
      rule(CORE, ['pods'], ['list']),
      rule('policy', ['poddisruptionbudgets'], ['list']),
    ],
    namespaced,
  };
}

/**
 * The cost workflows (functions/core/cost), one group per workflow's reads and per writing step;
 * test/cluster-manifests/src/rbac-cost.test.ts runs each step's calls against these rules.
 * Right-sizing recommends for any namespace but changes only the lakehouse's (the plan skips the
 * others, functions/core/cost/apply/plan.ts). Off-hours acts in its scope's namespaces, and not at
 * all where the environment never sleeps. Spot works on Nodes, whose pods may be in any namespace.
 */
function costAccess(environment: ClusterEnvironment): FunctionGroupAccess[] {
  const lakehouse = lakehouseNamespaces(environment);
  const offHours = environment.offHoursNamespaces;
  const rolloutKinds = ['deployments', 'statefulsets'];
  const access: Record<CostGroup, Omit<FunctionGroupAccess, 'group'>> = {
    // recommend: every workload, Job and HPA (its scope may name any namespace, or none: all);
    // plan: reads each recommended object back before the guardrails.
    rightsizing: {
      cluster: [
        rule(APPS, rolloutKinds, ['list']),
        rule(BATCH, ['cronjobs', 'jobs'], ['list']),
        rule('autoscaling', ['horizontalpodautoscalers'], ['list']),
      ],
      namespaced: inNamespaces(lakehouse, [
        rule(APPS, rolloutKinds, ['get']),
        rule(BATCH, ['cronjobs'], ['get']),
      ]),
    },
    // apply and rollback: read the object again, then its server-side dry run and the patch.
    rightsizingChange: {
      cluster: [],
      namespaced: inNamespaces(lakehouse, [
        rule(APPS, rolloutKinds, ['get', 'patch']),
        rule(BATCH, ['cronjobs'], ['get', 'patch']),
      ]),
    },
    // plan (sleep): the scope's workloads and CronJobs, the Nodes and every pod on them; plan
    // (wake): each saved object; check: the Nodes and `checkRollouts` (a workload, its pods).
    offHours: {
      cluster: offHours.length > 0 ? [rule(CORE, ['nodes'], ['list']), rule(CORE, ['pods'], ['list'])] : [],
      namespaced: inNamespaces(offHours, [
        rule(APPS, rolloutKinds, ['get', 'list']),
        rule(BATCH, ['cronjobs'], ['get', 'list']),
      ]),
    },
    // scale: merge patches of replicas and suspend (and off-hours' annotations).
    offHoursScale: {
      cluster: [],
      namespaced: inNamespaces(offHours, [
        rule(APPS, rolloutKinds, ['patch']),
        rule(BATCH, ['cronjobs'], ['patch']),
      ]),
    },
    // The pool's Nodes (by node group label); retire and verify: the pods on them, Pending pods.
    spotMigration: {
      cluster: [rule(CORE, ['nodes'], ['list']), rule(CORE, ['pods'], ['list'])],
      namespaced: {},
    },
    spotUncordon: { cluster: [rule(CORE, ['nodes'], ['list', 'patch'])], namespaced: {} },
    // The migration cordons the whole old group first (a list of its Nodes), then drains a batch.
    spotDrain: { cluster: [rule(CORE, ['nodes'], ['list']), ...DRAIN_RULES], namespaced: {} },
    spotInterruption: { cluster: [rule(CORE, ['nodes'], ['list'])], namespaced: {} },
  };
  return (Object.keys(COST_GROUPS) as CostGroup[]).map((group) => ({
    group: COST_GROUPS[group],
    ...access[group],
  }));
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
 * dr-failover's bring-up applies the DR variant the same way, as its own `group` (rbac-dr.ts).
 */
export function provisionAccess(
  applied: readonly Manifest[],
  group: string = FUNCTION_GROUPS.provision,
): FunctionGroupAccess {
  const resourcesByGroup = new Map<string, Set<string>>();
  for (const object of applied) {
    const { apiGroup, resource } = resourceOf(object);
    resourcesByGroup.set(apiGroup, (resourcesByGroup.get(apiGroup) ?? new Set()).add(resource));
  }
  const applyRules = [...resourcesByGroup.entries()]
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([apiGroup, resources]) => rule(apiGroup, [...resources].sort(), ['get', 'create', 'patch']));
  return {
    group,
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
    ...playbookAccess(environment),
    ...costAccess(environment),
    drFenceAccess(environment),
  ];
}

/** The primary cluster's bundle (bundle.ts environmentManifests): every group above, applied by provision. */
export const PRIMARY_CLUSTER_GROUPS: ClusterFunctionGroups = {
  access: functionGroupAccess,
  applier: (applied) => provisionAccess(applied),
};

/**
 * The fence's calls (functions/core/dr/fence): in the writer namespaces (Prefect's and s5cmd's),
 * list the workloads and CronJobs to fence, get them back to lift, patch replicas and suspend;
 * `get deployments/prefect-server` is its "does the primary answer?" probe.
 */
function drFenceAccess(environment: ClusterEnvironment): FunctionGroupAccess {
  const writers = [environment.layout.prefect.namespace, environment.layout.s5cmd.namespace];
  return {
    group: DR_GROUPS.fence,
    cluster: [],
    namespaced: inNamespaces(writers, [
      rule(APPS, ['deployments', 'statefulsets'], ['get', 'list', 'patch']),
      rule(BATCH, ['cronjobs'], ['get', 'list', 'patch']),
    ]),
  };
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
