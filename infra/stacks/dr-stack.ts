import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { FailbackRequest } from '../../functions/core/dr/failback/journal.ts';
import { DR_FAILOVER_WORKFLOW, type FailoverRequest } from '../../functions/core/dr/failover/request.ts';
import { drFailbackWorkflow } from '../../workflows/dr-failback.workflow.ts';
import { DR_FAILOVER_BOUNDS, drFailoverWorkflow } from '../../workflows/dr-failover.workflow.ts';
import { drClusterName } from '../config/dr-config.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import {
  notificationTopic,
  opsKey,
  scheduleSupport,
  scheduleWorkflowStart,
} from '../constructs/ops-foundation.ts';
import { OpsObservability } from '../constructs/ops-observability.ts';
import type { Workflow } from '../constructs/workflow.ts';
import { requireWorstCaseWithin } from '../constructs/worst-case-budget.ts';
import { approvalSigningSecret } from './alert-remediation.ts';
import { backupBucketName } from './backup-naming.ts';
import { NODE_SUBNETS } from './cluster-network.ts';
import { grantDrClusterAccess } from './dr-cluster-access.ts';
import { DR_CONTROL_HANDLERS } from './dr-functions.ts';
import {
  createOpsFunctions,
  type OpsFunctionDependencies,
  opsTableName,
  SERVICE_NAME,
} from './ops-functions.ts';
import { type ClusterNetworkReference, OpsNetwork } from './ops-network.ts';
import { functionUrlOf } from './remediation-functions.ts';

/** The input of the scheduled drill's failover (staging). */
export function scheduledDrillFailoverInput(): FailoverRequest {
  return { mode: 'drill', reason: 'monthly DR drill', force: false, requestedBy: 'schedule' };
}

/** The input of the scheduled drill's failback: the environment's open failover, which the drill opened. */
export function scheduledDrillFailbackInput(): FailbackRequest {
  return { mode: 'drill', requestedBy: 'schedule' };
}

/** The stack name of an environment's DR control plane, e.g. "lakehouse-ops-production-dr". */
export function drStackName(environment: string): string {
  return `${SERVICE_NAME}-${environment}-dr`;
}

/** The functions the DR workflows share with no other workflow in this region, deployed here too. */
const SHARED_HANDLERS = ['notify', 'request-approval', 'approve-remediation'] as const;

export interface DrStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  /** The standby cluster's VPC and security group (the DR ClusterStack, same region). */
  readonly drCluster: ClusterNetworkReference;
  /** The key of the ops table's replica in this region (the BackupStack's). */
  readonly opsReplicaKey: IKey;
}

/**
 * The DR control plane (issue 5, docs/dr.md "Where the failover runs"), in drRegion: dr-failover
 * and dr-failback with the functions that act on the DR side, the proxy to the primary's agents,
 * their own notification topic, approval links and drill schedules, and access entries on the
 * standby cluster. It reads and writes the ops table through its replica here (a global table),
 * so a failover needs nothing of the primary region but what it fences, and goes on without it.
 * Synth fails when the failover's worst case exceeds the environment's RTO (worst-case-budget.ts).
 */
export class DrStack extends Stack {
  readonly workflows: readonly Workflow[];
  readonly approvalUrl: string;

