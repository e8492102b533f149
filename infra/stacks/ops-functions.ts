import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
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
import { acknowledgeWildcardResources } from '../constructs/nag-acknowledgements.ts';
import { type EnvironmentSchema, OpsFunction } from '../constructs/ops-function.ts';
import { pascalCase } from '../naming.ts';
import {
  type BackupResources,
  backupFunctionSetup,
  defaultPolicyOf,
  type HandlerSettings,
} from './backup-function-setup.ts';
import { createBackupFunction, isBackupFunctionName } from './backup-functions.ts';
import { createProvisionFunction, isProvisionFunctionName } from './provision-functions.ts';
import { createRecoveryFunction, isRecoveryFunctionName } from './recovery-functions.ts';

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
  | ProvisionHandler;

export const SERVICE_NAME = 'lakehouse-ops';
export const METRICS_NAMESPACE = 'LakehouseOps';

export interface OpsFunctionDependencies {
  readonly config: EnvironmentConfig;
  readonly minioCredentials: ISecret;
  readonly notificationTopic: ITopic;
  readonly key: IKey;
  readonly logRetention: RetentionDays;
  /** Needed only by the functions of the backup, verify-backup and restore workflows. */
  readonly backup?: BackupResources;
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
  const build = <Schema extends EnvironmentSchema>(settings: HandlerSettings<Schema>) =>
    new OpsFunction(scope, constructId(name), {
      ...settings,
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

  if (isBackupFunctionName(name) || isRecoveryFunctionName(name)) {
    if (!deps.backup) throw new Error(`${name}: the backup functions need OpsFunctionDependencies.backup`);
    const setup = backupFunctionSetup({
      config,
      resources: deps.backup,
      minio,
      kubernetes,
      grantMinio: (fn: OpsFunction) => grantReadSecret(fn, deps.minioCredentials),
      grantDescribeCluster: (fn: OpsFunction) => grantDescribeCluster(fn, config.clusterName),
    });
    return isBackupFunctionName(name)
      ? createBackupFunction(name, build, setup)
      : createRecoveryFunction(name, build, setup);
  }

  if (isProvisionFunctionName(name)) {
    return createProvisionFunction(name, build, {
      config,
      kubernetes,
      minio,
      grantMinio: (fn: OpsFunction) => grantReadSecret(fn, deps.minioCredentials),
      grantDescribeCluster: (fn: OpsFunction) => grantDescribeCluster(fn, config.clusterName),
    });
  }

  switch (name) {
    case 'validate-workflow-input':
      return build({
        environmentSchema: powertoolsEnvironment,
        environment: {},
        timeout: Duration.seconds(10),
        description: 'validate-platform: validate the workflow input',
      });
    case 'check-eks-cluster': {
      const fn = build({
        environmentSchema: kubernetesHandlerEnvironment,
        environment: kubernetes,
        timeout: checkTimeout,
        description: 'validate-platform: EKS cluster and node group status',
      });
      grantDescribeCluster(fn, config.clusterName, ['eks:ListNodegroups']);
      grantDescribeNodegroups(fn, config.clusterName);
      return fn;
    }
    case 'check-nodes':
    case 'check-prefect':
    case 'check-minio-statefulset':
    case 'check-s5cmd-executor':
    case 'check-monitoring': {
      const fn = build({
        environmentSchema: kubernetesHandlerEnvironment,
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
        environment: { ...minio, PLATFORM_LAYOUT: platformLayout },
        timeout: checkTimeout,
        description: 'validate-platform: MinIO S3 API write/read/delete probe',
      });
      grantReadSecret(fn, deps.minioCredentials);
      return fn;
    }
    // The performance checks (validate-platform {"performance": true}): workloads and thresholds
    // from config.performance. The throughput Job is created through the Kubernetes API; its
    // result is read from MinIO.
    case 'check-s5cmd-throughput': {
      const fn = build({
        environmentSchema: s5cmdThroughputHandlerEnvironment,
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
      grantReadSecret(fn, deps.minioCredentials);
      return fn;
    }
    case 'check-prefect-api-latency':
      return build({
        environmentSchema: prefectApiLatencyHandlerEnvironment,
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
        environment: { ENVIRONMENT_NAME: config.name },
        timeout: Duration.seconds(30),
        description: 'validate-platform: build the validation report and its metrics',
      });
    case 'notify': {
      const fn = build({
        environmentSchema: notificationHandlerEnvironment,
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

/** "check-eks-cluster" -> "CheckEksClusterFunction". */
function constructId(name: string): string {
  return `${pascalCase(name)}Function`;
}

function clusterArn(scope: Construct, clusterName: string): string {
  return Stack.of(scope).formatArn({ service: 'eks', resource: 'cluster', resourceName: clusterName });
}

/** DescribeCluster gives the endpoint and CA the Kubernetes client needs. */
function grantDescribeCluster(fn: OpsFunction, clusterName: string, extraActions: string[] = []) {
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['eks:DescribeCluster', ...extraActions],
      resources: [clusterArn(fn, clusterName)],
    }),
  );
}

function grantDescribeNodegroups(fn: OpsFunction, clusterName: string) {
  // Node group ARNs end in /<name>/<uuid>: the names come from ListNodegroups at run time and the
  // uuid is assigned by EKS, so the cluster's node groups can only be named by pattern.
  const nodegroups = Stack.of(fn).formatArn({
    service: 'eks',
    resource: 'nodegroup',
    resourceName: `${clusterName}/*/*`,
  });
  fn.addToRolePolicy(new PolicyStatement({ actions: ['eks:DescribeNodegroup'], resources: [nodegroups] }));
  acknowledgeWildcardResources(
    defaultPolicyOf(fn),
    [nodegroups],
    'eks:DescribeNodegroup on the node groups of this one cluster; names are discovered at run time and EKS appends a uuid',
  );
}

function grantReadSecret(fn: OpsFunction, secret: ISecret) {
  // Secrets Manager appends "-" and six random characters to a secret's ARN; "??????" matches
  // exactly those, which is narrower than the "<name>*" that grantRead uses for a secret by name.
  const secretArn = `${secret.secretArn}-??????`;
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
  );
  acknowledgeWildcardResources(
    defaultPolicyOf(fn),
    [secretArn],
    'GetSecretValue on the one MinIO credentials secret; "??????" is the random suffix Secrets Manager adds to its ARN',
  );
}

function grantPublish(fn: OpsFunction, topic: ITopic, key: IKey) {
  // Written out instead of topic.grantPublish, which grants kms:GenerateDataKey* (a wildcard).
  fn.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
  );
}
