import { ArnFormat, Aws, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { clusterEnvironment } from '../../cluster-manifests/src/environments.ts';
import {
  applyDrManifestsHandlerEnvironment,
  awaitReplicationDrainHandlerEnvironment,
  buildFailoverReportHandlerEnvironment,
  checkDrRolloutHandlerEnvironment,
  checkFailoverGatesHandlerEnvironment,
  fenceDrHandlerEnvironment,
  fenceHandlerEnvironment,
  invokePrimaryAgentHandlerEnvironment,
  powertoolsEnvironment,
  recordFailbackStepHandlerEnvironment,
  recordFailoverStepHandlerEnvironment,
  restoreDrDatabaseHandlerEnvironment,
  resyncFromReplicaHandlerEnvironment,
  scaleDrNodeGroupsHandlerEnvironment,
  scaleDrToStandbyHandlerEnvironment,
  switchTrafficHandlerEnvironment,
  validateDrPlatformHandlerEnvironment,
} from '../../functions/commons/environment.ts';
import { auditPartitionKey } from '../../functions/core/audit/audit-trail.ts';
import { PRIMARY_AGENTS, type PrimaryAgent } from '../../functions/core/dr/primary-agent/invoke-agent.ts';
import { pendingPartitionKey } from '../../functions/core/dr/replication/pending-journal.ts';
import { provisionEnvironmentVariable } from '../../functions/core/provision/settings.ts';
import { DR_FAILBACK_HANDLERS, RESYNC_FUNCTION_TIMEOUT } from '../../workflows/dr-failback.workflow.ts';
import {
  DR_FAILOVER_DEADLINES,
  DR_FAILOVER_HANDLERS,
  DR_FAILOVER_TASK_TIMEOUTS,
} from '../../workflows/dr-failover.workflow.ts';
import { drClusterName } from '../config/dr-config.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { acknowledgeWildcardResources } from '../constructs/nag-acknowledgements.ts';
import type { OpsFunction } from '../constructs/ops-function.ts';
import {
  BackupBucketAccess,
  type BackupFunctionSetup,
  defaultPolicyOf,
  type FunctionBuilder,
  grantOpsTableItems,
  POSTGRES,
} from './backup-function-setup.ts';
import { replicaBucketName } from './backup-naming.ts';
import { DR_FAILOVER_NODE_GROUP_SIZES, drStandbyNodeGroupSizes } from './dr-cluster-site.ts';
import { grantDescribeCluster } from './function-grants.ts';
import { SERVICE_NAME } from './ops-functions.ts';
import { provisionNodeGroupsVariable } from './provision-functions.ts';

/**
 * How each function of dr-failover and dr-failback (issue 5, docs/dr.md) is deployed. The workflows
 * and the functions that act on the DR side run in drRegion (the DrStack: the DR control plane);
 * the three that act on the primary (fence-primary, lift-fence, resync-from-replica: its
 * "agents") stay in the primary region next to MinIO and Prefect (the OpsStack's DrAgents nested
 * stack), and the workflows reach them through invoke-primary-agent. Every ops-table grant is
 * confined to the partition keys the handler's core writes. Kubernetes rights: the agents act on
 * the primary as `lakehouse-ops:dr:fence`; the DR functions' groups on the DR cluster are in
 * cluster-manifests/src/rbac.ts.
 */
/** The OpsStack's own functions the DR workflows share. */
const SHARED_HANDLERS: ReadonlySet<string> = new Set(['notify', 'request-approval']);

/** The DR control plane's own functions (drRegion). */
export const DR_CONTROL_HANDLERS = [
  ...new Set([...DR_FAILOVER_HANDLERS, ...DR_FAILBACK_HANDLERS].filter((name) => !SHARED_HANDLERS.has(name))),
] as DrControlFunctionName[];
export type DrControlFunctionName = Exclude<
  (typeof DR_FAILOVER_HANDLERS)[number] | (typeof DR_FAILBACK_HANDLERS)[number],
  'notify' | 'request-approval'
>;
/** The primary region's agents (the OpsStack's DrAgents nested stack). */
export const DR_AGENT_HANDLERS: readonly PrimaryAgent[] = PRIMARY_AGENTS;
export type DrFunctionName = DrControlFunctionName | PrimaryAgent;
export const DR_HANDLERS: readonly DrFunctionName[] = [...DR_CONTROL_HANDLERS, ...DR_AGENT_HANDLERS];

export function isDrFunctionName(name: string): name is DrFunctionName {
  return (DR_HANDLERS as readonly string[]).includes(name);
}

export interface DrFunctionSetup {
  readonly config: EnvironmentConfig;
  readonly backup: BackupFunctionSetup;
  readonly minio: Record<'MINIO_ENDPOINT' | 'MINIO_CREDENTIALS_SECRET_ID', string>;
  readonly kubernetes: { CLUSTER_NAME: string; PLATFORM_LAYOUT?: string };
  readonly grantMinio: (fn: OpsFunction) => void;
}

/** A Lambda timeout a second under its task's: the function's own error reaches the workflow first. */
function under(taskTimeout: Duration): Duration {
  return Duration.seconds(Math.max(3, taskTimeout.toSeconds() - 1));
}

export function createDrFunction(
  name: DrFunctionName,
  build: FunctionBuilder,
  setup: DrFunctionSetup,
): OpsFunction {
  const { config, backup } = setup;
  const env = config.name;
  const opsTable = { OPS_TABLE_NAME: backup.resources.opsTable.tableName };
  const named = { ...opsTable, ENVIRONMENT_NAME: env };
  const buckets = { BACKUP_SOURCE_BUCKETS: config.backup.sourceBuckets.join(',') };
  const drCluster = { DR_REGION: config.drRegion, DR_CLUSTER_NAME: drClusterName(config) };
  const layout = setup.kubernetes.PLATFORM_LAYOUT
    ? { PLATFORM_LAYOUT: setup.kubernetes.PLATFORM_LAYOUT }
    : {};
  const manifests = { PROVISION_ENVIRONMENT: provisionEnvironmentVariable(clusterEnvironment(config)) };
  const replica = { REPLICA_BUCKET_NAME: replicaBucketName(config), REPLICA_BUCKET_REGION: config.drRegion };
  const traffic = { DR_TRAFFIC: JSON.stringify(config.dr.traffic) };
  // The standby's pools at failover: the primary's sizes, but the storage pool runs PostgreSQL only.
  const drNodeGroupSizes = { DR_NODE_GROUP_SIZES: JSON.stringify(DR_FAILOVER_NODE_GROUP_SIZES) };
  // The DR cluster pulls every image through this account's ECR in drRegion (the pull-through
  // cache), and the images gate checks exactly those references.
  const drRegistry = { DR_ECR_REGISTRY_ID: Aws.ACCOUNT_ID };
  const timeouts = DR_FAILOVER_TASK_TIMEOUTS;
  const items = (fn: OpsFunction, actions: readonly string[], patterns: readonly string[]) =>
    grantOpsTableItems(fn, backup.resources, actions, patterns);
  const journal = [`FAILOVER#${env}`, `FAILOVER#${env}#*`];
  const journalActions = [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
  ];

  switch (name) {
    case 'invoke-primary-agent': {
      const fn = build({
        environmentSchema: invokePrimaryAgentHandlerEnvironment,
        // The primary region's Lambda API, a public AWS endpoint: no VPC needed.
        reaches: [],
        environment: {
          PRIMARY_REGION: config.region,
          PRIMARY_AGENT_FUNCTION_PREFIX: `${SERVICE_NAME}-${env}-`,
        },
        // The longest agent call (a resync pass) and the margin it keeps; Lambda's limit.
        timeout: Duration.minutes(15),
        description:
          'DR control plane: invoke fence-primary, lift-fence or resync-from-replica in the primary region',
      });
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: PRIMARY_AGENTS.map((agent) =>
            Stack.of(fn).formatArn({
              service: 'lambda',
              region: config.region,
              resource: 'function',
              // The OpsStack's function names (ops-functions.ts): `lakehouse-ops-<env>-<handler>`.
              resourceName: `${SERVICE_NAME}-${env}-${agent}`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ),
        }),
      );
      return fn;
    }
    case 'validate-failover-request':
      return build({
        environmentSchema: powertoolsEnvironment,
        reaches: [],
        environment: {},
        timeout: under(timeouts.validateRequest),
        description: 'dr-failover: validate the input',
      });
    case 'record-failover-step':
    case 'record-failback-step': {
      const failback = name === 'record-failback-step';
      const fn = build({
        environmentSchema: failback
          ? recordFailbackStepHandlerEnvironment
          : recordFailoverStepHandlerEnvironment,
        reaches: [],
        environment: named,
        timeout: under(timeouts.journal),
        description: `dr-${failback ? 'failback' : 'failover'}: the step journal (a re-run continues, no step twice)`,
      });
      items(fn, journalActions, journal);
      return fn;
    }
    case 'check-failover-gates': {
      const fn = build({
        environmentSchema: checkFailoverGatesHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: {
          ...opsTable,
          ...buckets,
          ...drCluster,
          DR_RPO_SECONDS: String(config.dr.rpoSeconds),
          DR_VERIFY_BACKUP_MAX_AGE_HOURS: String(config.dr.verifyBackupMaxAgeHours),
          PROVISION_NODE_GROUPS: provisionNodeGroupsVariable(config),
          ...drNodeGroupSizes,
          ...drRegistry,
        },
        timeout: under(timeouts.gates),
        description:
          'dr-failover: the gates (replication lag, verified backup, DR cluster, node groups, images)',
      });
      items(fn, ['dynamodb:Query'], [pendingPartitionKey('*')]);
      // The verify-backup verdicts, found by day on the audit index (its key is the day, not a target).
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [`${backup.resources.opsTable.tableArn}/index/audit-by-time`],
        }),
      );
      grantDrCluster(fn, config, ['eks:ListNodegroups'], ['eks:DescribeNodegroup']);
      grantDrImages(fn, config);
      return fn;
    }
    case 'fence-primary':
    case 'lift-fence': {
      const fn = build({
        environmentSchema: fenceHandlerEnvironment,
        reaches: ['kubernetes-api', 'minio-s3', 'prefect-api'],
        environment: {
          ...named,
          ...setup.kubernetes,
          ...setup.minio,
          ...buckets,
          PREFECT_API_URL: config.performance.prefectApiUrl,
        },
        // Called through invoke-primary-agent, which waits the fence task's timeout less 2 s: the
        // agent's own timeout ends first, so its error, not the proxy's "unreachable", is the answer.
        timeout: timeouts.fence.minus(Duration.seconds(5)),
        description:
          name === 'fence-primary'
            ? 'dr-failover: fence the primary (Prefect paused, writers at zero, buckets read-only), saving what it changes'
            : 'dr-failover / dr-failback: lift the fence, restoring exactly what was saved',
      });
      items(
        fn,
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        [`FENCE#${env}#*`],
      );
      // The buckets step measures the lag at fencing (the RPO).
      items(fn, ['dynamodb:Query'], [pendingPartitionKey('*')]);
      grantDescribeCluster(fn, config.clusterName);
      setup.grantMinio(fn);
      return fn;
    }
    case 'await-replication-drain': {
      const fn = build({
        environmentSchema: awaitReplicationDrainHandlerEnvironment,
        reaches: [],
        environment: {
          ...named,
          ...buckets,
          DR_DRAIN_TIMEOUT_SECONDS: String(DR_FAILOVER_DEADLINES.drain.toSeconds()),
        },
        timeout: under(timeouts.drainLook),
        description: 'dr-failover: one look at the replication journal until it is drained (and the RPO)',
      });
      items(fn, ['dynamodb:GetItem', 'dynamodb:Query'], [`FENCE#${env}#*`, pendingPartitionKey('*')]);
      return fn;
    }
    case 'scale-dr-node-groups':
    case 'scale-dr-to-standby': {
      const standby = name === 'scale-dr-to-standby';
      const fn = standby
        ? build({
            environmentSchema: scaleDrToStandbyHandlerEnvironment,
            reaches: ['kubernetes-api'],
            environment: {
              ...drCluster,
              ...layout,
              ...manifests,
              DR_STANDBY_NODE_GROUP_SIZES: JSON.stringify(drStandbyNodeGroupSizes(config.cluster.nodeGroups)),
            },
            timeout: Duration.minutes(1),
            description:
              'dr-failback: the DR side back to standby (workloads, database reset, node groups at minimum)',
          })
        : build({
            environmentSchema: scaleDrNodeGroupsHandlerEnvironment,
            reaches: [],
            environment: {
              ...drCluster,
              PROVISION_NODE_GROUPS: provisionNodeGroupsVariable(config),
              ...drNodeGroupSizes,
              DR_NODE_GROUP_TIMEOUT_SECONDS: String(DR_FAILOVER_DEADLINES.nodeGroups.toSeconds()),
            },
            timeout: under(timeouts.nodeGroups),
            description: 'dr-failover: the DR node groups to the primary sizes (one look per call)',
          });
      grantDrCluster(
        fn,
        config,
        ['eks:ListNodegroups'],
        ['eks:DescribeNodegroup', 'eks:UpdateNodegroupConfig'],
      );
      return fn;
    }
    case 'apply-dr-manifests':
    case 'check-dr-rollout': {
      const apply = name === 'apply-dr-manifests';
      const fn = apply
        ? build({
            environmentSchema: applyDrManifestsHandlerEnvironment,
            reaches: ['kubernetes-api'],
            environment: {
              ...drCluster,
              ...layout,
              ...manifests,
              REPLICA_BUCKET_NAME: replicaBucketName(config),
              DR_ROLLOUT_TIMEOUT_SECONDS: String(DR_FAILOVER_DEADLINES.rollout.toSeconds()),
              ...drRegistry,
            },
            timeout: under(timeouts.applyStage),
            description:
              'dr-failover: server-side apply of one stage of the DR manifests (the replica as object store)',
          })
        : build({
            environmentSchema: checkDrRolloutHandlerEnvironment,
            reaches: ['kubernetes-api'],
            environment: drCluster,
            timeout: under(timeouts.rolloutLook),
            description: "dr-failover: one look at a stage's rollouts on the DR cluster",
          });
      grantDrCluster(fn, config);
      return fn;
    }
    case 'restore-dr-database': {
      const fn = build({
        environmentSchema: restoreDrDatabaseHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: {
          ...drCluster,
          ...layout,
          ...manifests,
          ...backup.bucketEnvironment,
          // Past this one call ends with PostgresJobTimeoutError; the next re-attaches to the Job.
          DR_RESTORE_JOB_WAIT_SECONDS: String(timeouts.restore.toSeconds() - 30),
          ...drRegistry,
        },
        timeout: under(timeouts.restore),
        description: "dr-failover: restore Prefect's newest dump into the DR PostgreSQL (once per failover)",
      });
      backup.grantBucket(fn).existenceChecks().read([POSTGRES]).decrypt();
      grantDrCluster(fn, config);
      return fn;
    }
    case 'switch-traffic':
    case 'validate-dr-platform': {
      const validate = name === 'validate-dr-platform';
      const fn = validate
        ? build({
            environmentSchema: validateDrPlatformHandlerEnvironment,
            reaches: ['kubernetes-api', 'prefect-api'],
            environment: {
              ...named,
              ...traffic,
              ...drCluster,
              ...layout,
              ...manifests,
              ...replica,
              DR_PREFECT_API_URL: config.dr.prefectApiUrl,
            },
            timeout: under(timeouts.validation),
            description:
              'dr-failover: validate the lakehouse on the DR side (nodes, Prefect, PostgreSQL, object store, DNS)',
          })
        : build({
            environmentSchema: switchTrafficHandlerEnvironment,
            reaches: [],
            environment: { ...named, ...traffic },
            timeout: under(timeouts.trafficLook),
            description:
              "dr-failover / dr-failback: point the platform's records at one region (drill: the drill records)",
          });
      items(fn, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [`TRAFFIC#${env}#*`]);
      grantRoute53(fn, config, !validate);
      if (validate) {
        grantDrCluster(fn, config);
        new BackupBucketAccess(
          fn,
          config,
          replicaBucketName(config),
          'the replica bucket layout (docs/dr.md)',
        )
          .objects(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], ['probes/'])
          .decrypt()
          .encrypt();
      }
      return fn;
    }
    case 'build-failover-report': {
      const fn = build({
        environmentSchema: buildFailoverReportHandlerEnvironment,
        reaches: [],
        environment: {
          ...named,
          DR_RPO_SECONDS: String(config.dr.rpoSeconds),
          DR_RTO_MINUTES: String(config.dr.rtoMinutes),
        },
        timeout: under(timeouts.report),
        description: 'dr-failover: RTO, RPO and step timings against the targets, audited',
      });
      items(fn, ['dynamodb:GetItem', 'dynamodb:Query'], journal);
      items(fn, ['dynamodb:PutItem'], [`${auditPartitionKey('dr-failover', '')}*`]);
      return fn;
    }
    case 'resync-from-replica': {
      const fn = build({
        environmentSchema: resyncFromReplicaHandlerEnvironment,
        reaches: ['minio-s3'],
        environment: { ...named, ...setup.minio, ...replica, ...buckets },
        timeout: RESYNC_FUNCTION_TIMEOUT,
        memorySize: 1024,
        description: 'dr-failback: copy the replica back into MinIO until the listings agree',
      });
      setup.grantMinio(fn);
      items(fn, ['dynamodb:GetItem', 'dynamodb:Query'], [...journal, `FENCE#${env}#*`]);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [
            Stack.of(fn).formatArn({
              service: 's3',
              region: '',
              account: '',
              resource: replicaBucketName(config),
            }),
          ],
        }),
      );
      new BackupBucketAccess(fn, config, replicaBucketName(config), 'the replica bucket layout (docs/dr.md)')
        .read(config.backup.sourceBuckets.map((bucket) => `${bucket}/`))
        .decrypt();
      return fn;
    }
    case 'fence-dr': {
      const fn = build({
        environmentSchema: fenceDrHandlerEnvironment,
        reaches: ['kubernetes-api', 'prefect-api'],
        environment: { ...named, ...drCluster, ...layout, DR_PREFECT_API_URL: config.dr.prefectApiUrl },
        timeout: Duration.seconds(30),
        description: "dr-failback: fence the DR side's writers and Prefect before the last resync",
      });
      items(
        fn,
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        [`FENCE#${env}#*`],
      );
      grantDrCluster(fn, config);
      return fn;
    }
  }
}

