import type { V1PolicyRule } from '@kubernetes/client-node';
import { RESTORE_RECORD_NAME } from '../../functions/core/dr/bring-up/restore-record.ts';
import { defaultWriterNamespaces } from '../../functions/core/dr/fence/writers-step.ts';
import type { ClusterEnvironment } from './environments.ts';
import { platformIdentities, postgresLocation } from './identities.ts';
import {
  APPS,
  addRules,
  BATCH,
  type ClusterFunctionGroups,
  CORE,
  type FunctionGroupAccess,
  inNamespaces,
  provisionAccess,
} from './rbac.ts';
import { rule } from './rbac-objects.ts';

/**
 * The Kubernetes groups of the DR functions on the standby (DR) cluster (issue 5, docs/dr.md), one
 * per function role whose calls differ. They are bound only in the DR bundle (dr-bundle.ts), which
 * binds no group of the primary's: provision, validate-platform, backup, remediation, cost and the
 * primary's fence all act on the primary cluster alone (their handlers take CLUSTER_NAME), so on
 * the DR cluster their grants would be used by nobody.
 * test/cluster-manifests/src/rbac-dr.test.ts runs each function's calls against these rules.
 */
export const DR_CLUSTER_GROUPS = {
  /** apply-dr-manifests and check-dr-rollout: applies the DR manifests and waits for their rollouts. */
  bringUp: 'lakehouse-ops:dr:bring-up',
  /** restore-dr-database: the restore record, the database's rollout, the pg_restore Job. */
  restore: 'lakehouse-ops:dr:restore',
  /** validate-dr-platform: reads only. */
  validate: 'lakehouse-ops:dr:validate',
  /** fence-dr: the DR side's writers to zero replicas and their CronJobs suspended. */
  fenceDr: 'lakehouse-ops:dr:fence-dr',
  /** scale-dr-to-standby: Prefect's server and the database to zero, the database reset. */
  standby: 'lakehouse-ops:dr:standby',
} as const;

export type DrClusterGroup = keyof typeof DR_CLUSTER_GROUPS;

/** The DR cluster's groups, as allFunctionGroups() lists the primary's. */
export function drClusterFunctionGroups(): string[] {
  return Object.values(DR_CLUSTER_GROUPS);
}

/**
 * Which handlers act as which group on the DR cluster: the access entries infra creates there.
 * scale-dr-node-groups is absent: it calls EKS only.
 */
export const DR_CLUSTER_KUBERNETES_GROUPS: readonly {
  readonly group: string;
  readonly handlers: readonly string[];
}[] = [
  { group: DR_CLUSTER_GROUPS.bringUp, handlers: ['apply-dr-manifests', 'check-dr-rollout'] },
  { group: DR_CLUSTER_GROUPS.restore, handlers: ['restore-dr-database'] },
  { group: DR_CLUSTER_GROUPS.validate, handlers: ['validate-dr-platform'] },
  { group: DR_CLUSTER_GROUPS.fenceDr, handlers: ['fence-dr'] },
  { group: DR_CLUSTER_GROUPS.standby, handlers: ['scale-dr-to-standby'] },
];

/**
 * Handlers that need an access entry on the DR cluster but no group: check-failover-gates'
 * dr-cluster-reachable gate reads /readyz and /api only, which system:discovery grants every
 * authenticated caller.
 */
export const DR_CLUSTER_AUTHENTICATED_HANDLERS: readonly string[] = ['check-failover-gates'];

function named(granted: V1PolicyRule, ...names: string[]): V1PolicyRule {
  return { ...granted, resourceNames: names };
}

/**
 * The DR bundle's groups. bring-up is the applier (its rules follow from the DR manifests, as
 * provision's do on the primary); it binds itself like every group, but its ClusterRole and binding
 * must be on the standby cluster before the first failover applies anything (docs/dr.md).
 */
export const DR_CLUSTER_FUNCTION_GROUPS: ClusterFunctionGroups = {
  access: drClusterAccess,
  applier: (applied) => provisionAccess(applied, DR_CLUSTER_GROUPS.bringUp),
};

function drClusterAccess(environment: ClusterEnvironment): FunctionGroupAccess[] {
  const { prefect } = environment.layout;
  const { namespace: databaseNamespace } = postgresLocation(environment);
  const database = platformIdentities(environment).postgresql.instance;

  // restore-dr-database: reads its record and writes it with server-side apply (a PATCH that
  // creates it the first time, so create too: a create cannot be limited by name); checkRollouts of
  // the database (its pods while it is not rolled out); the Job: create, get, its pods when it fails.
  const restore: Record<string, V1PolicyRule[]> = {};
  addRules(restore, databaseNamespace, [
    named(rule(CORE, ['configmaps'], ['get', 'patch']), RESTORE_RECORD_NAME),
    rule(CORE, ['configmaps'], ['create']),
    named(rule(APPS, ['statefulsets'], ['get']), database),
    rule(BATCH, ['jobs'], ['create', 'get']),
    rule(CORE, ['pods'], ['list']),
  ]);

  // validate-dr-platform: checkNodes, checkPrefect (the server, the workers by label), checkPostgresReady.
  const validate: Record<string, V1PolicyRule[]> = {};
  addRules(validate, prefect.namespace, [rule(APPS, ['deployments'], ['get', 'list'])]);
  addRules(validate, databaseNamespace, [named(rule(APPS, ['statefulsets'], ['get']), database)]);

  // fence-dr, step writers: lists the writer namespaces' workloads and CronJobs and patches them;
  // its "does the cluster answer?" probe reads Prefect's server Deployment.
  const fenceDr = inNamespaces(defaultWriterNamespaces(environment.layout), [
    rule(APPS, ['deployments', 'statefulsets'], ['list', 'patch']),
    rule(BATCH, ['cronjobs'], ['list', 'patch']),
  ]);
  addRules(fenceDr, prefect.namespace, [
    named(rule(APPS, ['deployments'], ['get']), prefect.serverDeployment),
  ]);

  // scale-dr-to-standby: Prefect's server and the database read and patched to zero; the
  // database's pods listed until they are gone, then its claims listed and deleted, then the record.
  const standby: Record<string, V1PolicyRule[]> = {};
  addRules(standby, prefect.namespace, [
    named(rule(APPS, ['deployments'], ['get', 'patch']), prefect.serverDeployment),
  ]);
  addRules(standby, databaseNamespace, [
    named(rule(APPS, ['statefulsets'], ['get', 'patch']), database),
    rule(CORE, ['pods'], ['list']),
    rule(CORE, ['persistentvolumeclaims'], ['list', 'delete']),
    named(rule(CORE, ['configmaps'], ['get', 'delete']), RESTORE_RECORD_NAME),
  ]);

  return [
    { group: DR_CLUSTER_GROUPS.restore, cluster: [], namespaced: restore },
    { group: DR_CLUSTER_GROUPS.validate, cluster: [rule(CORE, ['nodes'], ['list'])], namespaced: validate },
    { group: DR_CLUSTER_GROUPS.fenceDr, cluster: [], namespaced: fenceDr },
    { group: DR_CLUSTER_GROUPS.standby, cluster: [], namespaced: standby },
  ];
}
