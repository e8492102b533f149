import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { clusterEnvironment } from '../../cluster-manifests/src/environments.ts';
import {
  applyManifestsHandlerEnvironment,
  auditHandlerEnvironment,
  kubernetesHandlerEnvironment,
  minioBucketsHandlerEnvironment,
  nodeGroupsHandlerEnvironment,
  planProvisionHandlerEnvironment,
  powertoolsEnvironment,
  provisionLockHandlerEnvironment,
  releaseLockHandlerEnvironment,
} from '../../functions/commons/environment.ts';
import { auditPartitionKey } from '../../functions/core/audit/audit-trail.ts';
import { lockKey } from '../../functions/core/locks/lease-lock.ts';
import { PROVISION_LOCK_SCOPE } from '../../functions/core/provision/lock.ts';
import { provisionEnvironmentVariable } from '../../functions/core/provision/settings.ts';
import {
  PROVISION_HANDLERS,
  PROVISION_LOCK_TTL,
  type ProvisionHandler,
} from '../../workflows/provision.workflow.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { acknowledgeWildcardResources } from '../constructs/nag-acknowledgements.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import { defaultPolicyOf, type FunctionBuilder } from './backup-function-setup.ts';
import { nodePoolSpecs } from './cluster-node-groups.ts';
import { grantNodegroups } from './function-grants.ts';

/**
 * How each provision handler is deployed: environment, timeout and least-privilege IAM. The
 * Kubernetes side is not IAM: the functions act on the cluster as `lakehouse-ops:provision`
 * (cluster-manifests RBAC: get/create/patch on the manifests' kinds, list pods), through their
 * access entries (function-access-entries.ts).
 */
export type ProvisionFunctionName = Exclude<ProvisionHandler, 'notify'>;

const PROVISION_FUNCTION_NAMES: ReadonlySet<string> = new Set(
  PROVISION_HANDLERS.filter((name) => name !== 'notify'),
);

export function isProvisionFunctionName(name: string): name is ProvisionFunctionName {
  return PROVISION_FUNCTION_NAMES.has(name);
}

export interface ProvisionFunctionSetup {
  readonly config: EnvironmentConfig;
  readonly kubernetes: { CLUSTER_NAME: string; PLATFORM_LAYOUT?: string };
  readonly minio: Record<'MINIO_ENDPOINT' | 'MINIO_CREDENTIALS_SECRET_ID', string>;
  readonly grantMinio: (fn: OpsFunction) => void;
  readonly grantDescribeCluster: (fn: OpsFunction) => void;
  readonly opsTableName: string;
  readonly grantOpsTableItems: (
    fn: OpsFunction,
    actions: readonly string[],
    partitionKeyPattern: string,
  ) => void;
}

/** The node groups as the ClusterStack builds them (one function for both), without the root disk size. */
export function provisionNodeGroupsVariable(config: EnvironmentConfig): string {
  return JSON.stringify(
    nodePoolSpecs(config.clusterName, config.cluster.nodeGroups).map(
      ({ diskSizeGiB: _disk, ...spec }) => spec,
    ),
  );
}

/** A Kubernetes step: every API call has a 10 s deadline; a stage applies a few dozen objects. */
const KUBERNETES_STEP = Duration.minutes(5);