function drClusterArn(fn: OpsFunction, config: EnvironmentConfig, resource = 'cluster', suffix = '') {
  return Stack.of(fn).formatArn({
    service: 'eks',
    region: config.drRegion,
    resource,
    resourceName: `${drClusterName(config)}${suffix}`,
  });
}

/** DescribeCluster (the DR cluster's endpoint and token) and, when asked, its node groups. */
function grantDrCluster(
  fn: OpsFunction,
  config: EnvironmentConfig,
  clusterActions: readonly string[] = [],
  nodegroupActions: readonly string[] = [],
): void {
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['eks:DescribeCluster', ...clusterActions],
      resources: [drClusterArn(fn, config)],
    }),
  );
  if (nodegroupActions.length === 0) return;
  const nodegroups = drClusterArn(fn, config, 'nodegroup', '/*/*');
  fn.addToRolePolicy(new PolicyStatement({ actions: [...nodegroupActions], resources: [nodegroups] }));
  acknowledgeWildcardResources(
    defaultPolicyOf(fn),
    [nodegroups],
    `${nodegroupActions.join(', ')} on the node groups of the one DR cluster; names are discovered at run time and EKS appends a uuid`,
  );
}

/** DescribeImages in the DR region's ECR: the pull-through cache repositories of the manifests' images. */
function grantDrImages(fn: OpsFunction, config: EnvironmentConfig): void {
  const repositories = Stack.of(fn).formatArn({
    service: 'ecr',
    region: config.drRegion,
    resource: 'repository',
    resourceName: '*',
  });
  fn.addToRolePolicy(new PolicyStatement({ actions: ['ecr:DescribeImages'], resources: [repositories] }));
  acknowledgeWildcardResources(
    defaultPolicyOf(fn),
    [repositories],
    "ecr:DescribeImages (read-only) on the DR region's repositories: the images' repositories come from the manifests at run time",
  );
}

/** The hosted zone's records: read by both; changed (and the change and health checks read) by switch-traffic. */
function grantRoute53(fn: OpsFunction, config: EnvironmentConfig, change: boolean): void {
  const { hostedZoneId } = config.dr.traffic as { hostedZoneId: string };
  const zone = `arn:${Stack.of(fn).partition}:route53:::hostedzone/${hostedZoneId}`;
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['route53:ListResourceRecordSets', ...(change ? ['route53:ChangeResourceRecordSets'] : [])],
      resources: [zone],
    }),
  );
  if (!change) return;
  const changes = `arn:${Stack.of(fn).partition}:route53:::change/*`;
  const healthChecks = `arn:${Stack.of(fn).partition}:route53:::healthcheck/*`;
  fn.addToRolePolicy(new PolicyStatement({ actions: ['route53:GetChange'], resources: [changes] }));
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['route53:GetHealthCheckStatus'], resources: [healthChecks] }),
  );
  acknowledgeWildcardResources(
    defaultPolicyOf(fn),
    [changes, healthChecks],
    'Route 53 names a change only in the answer to the change (GetChange polls it), and the health checks are the configured ones, read-only',
  );
}
