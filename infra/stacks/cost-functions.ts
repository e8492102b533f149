import { Duration } from 'aws-cdk-lib';
import type { CapacityType } from 'aws-cdk-lib/aws-eks-v2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { COST_GROUPS } from '../../cluster-manifests/src/rbac.ts';
import type { NodePoolName } from '../../cluster-manifests/src/scheduling.ts';
import {
  auditHandlerEnvironment,
  changeRightsizingHandlerEnvironment,
  costReportHandlerEnvironment,
  kubernetesHandlerEnvironment,
  offHoursClusterHandlerEnvironment,
  offHoursLeaseHandlerEnvironment,
  offHoursPlanHandlerEnvironment,
  offHoursPreflightHandlerEnvironment,
  planRightsizingHandlerEnvironment,
  powertoolsEnvironment,
  prometheusHandlerEnvironment,
  recommendRightsizingHandlerEnvironment,
  releaseLockHandlerEnvironment,
  rightsizingLeaseHandlerEnvironment,
  spotInterruptionHandlerEnvironment,
  spotMigrationClusterHandlerEnvironment,
  spotMigrationLeaseHandlerEnvironment,
} from '../../functions/commons/environment.ts';
import { auditPartitionKey } from '../../functions/core/audit/audit-trail.ts';
import { RIGHTSIZING_LEASE_SCOPE } from '../../functions/core/cost/apply/lease.ts';
import { COST_OPTIMISE_WORKFLOW } from '../../functions/core/cost/apply/request.ts';
import { OFF_HOURS_LEASE_SCOPE } from '../../functions/core/cost/off-hours/lease.ts';
import { OFF_HOURS_WORKFLOW } from '../../functions/core/cost/off-hours/request.ts';
import { offHoursSettingsVariable } from '../../functions/core/cost/off-hours/settings.ts';
import { type CostPricing, DEFAULT_CPU_TO_MEMORY_PRICE_RATIO } from '../../functions/core/cost/pricing.ts';
import { RESULT_PREFIX } from '../../functions/core/cost/rightsizing/result-store.ts';
import { SPOT_MIGRATION_LEASE_SCOPE } from '../../functions/core/cost/spot/lease.ts';
import { lockKey } from '../../functions/core/locks/lease-lock.ts';
import { COST_OPTIMISE_HANDLERS, costOptimiseLeaseTtl } from '../../workflows/cost-optimise.workflow.ts';
import { OFF_HOURS_HANDLERS, OFF_HOURS_LEASE_TTL } from '../../workflows/off-hours.workflow.ts';
import {
  SPOT_INTERRUPTION_HANDLERS,
  SPOT_INTERRUPTION_WORKFLOW,
} from '../../workflows/spot-interruption.workflow.ts';
import {
  SPOT_MIGRATION_HANDLERS,
  SPOT_MIGRATION_LEASE_TTL,
  SPOT_MIGRATION_WORKFLOW,
} from '../../workflows/spot-migration.workflow.ts';
import type { CostConfig, PricedNodeGroups } from '../config/cost-config.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { acknowledgeWildcardResources } from '../constructs/nag-acknowledgements.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import { defaultPolicyOf, type FunctionBuilder } from './backup-function-setup.ts';
import { POOL_CAPACITY_TYPES } from './cluster-node-groups.ts';
import { grantDescribeCluster, grantNodegroups } from './function-grants.ts';
import { grantNodeGroups } from './provision-functions.ts';

/**
 * How each function of the cost workflows (issue 6, docs/cost.md) is deployed: environment, timeout
 * and IAM. They live in the OpsStack's Cost nested stack (cost-stack.ts). Every ops-table grant is
 * confined to the partition keys the handler's core module writes; their Kubernetes rights are
 * their group's RBAC (COST_KUBERNETES_GROUPS below, cluster-manifests/src/rbac.ts COST_GROUPS).
 */

/** Every handler of the cost workflows, the shared notify included. */
export const COST_HANDLERS = [
  ...new Set([
    ...OFF_HOURS_HANDLERS,
    ...SPOT_MIGRATION_HANDLERS,
    ...SPOT_INTERRUPTION_HANDLERS,
    ...COST_OPTIMISE_HANDLERS,
  ]),
];
type CostHandler = (typeof COST_HANDLERS)[number];

/** The parent stack's functions the cost workflows share: one per environment, named after it. */
export const SHARED_HANDLERS = ['notify', 'request-approval'] as const;
type SharedHandler = (typeof SHARED_HANDLERS)[number];