export function createProvisionFunction(
  name: ProvisionFunctionName,
  build: FunctionBuilder,
  setup: ProvisionFunctionSetup,
): OpsFunction {
  const { config, kubernetes } = setup;
  const manifests = { PROVISION_ENVIRONMENT: provisionEnvironmentVariable(clusterEnvironment(config)) };
  switch (name) {
    case 'plan-provision': {
      const fn = build({
        environmentSchema: planProvisionHandlerEnvironment,
        // DescribeCluster only: the plan is computed from the manifests, not read from the cluster.
        reaches: [],
        environment: { ...kubernetes, ...manifests },
        timeout: Duration.seconds(30),
        description: 'provision: validate the input, require the cluster ACTIVE, plan the stages',
      });
      setup.grantDescribeCluster(fn);
      return fn;
    }
    case 'ensure-node-groups':
    case 'check-node-groups': {
      const fn = build({
        environmentSchema: nodeGroupsHandlerEnvironment,
        reaches: [],
        environment: {
          CLUSTER_NAME: config.clusterName,
          PROVISION_NODE_GROUPS: provisionNodeGroupsVariable(config),
        },
        timeout: Duration.seconds(60),
        description:
          name === 'ensure-node-groups'
            ? 'provision: create missing node groups, rescale the others to their configured sizes'
            : 'provision: are the node groups ACTIVE at their configured sizes',
      });
      grantNodeGroups(fn, config.clusterName, name === 'ensure-node-groups');
      return fn;
    }
    case 'apply-manifests': {
      const fn = build({
        environmentSchema: applyManifestsHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: { ...kubernetes, ...manifests },
        timeout: KUBERNETES_STEP,
        description: 'provision: server-side apply of one stage of cluster-manifests',
      });
      setup.grantDescribeCluster(fn);
      return fn;
    }
    case 'check-rollout': {
      const fn = build({
        environmentSchema: kubernetesHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: kubernetes,
        timeout: Duration.seconds(60),
        description: 'provision: rollout status of one stage of workloads',
      });
      setup.grantDescribeCluster(fn);
      return fn;
    }
    case 'ensure-minio-buckets': {
      const fn = build({
        environmentSchema: minioBucketsHandlerEnvironment,
        reaches: ['minio-s3'],
        environment: {
          ...setup.minio,
          ...manifests,
          PLATFORM_LAYOUT: kubernetes.PLATFORM_LAYOUT,
          MINIO_STORAGE_TIERING: JSON.stringify(config.storageTiering.minio),
        },
        timeout: Duration.seconds(60),
        description:
          'provision: MinIO buckets with versioning, lifecycle (storage tiering) and event notifications',
      });
      setup.grantMinio(fn);
      return fn;
    }
    case 'acquire-provision-lock':
    case 'release-provision-lock': {
      const acquire = name === 'acquire-provision-lock';
      const fn = build({
        environmentSchema: acquire ? provisionLockHandlerEnvironment : releaseLockHandlerEnvironment,
        reaches: [],
        environment: {
          OPS_TABLE_NAME: setup.opsTableName,
          ...(acquire ? { PROVISION_LOCK_TTL_SECONDS: String(PROVISION_LOCK_TTL.toSeconds()) } : {}),
        },
        timeout: Duration.seconds(15),
        description: `provision: ${acquire ? 'take' : 'release'} the cluster's provision lease`,
      });
      // Only the lease items of provision locks.
      setup.grantOpsTableItems(
        fn,
        ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
        lockKey(PROVISION_LOCK_SCOPE, '*'),
      );
      return fn;
    }
    case 'record-provision-audit': {
      const fn = build({
        environmentSchema: auditHandlerEnvironment,
        reaches: [],
        environment: { OPS_TABLE_NAME: setup.opsTableName, ENVIRONMENT_NAME: config.name },
        timeout: Duration.seconds(15),
        description: 'provision: write the request and the report to the audit trail',
      });
      // A conditional UpdateItem (functions/core/audit/audit-trail.ts), on provision's audit items only.
      setup.grantOpsTableItems(fn, ['dynamodb:UpdateItem'], `${auditPartitionKey('provision', '')}*`);
      return fn;
    }
    case 'build-provision-report':
      return build({
        environmentSchema: powertoolsEnvironment,
        reaches: [],
        environment: {},
        timeout: Duration.seconds(30),
        description: 'provision: the report of what was created, changed and left unchanged',
      });
  }
}

/**
 * Reads of the cluster's node groups; for ensure-node-groups also their creation and scaling, and
 * passing the node role a new group copies from its siblings (named at run time) to EKS only.
 */
export function grantNodeGroups(
  fn: OpsFunction,
  clusterName: string,
  change: boolean,
  /** More actions on the cluster's node groups (spot migration retires and tags them). */
  extraNodegroupActions: readonly string[] = [],
): void {
  const stack = Stack.of(fn);
  const cluster = stack.formatArn({ service: 'eks', resource: 'cluster', resourceName: clusterName });
  fn.addToRolePolicy(new PolicyStatement({ actions: ['eks:ListNodegroups'], resources: [cluster] }));
  grantNodegroups(fn, clusterName, [
    'eks:DescribeNodegroup',
    ...(change ? ['eks:UpdateNodegroupConfig'] : []),
    ...extraNodegroupActions,
  ]);
  if (!change) return;
  // CreateNodegroup is authorized on the cluster; the new group's ARN does not exist yet.
  fn.addToRolePolicy(new PolicyStatement({ actions: ['eks:CreateNodegroup'], resources: [cluster] }));
  const roles = stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: '*' });
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [roles],
      conditions: { StringEquals: { 'iam:PassedToService': 'eks.amazonaws.com' } },
    }),
  );
  acknowledgeWildcardResources(
    defaultPolicyOf(fn),
    [roles],
    'PassRole of the sibling node group role, only to EKS: the role is named by the existing group at run time',
  );
}
