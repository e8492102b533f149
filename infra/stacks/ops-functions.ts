import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  flowRunBurstHandlerEnvironment,
  kubernetesHandlerEnvironment,
  minioHandlerEnvironment,
  notificationHandlerEnvironment,
  powertoolsEnvironment,
  prefectApiLatencyHandlerEnvironment,
  reportHandlerEnvironment,
  s5cmdThroughputHandlerEnvironment,
} from '../../functions/commons/environment.ts';
import type { BackupHandler } from '../../workflows/backup.workflow.ts';
import type { ProvisionHandler } from '../../workflows/provision.workflow.ts';
import type { RestoreHandler } from '../../workflows/restore.workflow.ts';
import type { ValidatePlatformHandler } from '../../workflows/validate-platform.workflow.ts';
import type { VerifyBackupHandler } from '../../workflows/verify-backup.workflow.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { type EnvironmentSchema, OpsFunction } from '../constructs/ops-function.ts';
import { functionConstructId } from '../naming.ts';
import {
  type BackupResources,
  backupFunctionSetup,
  grantOpsTableItems,
  type HandlerSettings,
} from './backup-function-setup.ts';
import { createBackupFunction, isBackupFunctionName } from './backup-functions.ts';
import { type CostFunctionName, createCostFunction, isCostFunctionName } from './cost-functions.ts';
import { createDrFunction, type DrFunctionName, isDrFunctionName } from './dr-functions.ts';
import { grantDescribeCluster, grantNodegroups, grantPublish, grantReadSecret } from './function-grants.ts';
import type { OpsNetwork } from './ops-network.ts';
import { createProvisionFunction, isProvisionFunctionName } from './provision-functions.ts';
import { createRecoveryFunction, isRecoveryFunctionName } from './recovery-functions.ts';
import {
  createRemediationFunction,
  isRemediationFunctionName,
  type RemediationFunctionName,
} from './remediation-functions.ts';
import {
  createReplicationFunction,
  isReplicationFunctionName,
  type ReplicationFunctionName,
} from './replication-functions.ts';

/**
 * How each handler is deployed: its environment schema and values, timeout and IAM. The schemas
 * are the ones the handlers validate process.env with (functions/commons/environment.ts).
 *
 * Kubernetes permissions are not IAM: the functions authenticate to the cluster with their role
 * (EKS bearer token), and the OpsStack gives each role an EKS access entry mapping it to its
 * function group's Kubernetes group (infra/stacks/function-access-entries.ts), whose RBAC is in
 * cluster-manifests/src/rbac.ts.
 */
export type OpsHandlerName =
  | ValidatePlatformHandler
  | BackupHandler
  | VerifyBackupHandler
  | RestoreHandler
  | ProvisionHandler
  | RemediationFunctionName
  | CostFunctionName
  | ReplicationFunctionName
  | DrFunctionName;

export const SERVICE_NAME = 'lakehouse-ops';

/** The ops table's name: a global table, the same in the primary region and in drRegion. */
export function opsTableName(config: EnvironmentConfig): string {
  return `${SERVICE_NAME}-${config.name}-ops`;
}
export const METRICS_NAMESPACE = 'LakehouseOps';

export interface OpsFunctionDependencies {
  readonly config: EnvironmentConfig;
  readonly minioCredentials: ISecret;
  readonly notificationTopic: ITopic;
  readonly key: IKey;
  readonly logRetention: RetentionDays;
  /** Places each function that declares a platform endpoint in the cluster's VPC. */
  readonly network: OpsNetwork;
  /**
   * The backup bucket, vault and ops table: needed by the functions of the backup, verify-backup,
   * restore and provision workflows, and (the ops table) by remediation's.
   */
  readonly backup?: BackupResources;
  /** The cost workflows' report bucket (the Cost nested stack's): recommendations and reports. */
  readonly costReportBucket?: IBucket;
  /** The queue between replication-ingress and replicate-objects (the Replication nested stack's). */
  readonly replicationQueue?: IQueue;
  /** The workflows approve-remediation may answer, when not every approving workflow is in this stack's region. */
  readonly approvingWorkflows?: readonly string[];
}

/** The ops table (and the backup resources it comes with), which most workflows' functions need. */
function opsTableOf(name: OpsHandlerName, deps: OpsFunctionDependencies): BackupResources {
  if (!deps.backup)
    throw new Error(`${name}: this function needs the ops table (OpsFunctionDependencies.backup)`);
  return deps.backup;
}

/** Creates the OpsFunction of each named handler, with its least-privilege grants. */
export function createOpsFunctions<Name extends OpsHandlerName>(
  scope: Construct,
  names: readonly Name[],
  deps: OpsFunctionDependencies,
): Record<Name, OpsFunction> {
  const functions = {} as Record<Name, OpsFunction>;
  for (const name of new Set(names)) {
    functions[name] = createOpsFunction(scope, name, deps);
  }
  return functions;
}