/** Every cost handler but the shared ones. */
export const COST_FUNCTION_NAMES = COST_HANDLERS.filter(
  (name): name is Exclude<CostHandler, SharedHandler> =>
    !(SHARED_HANDLERS as readonly string[]).includes(name),
);
export type CostFunctionName = (typeof COST_FUNCTION_NAMES)[number];

const COST_FUNCTION_NAME_SET: ReadonlySet<string> = new Set(COST_FUNCTION_NAMES);

export function isCostFunctionName(name: string): name is CostFunctionName {
  return COST_FUNCTION_NAME_SET.has(name);
}

/**
 * The Kubernetes group each cost function acts as: a workflow's reads share one, a step that writes
 * has its own (test/cluster-manifests/src/rbac-cost.test.ts runs each step's calls as its group).
 */
export const COST_KUBERNETES_GROUPS: readonly {
  readonly group: string;
  readonly handlers: readonly CostFunctionName[];
}[] = [
  { group: COST_GROUPS.rightsizing, handlers: ['recommend-rightsizing', 'plan-rightsizing'] },
  { group: COST_GROUPS.rightsizingChange, handlers: ['apply-rightsizing', 'rollback-rightsizing'] },
  { group: COST_GROUPS.offHours, handlers: ['plan-off-hours', 'check-off-hours-progress'] },
  { group: COST_GROUPS.offHoursScale, handlers: ['scale-off-hours-workloads'] },
  {
    group: COST_GROUPS.spotMigration,
    handlers: [
      'plan-spot-migration',
      'check-spot-node-group',
      'retire-spot-source-node-group',
      'verify-spot-migration',
    ],
  },
  { group: COST_GROUPS.spotUncordon, handlers: ['ensure-spot-node-group'] },
  { group: COST_GROUPS.spotDrain, handlers: ['drain-spot-source-nodes', 'drain-spot-interrupted-node'] },
  { group: COST_GROUPS.spotInterruption, handlers: ['find-spot-interrupted-node'] },
];

/**
 * Functions that name the cluster (CLUSTER_NAME) to the EKS API only (its status, its node groups)
 * and never call Kubernetes: no access entry at all.
 */
export const EKS_ONLY_COST_FUNCTIONS: readonly CostFunctionName[] = [
  'preflight-off-hours',
  'resize-off-hours-node-groups',
];

export interface CostFunctionSetup {
  readonly config: EnvironmentConfig;
  /** The report bucket: right-sizing's recommendations (`rightsizing/`) and the reports (`cost-optimise/`). */
  readonly reportBucket?: IBucket;
  readonly kubernetes: { CLUSTER_NAME: string; PLATFORM_LAYOUT?: string };
  readonly opsTableName: string;
  readonly grantOpsTableItems: (
    fn: OpsFunction,
    actions: readonly string[],
    partitionKeyPatterns: string | readonly string[],
  ) => void;
}

/** The partition keys of the cost workflows' items in the ops table (each written by one core module). */
export const COST_ITEMS = {
  /** functions/core/cost/off-hours/lease.ts through core/locks/lease-lock.ts. */
  offHoursLeases: lockKey(OFF_HOURS_LEASE_SCOPE, '*'),
  /** functions/core/cost/off-hours/snapshot-store.ts: one saved state per environment. */
  offHoursSnapshots: 'OFFHOURS#*',
  offHoursAudit: `${auditPartitionKey(OFF_HOURS_WORKFLOW, '')}*`,
  /** functions/core/cost/spot/lease.ts: one lease per cluster and pool. */
  spotMigrationLeases: lockKey(SPOT_MIGRATION_LEASE_SCOPE, '*'),
  spotMigrationAudit: `${auditPartitionKey(SPOT_MIGRATION_WORKFLOW, '')}*`,
  spotInterruptionAudit: `${auditPartitionKey(SPOT_INTERRUPTION_WORKFLOW, '')}*`,
  /** functions/core/cost/apply/lease.ts: one lease per environment. */
  rightsizingLeases: lockKey(RIGHTSIZING_LEASE_SCOPE, '*'),
  /** functions/core/cost/apply/history.ts: the applied changes of each workload container. */
  rightsizingHistory: 'RIGHTSIZING#*',
  costOptimiseAudit: `${auditPartitionKey(COST_OPTIMISE_WORKFLOW, '')}*`,
} as const;