  constructor(scope: Construct, id: string, props: DrStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prefix = `${SERVICE_NAME}-${config.name}-dr`;
    const isProduction = config.name === 'production';
    const logRetention = config.logRetentionDays as RetentionDays;

    const key = opsKey(this, `alias/${prefix}`, `Encrypts the ${prefix} notification topic`);
    const topic = notificationTopic(this, {
      topicName: `${prefix}-notifications`,
      displayName: `lakehouse-ops ${config.name} DR`,
      key,
      emails: config.notifications.emails,
    });
    // The replica in this region of the OpsStack's global table: the same name, this region's ARN.
    const opsTable = TableV2.fromTableName(this, 'OpsTable', opsTableName(config));
    // request-approval signs the links and approve-remediation checks them: both here, one key.
    approvalSigningSecret(this, config);

    const network = new OpsNetwork(this, 'FunctionNetwork', {
      vpc: props.drCluster.vpc,
      clusterSecurityGroup: props.drCluster.clusterSecurityGroup,
      subnets: NODE_SUBNETS,
      urls: { 'prefect-api': config.dr.prefectApiUrl },
    });
    const functionDependencies: OpsFunctionDependencies = {
      config,
      network,
      // No DR control-plane function reaches MinIO (the agents in the primary region do).
      minioCredentials: Secret.fromSecretNameV2(this, 'MinioCredentials', config.minio.credentialsSecretName),
      notificationTopic: topic,
      key,
      logRetention,
      backup: { opsTable, opsKey: props.opsReplicaKey, bucketName: backupBucketName(config) },
      approvingWorkflows: [DR_FAILOVER_WORKFLOW],
    };
    const own = createOpsFunctions(this, DR_CONTROL_HANDLERS, functionDependencies);
    const shared = createOpsFunctions(this, SHARED_HANDLERS, functionDependencies);
    grantDrClusterAccess(this, drClusterName(config), own);
    const functions = { ...own, ...shared };
    this.approvalUrl = functionUrlOf(shared['approve-remediation']).url;

    const failover = drFailoverWorkflow(this, 'DrFailover', {
      environmentName: config.name,
      functions,
      approveEveryFailover: isProduction,
      approvalTimeout: Duration.minutes(config.dr.approvalTimeoutMinutes),
      logRetention,
    });
    requireWorstCaseWithin(failover, {
      budget: Duration.minutes(config.dr.rtoMinutes),
      label: `dr-failover's RTO (${config.name})`,
      bounds: DR_FAILOVER_BOUNDS,
    });
    const failback = drFailbackWorkflow(this, 'DrFailback', {
      environmentName: config.name,
      functions,
      logRetention,
    });
    this.workflows = [failover, failback];

    const schedules = scheduleSupport(this, prefix);
    const { drill } = config.dr;
    if (drill.enabled) {
      for (const [schedule, workflow, expression, input] of [
        ['DrillFailoverSchedule', failover, drill.expression, scheduledDrillFailoverInput()],
        ['DrillFailbackSchedule', failback, drill.failbackExpression, scheduledDrillFailbackInput()],
      ] as const) {
        scheduleWorkflowStart(this, schedule, schedules, {
          scheduleName: `${prefix}-${schedule === 'DrillFailoverSchedule' ? 'drill-failover' : 'drill-failback'}`,
          what: `Monthly DR drill: ${workflow === failover ? 'dr-failover' : 'dr-failback'} (mode drill)`,
          expression,
          timeZone: drill.timeZone,
          stateMachine: workflow.stateMachine,
          input,
          // A drill an hour late is better skipped than run into the working day.
          maxEventAge: Duration.hours(1),
        });
      }
    }

    new OpsObservability(this, 'Observability', {
      environmentName: config.name,
      dashboardName: prefix,
      workflows: this.workflows,
      functions: [...DR_CONTROL_HANDLERS, ...SHARED_HANDLERS].map((name) => ({ name, fn: functions[name] })),
      alarmTopic: topic,
      deadLetterQueues: [
        {
          id: 'ScheduleDeadLetters',
          name: 'schedule-dead-letters',
          queue: schedules.deadLetterQueue,
          description:
            'EventBridge Scheduler could not start a DR drill: the message in the dead-letter queue says which and why.',
        },
      ],
    });

    new CfnOutput(this, 'DrFailoverStateMachineArn', { value: failover.stateMachine.stateMachineArn });
    new CfnOutput(this, 'DrFailbackStateMachineArn', { value: failback.stateMachine.stateMachineArn });
    new CfnOutput(this, 'NotificationTopicArn', { value: topic.topicArn });
    new CfnOutput(this, 'ApprovalUrl', {
      description:
        "Where the approve/reject links of a forced (or production) failover point: this region's, so an approval works with the primary region down",
      value: this.approvalUrl,
    });
  }
}