function createOpsFunction(
  scope: Construct,
  name: OpsHandlerName,
  deps: OpsFunctionDependencies,
): OpsFunction {
  const { config } = deps;
  // Every handler's settings declare what it reaches (HandlerSettings.reaches): the rule for which
  // functions run in the cluster's VPC lives in ops-network.ts, checked against the schema there.
  const build = <Schema extends EnvironmentSchema>({ reaches, ...settings }: HandlerSettings<Schema>) =>
    new OpsFunction(scope, functionConstructId(name), {
      ...settings,
      network: deps.network.placementFor({
        functionName: name,
        environmentSchema: settings.environmentSchema,
        reaches,
      }),
      entry: `functions/${name}.handler.ts`,
      functionName: `${SERVICE_NAME}-${config.name}-${name}`,
      serviceName: SERVICE_NAME,
      metricsNamespace: METRICS_NAMESPACE,
      logRetention: deps.logRetention,
    });
  const platformLayout = config.platformLayout && JSON.stringify(config.platformLayout);
  const kubernetes = { CLUSTER_NAME: config.clusterName, PLATFORM_LAYOUT: platformLayout };
  const checkTimeout = Duration.seconds(60);
  const { performance } = config;
  const minio = {
    MINIO_ENDPOINT: config.minio.endpoint,
    MINIO_CREDENTIALS_SECRET_ID: config.minio.credentialsSecretName,
  };
  const grantMinio = (fn: OpsFunction) =>
    grantReadSecret(fn, deps.minioCredentials.secretName, 'the one MinIO credentials secret');

  if (isBackupFunctionName(name) || isRecoveryFunctionName(name)) {
    if (!deps.backup) throw new Error(`${name}: the backup functions need OpsFunctionDependencies.backup`);
    const setup = backupFunctionSetup({
      config,
      resources: deps.backup,
      minio,
      kubernetes,
      grantMinio,
      grantDescribeCluster: (fn: OpsFunction) => grantDescribeCluster(fn, config.clusterName),
    });
    return isBackupFunctionName(name)
      ? createBackupFunction(name, build, setup)
      : createRecoveryFunction(name, build, setup);
  }

  if (isProvisionFunctionName(name)) {
    const opsTable = opsTableOf(name, deps);
    return createProvisionFunction(name, build, {
      config,
      kubernetes,
      minio,
      opsTableName: opsTable.opsTable.tableName,
      grantOpsTableItems: (fn, actions, partitionKeyPattern) =>
        grantOpsTableItems(fn, opsTable, actions, partitionKeyPattern),
      grantMinio,
      grantDescribeCluster: (fn: OpsFunction) => grantDescribeCluster(fn, config.clusterName),
    });
  }

  if (isRemediationFunctionName(name)) {
    const opsTable = opsTableOf(name, deps);
    return createRemediationFunction(scope, name, build, {
      config,
      kubernetes,
      opsTableName: opsTable.opsTable.tableName,
      notificationTopic: deps.notificationTopic,
      key: deps.key,
      grantOpsTableItems: (fn, actions, partitionKeyPatterns) =>
        grantOpsTableItems(fn, opsTable, actions, partitionKeyPatterns),
      approvingWorkflows: deps.approvingWorkflows,
    });
  }

  if (isCostFunctionName(name)) {
    const opsTable = opsTableOf(name, deps);
    return createCostFunction(name, build, {
      config,
      kubernetes,
      reportBucket: deps.costReportBucket,
      opsTableName: opsTable.opsTable.tableName,
      grantOpsTableItems: (fn, actions, partitionKeyPatterns) =>
        grantOpsTableItems(fn, opsTable, actions, partitionKeyPatterns),
    });
  }

  if (isDrFunctionName(name)) {
    const backup = backupFunctionSetup({
      config,
      resources: opsTableOf(name, deps),
      minio,
      kubernetes,
      grantMinio,
      grantDescribeCluster: (fn: OpsFunction) => grantDescribeCluster(fn, config.clusterName),
    });
    return createDrFunction(name, build, { config, backup, minio, kubernetes, grantMinio });
  }

  if (isReplicationFunctionName(name)) {
    const opsTable = opsTableOf(name, deps);
    if (!deps.replicationQueue) throw new Error(`${name}: needs OpsFunctionDependencies.replicationQueue`);
    return createReplicationFunction(name, build, {
      config,
      minio,
      opsTableName: opsTable.opsTable.tableName,
      queue: deps.replicationQueue,
      grantMinio,
      grantOpsTableItems: (fn, actions, partitionKeyPatterns) =>
        grantOpsTableItems(fn, opsTable, actions, partitionKeyPatterns),
    });
  }

  switch (name) {
    case 'validate-workflow-input':
      return build({
        environmentSchema: powertoolsEnvironment,
        reaches: [],
        environment: {},
        timeout: Duration.seconds(10),
        description: 'validate-platform: validate the workflow input',
      });
    case 'check-eks-cluster': {
      const fn = build({
        environmentSchema: kubernetesHandlerEnvironment,
        // The EKS API only (cluster and node group status): CLUSTER_NAME without the cluster network.
        reaches: [],
        environment: kubernetes,
        timeout: checkTimeout,
        description: 'validate-platform: EKS cluster and node group status',
      });
      grantDescribeCluster(fn, config.clusterName, ['eks:ListNodegroups']);
      grantNodegroups(fn, config.clusterName);
      return fn;
    }
    case 'check-nodes':
    case 'check-prefect':
    case 'check-minio-statefulset':
    case 'check-s5cmd-executor':
    case 'check-monitoring': {
      const fn = build({
        environmentSchema: kubernetesHandlerEnvironment,
        reaches: ['kubernetes-api'],
        environment: kubernetes,
        timeout: checkTimeout,
        description: `validate-platform: ${name.replace(/^check-/, '')} check (Kubernetes API)`,
      });
      grantDescribeCluster(fn, config.clusterName);
      return fn;
    }
    case 'probe-minio-s3': {
      const fn = build({
        environmentSchema: minioHandlerEnvironment,
        reaches: ['minio-s3'],
        environment: { ...minio, PLATFORM_LAYOUT: platformLayout },
        timeout: checkTimeout,
        description: 'validate-platform: MinIO S3 API write/read/delete probe',
      });
      grantMinio(fn);
      return fn;
    }
    // The performance checks (validate-platform {"performance": true}): workloads and thresholds
    // from config.performance. The throughput Job is created through the Kubernetes API; its
    // result is read from MinIO.
    case 'check-s5cmd-throughput': {
      const fn = build({
        environmentSchema: s5cmdThroughputHandlerEnvironment,
        reaches: ['kubernetes-api', 'minio-s3'],
        environment: {
          ...kubernetes,
          ...minio,
          PERFORMANCE_S5CMD_TRANSFER_MIB: String(performance.s5cmdTransferMiB),
          PERFORMANCE_S5CMD_MIN_MIB_PER_SECOND: String(performance.s5cmdMinMiBPerSecond),
        },
        // The check waits up to 4 minutes for the Job (functions/core/validation/s5cmd-throughput.ts).
        timeout: Duration.minutes(5),
        description: 'validate-platform: s5cmd throughput Job through MinIO against the threshold',
      });
      grantDescribeCluster(fn, config.clusterName);
      grantMinio(fn);
      return fn;
    }
    case 'check-prefect-api-latency':
      return build({
        environmentSchema: prefectApiLatencyHandlerEnvironment,
        reaches: ['prefect-api'],
        environment: {
          PREFECT_API_URL: performance.prefectApiUrl,
          PERFORMANCE_PREFECT_API_REQUESTS: String(performance.prefectApiRequests),
          PERFORMANCE_PREFECT_API_P95_MS: String(performance.prefectApiP95Ms),
        },
        // Every request has a 10 s deadline; the threshold is far below it.
        timeout: Duration.minutes(2),
        description: 'validate-platform: Prefect API p95 response time against the threshold',
      });
    case 'check-flow-run-burst':
      return build({
        environmentSchema: flowRunBurstHandlerEnvironment,
        reaches: ['prefect-api'],
        environment: {
          PREFECT_API_URL: performance.prefectApiUrl,
          PERFORMANCE_FLOW_RUN_BURST_DEPLOYMENT: performance.flowRunBurst.deployment,
          PERFORMANCE_FLOW_RUN_BURST_COUNT: String(performance.flowRunBurst.count),
          PERFORMANCE_FLOW_RUN_BURST_MAX_SECONDS: String(performance.flowRunBurst.maxSeconds),
        },
        // The threshold, plus time to create the runs and cancel what did not finish.
        timeout: Duration.seconds(performance.flowRunBurst.maxSeconds + 60),
        description: 'validate-platform: a burst of concurrent flow runs against the threshold',
      });
    case 'build-validation-report':
      return build({
        environmentSchema: reportHandlerEnvironment,
        reaches: [],
        environment: { ENVIRONMENT_NAME: config.name },
        timeout: Duration.seconds(30),
        description: 'validate-platform: build the validation report and its metrics',
      });
    case 'notify': {
      const fn = build({
        environmentSchema: notificationHandlerEnvironment,
        reaches: [],
        environment: {
          NOTIFICATION_TOPIC_ARN: deps.notificationTopic.topicArn,
          ENVIRONMENT_NAME: config.name,
        },
        timeout: Duration.seconds(30),
        description: 'Publish a workflow notification to the operators topic',
      });
      grantPublish(fn, deps.notificationTopic, deps.key);
      return fn;
    }
  }
}