/** Where the recommend step writes its lists and the report step its report (functions/core/cost). */
const RECOMMENDATIONS_PREFIX = `${RESULT_PREFIX}/`;
const REPORTS_PREFIX = 'cost-optimise/';

/** Object actions below one prefix of the report bucket, the prefix's wildcard acknowledged with its reason. */
function grantReportObjects(
  fn: OpsFunction,
  bucket: IBucket,
  action: 's3:GetObject' | 's3:PutObject',
  prefix: string,
) {
  const resource = `${bucket.bucketArn}/${prefix}*`;
  fn.addToRolePolicy(new PolicyStatement({ actions: [action], resources: [resource] }));
  acknowledgeWildcardResources(
    defaultPolicyOf(fn),
    [resource],
    `${action} below ${prefix} of the cost report bucket; keys name the run (execution) and workloads`,
  );
}

/** The recommend step: every workload's listing, four concurrent Prometheus queries, the S3 writes. */
const RECOMMEND_STEP = Duration.minutes(3);

/** One batch of nodes drained within PodDisruptionBudgets (SPOT_DRAIN_BATCH_TIMEOUT_SECONDS, 300) and margin. */
const DRAIN_STEP = Duration.minutes(7);

/** A Kubernetes step: a handful of API calls, each with a 10 s deadline. */
const KUBERNETES_STEP = Duration.seconds(60);
/** A step that patches every workload of the scope, one call each. */
const WORKLOADS_STEP = Duration.minutes(3);
/** A DynamoDB step: a few item operations. */
const TABLE_STEP = Duration.seconds(15);

/** What OFF_HOURS_SETTINGS carries for this environment (all defaults when off-hours is not configured). */
export function offHoursSettings(config: EnvironmentConfig): string {
  return config.offHours ? offHoursSettingsVariable(config.offHours) : '{}';
}

const SPOT_MIGRATION_STEPS = {
  'ensure-spot-node-group':
    'spot-migration: create the new node group like the old one, on the other capacity type',
  'check-spot-node-group': 'spot-migration: whether the new group is ACTIVE and its Nodes Ready',
  'drain-spot-source-nodes':
    "spot-migration: cordon the old pool's nodes and drain a batch within PodDisruptionBudgets",
  'retire-spot-source-node-group': 'spot-migration: scale the emptied old group to zero and delete it',
} as const;

/**
 * COST_PRICING: each pool priced by its node group's first instance type, at the capacity type the
 * ClusterStack gives the pool; work that names no pool is priced on the system pool.
 */
export function costPricingOf(cost: CostConfig, nodeGroups: PricedNodeGroups): CostPricing {
  const pools = Object.fromEntries(
    Object.entries(nodeGroups).map(([pool, group]) => {
      const instanceType = group.instanceTypes[0] ?? '';
      const price = cost.instancePrices[instanceType];
      if (!price) throw new Error(`cost.instancePrices has no price for ${instanceType} (pool ${pool})`);
      const capacityType: `${CapacityType}` = POOL_CAPACITY_TYPES[pool as NodePoolName] ?? 'ON_DEMAND';
      return [pool, { instanceType, ...price, capacityType }];
    }),
  );
  return { pools, defaultPool: 'system', cpuToMemoryPriceRatio: DEFAULT_CPU_TO_MEMORY_PRICE_RATIO };
}

function requireReportBucket(setup: CostFunctionSetup, name: string): IBucket {
  if (!setup.reportBucket)
    throw new Error(`${name} needs the cost report bucket (OpsFunctionDependencies.costReportBucket)`);
  return setup.reportBucket;
}

/** The lease outlives a cost-optimise run: its approval wait and watch period as configured. */
export function costOptimiseLeaseTtlOf(config: EnvironmentConfig): Duration {
  return costOptimiseLeaseTtl({
    approvalTimeout: Duration.minutes(config.cost.approvalTimeoutMinutes),
    watchPeriod: Duration.minutes(config.cost.watchMinutes),
  });
}

export function createCostFunction(
  name: CostFunctionName,
  build: FunctionBuilder,
  setup: CostFunctionSetup,
): OpsFunction {
  const { config, kubernetes, opsTableName } = setup;
  const table = { OPS_TABLE_NAME: opsTableName };
  const audit = { ...table, ENVIRONMENT_NAME: config.name };
  const settings = { OFF_HOURS_SETTINGS: offHoursSettings(config) };
  const describeCluster = (fn: OpsFunction, extraActions: string[] = []) =>
    grantDescribeCluster(fn, config.clusterName, extraActions);

  switch (name) {
    case 'preflight-off-hours': {
      const fn = build({
        environmentSchema: offHoursPreflightHandlerEnvironment,
        reaches: [],
        environment: { CLUSTER_NAME: config.clusterName, ENVIRONMENT_NAME: config.name },
        timeout: TABLE_STEP,
        description: 'off-hours: validate the request, refuse production, require the cluster ACTIVE',
      });
      describeCluster(fn);
      return fn;
    }
    case 'acquire-off-hours-lease':
    case 'release-off-hours-lease': {
      const acquire = name === 'acquire-off-hours-lease';
      const fn = build({
        environmentSchema: acquire ? offHoursLeaseHandlerEnvironment : releaseLockHandlerEnvironment,
        reaches: [],
        environment: {
          ...table,
          ...(acquire ? { OFF_HOURS_LEASE_TTL_SECONDS: String(OFF_HOURS_LEASE_TTL.toSeconds()) } : {}),
        },
        timeout: TABLE_STEP,
        description: `off-hours: ${acquire ? 'take' : 'release'} the environment's lease`,
      });
      setup.grantOpsTableItems(
        fn,
        acquire ? ['dynamodb:PutItem', 'dynamodb:GetItem'] : ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
        COST_ITEMS.offHoursLeases,
      );
      return fn;
    }
    case 'plan-off-hours': {
      const fn = build({
        environmentSchema: offHoursPlanHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: { ...kubernetes, ...table, ...settings },
        timeout: KUBERNETES_STEP,
        description:
          'off-hours: plan the sleep or the wake from the cluster, the node groups and the saved state',
      });
      describeCluster(fn, ['eks:ListNodegroups']);
      grantNodegroups(fn, config.clusterName);
      setup.grantOpsTableItems(fn, ['dynamodb:GetItem'], COST_ITEMS.offHoursSnapshots);
      return fn;
    }
    case 'save-off-hours-snapshot': {
      const fn = build({
        environmentSchema: auditHandlerEnvironment,
        reaches: [],
        environment: audit,
        timeout: TABLE_STEP,
        description: 'off-hours: save the replica counts, suspend flags and node group sizes before sleeping',
      });
      setup.grantOpsTableItems(fn, ['dynamodb:PutItem', 'dynamodb:GetItem'], COST_ITEMS.offHoursSnapshots);
      setup.grantOpsTableItems(fn, ['dynamodb:UpdateItem'], COST_ITEMS.offHoursAudit);
      return fn;
    }
    case 'scale-off-hours-workloads': {
      const fn = build({
        environmentSchema: offHoursClusterHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: { ...kubernetes, ...settings },
        timeout: WORKLOADS_STEP,
        description: 'off-hours: scale workloads to zero and suspend CronJobs, or restore them',
      });
      describeCluster(fn);
      return fn;
    }
    case 'resize-off-hours-node-groups': {
      const fn = build({
        environmentSchema: offHoursClusterHandlerEnvironment,
        reaches: [],
        environment: { ...kubernetes, ...settings },
        timeout: KUBERNETES_STEP,
        description: 'off-hours: shrink the node groups, or restore their saved sizes',
      });
      describeCluster(fn, ['eks:ListNodegroups']);
      grantNodegroups(fn, config.clusterName, ['eks:DescribeNodegroup', 'eks:UpdateNodegroupConfig']);
      return fn;
    }
    case 'check-off-hours-progress': {
      const fn = build({
        environmentSchema: offHoursClusterHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: { ...kubernetes, ...settings },
        timeout: KUBERNETES_STEP,
        description:
          'off-hours: whether the pods and nodes are gone, or the nodes Ready and the rollouts done',
      });
      describeCluster(fn, ['eks:ListNodegroups']);
      grantNodegroups(fn, config.clusterName);
      return fn;
    }
    case 'finish-off-hours': {
      const fn = build({
        environmentSchema: auditHandlerEnvironment,
        reaches: [],
        environment: audit,
        timeout: TABLE_STEP,
        description: 'off-hours: mark the environment asleep, or clear the saved state after a wake',
      });
      setup.grantOpsTableItems(
        fn,
        ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        COST_ITEMS.offHoursSnapshots,
      );
      return fn;
    }
    case 'plan-spot-migration':
    case 'verify-spot-migration': {
      const plan = name === 'plan-spot-migration';
      const fn = build({
        environmentSchema: kubernetesHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: kubernetes,
        timeout: KUBERNETES_STEP,
        description: plan
          ? "spot-migration: preflight and plan from the pool's node groups and Nodes"
          : 'spot-migration: the pool runs on the new capacity type and nothing is left on the old nodes',
      });
      describeCluster(fn);
      grantNodeGroups(fn, config.clusterName, false);
      return fn;
    }
    case 'acquire-spot-migration-lease':
    case 'release-spot-migration-lease': {
      const acquire = name === 'acquire-spot-migration-lease';
      const fn = build({
        environmentSchema: acquire ? spotMigrationLeaseHandlerEnvironment : releaseLockHandlerEnvironment,
        reaches: [],
        environment: {
          ...table,
          ...(acquire
            ? { SPOT_MIGRATION_LEASE_TTL_SECONDS: String(SPOT_MIGRATION_LEASE_TTL.toSeconds()) }
            : {}),
        },
        timeout: TABLE_STEP,
        description: `spot-migration: ${acquire ? 'take' : 'release'} the pool's lease`,
      });
      setup.grantOpsTableItems(
        fn,
        acquire ? ['dynamodb:PutItem', 'dynamodb:GetItem'] : ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
        COST_ITEMS.spotMigrationLeases,
      );
      return fn;
    }
    case 'ensure-spot-node-group':
    case 'check-spot-node-group':
    case 'drain-spot-source-nodes':
    case 'retire-spot-source-node-group': {
      const fn = build({
        environmentSchema: spotMigrationClusterHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: kubernetes,
        timeout: name === 'drain-spot-source-nodes' ? DRAIN_STEP : KUBERNETES_STEP,
        description: SPOT_MIGRATION_STEPS[name],
      });
      describeCluster(fn);
      if (name === 'ensure-spot-node-group') {
        // Created like the old group (provision's CreateNodegroup and PassRole to EKS), tagged like it.
        grantNodeGroups(fn, config.clusterName, true, ['eks:TagResource']);
      } else if (name === 'retire-spot-source-node-group') {
        grantNodeGroups(fn, config.clusterName, false, ['eks:UpdateNodegroupConfig', 'eks:DeleteNodegroup']);
      } else if (name === 'check-spot-node-group') {
        grantNodeGroups(fn, config.clusterName, false);
      }
      return fn;
    }
    case 'build-spot-migration-report':
      return build({
        environmentSchema: powertoolsEnvironment,
        reaches: [],
        environment: {},
        timeout: TABLE_STEP,
        description: 'spot-migration: the report of the run',
      });
    case 'record-spot-migration-audit':
    case 'record-spot-interruption-audit': {
      const migration = name === 'record-spot-migration-audit';
      const fn = build({
        environmentSchema: auditHandlerEnvironment,
        reaches: [],
        environment: audit,
        timeout: TABLE_STEP,
        description: `${migration ? 'spot-migration' : 'spot-interruption'}: write the outcome to the audit trail`,
      });
      setup.grantOpsTableItems(
        fn,
        ['dynamodb:UpdateItem'],
        migration ? COST_ITEMS.spotMigrationAudit : COST_ITEMS.spotInterruptionAudit,
      );
      return fn;
    }
    case 'find-spot-interrupted-node': {
      const fn = build({
        environmentSchema: kubernetesHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: kubernetes,
        timeout: KUBERNETES_STEP,
        description: "spot-interruption: the Node of the notice's instance, if it is one of this cluster's",
      });
      describeCluster(fn);
      return fn;
    }
    case 'drain-spot-interrupted-node': {
      const fn = build({
        environmentSchema: spotInterruptionHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: kubernetes,
        timeout: DRAIN_STEP,
        description: 'spot-interruption: cordon and drain the Node before its instance goes',
      });
      describeCluster(fn);
      return fn;
    }
    case 'validate-rightsizing-request':
      return build({
        environmentSchema: powertoolsEnvironment,
        reaches: [],
        environment: {},
        timeout: TABLE_STEP,
        description: 'cost-optimise: validate the request',
      });
    case 'acquire-rightsizing-lease':
    case 'release-rightsizing-lease': {
      const acquire = name === 'acquire-rightsizing-lease';
      const fn = build({
        environmentSchema: rightsizingLeaseHandlerEnvironment,
        reaches: [],
        environment: {
          ...audit,
          RIGHTSIZING_LEASE_TTL_SECONDS: String(costOptimiseLeaseTtlOf(config).toSeconds()),
        },
        timeout: TABLE_STEP,
        description: `cost-optimise: ${acquire ? 'take' : 'release'} the environment's lease`,
      });
      setup.grantOpsTableItems(
        fn,
        acquire ? ['dynamodb:PutItem', 'dynamodb:GetItem'] : ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
        COST_ITEMS.rightsizingLeases,
      );
      return fn;
    }
    case 'recommend-rightsizing': {
      const bucket = requireReportBucket(setup, name);
      const fn = build({
        environmentSchema: recommendRightsizingHandlerEnvironment,
        reaches: ['kubernetes-api', 'prefect-api', 'prometheus-api'],
        environment: {
          ...kubernetes,
          PREFECT_API_URL: config.performance.prefectApiUrl,
          PROMETHEUS_URL: config.remediation.prometheusUrl,
          COST_PRICING: JSON.stringify(costPricingOf(config.cost, config.cluster.nodeGroups)),
          COST_RIGHTSIZING: JSON.stringify(config.cost.rightsizing),
          COST_REPORT_BUCKET_NAME: bucket.bucketName,
        },
        timeout: RECOMMEND_STEP,
        description:
          'cost-optimise: right-sizing recommendations from Prometheus usage, to the report bucket',
      });
      describeCluster(fn);
      grantReportObjects(fn, bucket, 's3:PutObject', RECOMMENDATIONS_PREFIX);
      return fn;
    }
    case 'plan-rightsizing': {
      const bucket = requireReportBucket(setup, name);
      const fn = build({
        environmentSchema: planRightsizingHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: { ...kubernetes, ...audit, RIGHTSIZING_APPLY: JSON.stringify(config.cost.apply) },
        timeout: KUBERNETES_STEP,
        description: 'cost-optimise: the recommendations through the guardrails into changes and skips',
      });
      describeCluster(fn);
      grantReportObjects(fn, bucket, 's3:GetObject', RECOMMENDATIONS_PREFIX);
      setup.grantOpsTableItems(fn, ['dynamodb:Query'], COST_ITEMS.rightsizingHistory);
      return fn;
    }
    case 'apply-rightsizing':
    case 'rollback-rightsizing': {
      const apply = name === 'apply-rightsizing';
      const fn = build({
        environmentSchema: changeRightsizingHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: { ...kubernetes, ...table },
        timeout: WORKLOADS_STEP,
        description: apply
          ? 'cost-optimise: patch the planned resources (server-side dry run first), record history and audit'
          : 'cost-optimise: restore the saved resources of the workloads the watch condemned',
      });
      describeCluster(fn);
      setup.grantOpsTableItems(
        fn,
        [apply ? 'dynamodb:PutItem' : 'dynamodb:UpdateItem'],
        COST_ITEMS.rightsizingHistory,
      );
      setup.grantOpsTableItems(fn, ['dynamodb:UpdateItem'], COST_ITEMS.costOptimiseAudit);
      return fn;
    }
    case 'watch-rightsizing':
      return build({
        environmentSchema: prometheusHandlerEnvironment,
        reaches: ['prometheus-api'],
        environment: { PROMETHEUS_URL: config.remediation.prometheusUrl },
        timeout: KUBERNETES_STEP,
        description: 'cost-optimise: OOM kills and CPU throttling since the change, against before it',
      });
    case 'build-cost-report': {
      const bucket = requireReportBucket(setup, name);
      const fn = build({
        environmentSchema: costReportHandlerEnvironment,
        reaches: [],
        environment: {
          ENVIRONMENT_NAME: config.name,
          COST_PRICING: JSON.stringify(costPricingOf(config.cost, config.cluster.nodeGroups)),
          COST_REPORT_BUCKET_NAME: bucket.bucketName,
        },
        timeout: KUBERNETES_STEP,
        description: 'cost-optimise: report.json, the usage-against-requests SVG and GitOps patches',
      });
      grantReportObjects(fn, bucket, 's3:GetObject', RECOMMENDATIONS_PREFIX);
      grantReportObjects(fn, bucket, 's3:PutObject', REPORTS_PREFIX);
      return fn;
    }
    case 'record-off-hours-outcome': {
      const fn = build({
        environmentSchema: auditHandlerEnvironment,
        reaches: [],
        environment: audit,
        timeout: TABLE_STEP,
        description: 'off-hours: write the report to the audit trail',
      });
      setup.grantOpsTableItems(fn, ['dynamodb:UpdateItem'], COST_ITEMS.offHoursAudit);
      return fn;
    }
  }
}
