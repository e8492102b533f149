import { Duration, NestedStack, type NestedStackProps, RemovalPolicy } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { CostOptimiseRequest } from '../../functions/core/cost/apply/request.ts';
import type { OffHoursRequest } from '../../functions/core/cost/off-hours/request.ts';
import { offHoursSchedulerExpressions } from '../../functions/core/cost/off-hours/schedule.ts';
import { costOptimiseWorkflow } from '../../workflows/cost-optimise.workflow.ts';
import { offHoursWorkflow } from '../../workflows/off-hours.workflow.ts';
import {
  REBALANCE_RECOMMENDATION_PATTERN,
  SPOT_INTERRUPTION_WARNING_PATTERN,
  spotInterruptionWorkflow,
} from '../../workflows/spot-interruption.workflow.ts';
import { spotMigrationWorkflow } from '../../workflows/spot-migration.workflow.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { accessLogBucket } from '../constructs/access-log-bucket.ts';
import { scheduleWorkflowStart } from '../constructs/ops-foundation.ts';
import { OpsObservability } from '../constructs/ops-observability.ts';
import type { Workflow } from '../constructs/workflow.ts';
import {
  COST_FUNCTION_NAMES,
  COST_KUBERNETES_GROUPS,
  type CostFunctionName,
  EKS_ONLY_COST_FUNCTIONS,
  type SHARED_HANDLERS,
} from './cost-functions.ts';
import { grantFunctionsKubernetesGroups } from './function-access-entries.ts';
import { createOpsFunctions, type OpsFunctionDependencies } from './ops-functions.ts';

/** The input of the weekly cost-optimise run: its history and scope as configured (the apply mode is the environment's). */
export function scheduledCostOptimiseInput(config: EnvironmentConfig): CostOptimiseRequest {
  const { historyDays, namespaces } = config.cost;
  return { requestedBy: 'schedule', historyDays, ...(namespaces ? { namespaces } : {}) };
}

/** Recommendations are working files; reports are evidence of what was changed and saved. */
const RECOMMENDATIONS_EXPIRY = Duration.days(90);
const REPORTS_EXPIRY = Duration.days(400);

function costReportBucket(scope: Construct, config: EnvironmentConfig): Bucket {
  const accessLogs = accessLogBucket(scope, 'ReportAccessLogBucket', config.logRetentionDays);
  return new Bucket(scope, 'ReportBucket', {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'cost-report-bucket/',
    lifecycleRules: [
      { id: 'expire-recommendations', prefix: 'rightsizing/', expiration: RECOMMENDATIONS_EXPIRY },
      { id: 'expire-reports', prefix: 'cost-optimise/', expiration: REPORTS_EXPIRY },
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** The input of a scheduled off-hours run. */
export function scheduledOffHoursInput(action: OffHoursRequest['action']) {
  return { action, requestedBy: 'schedule' } as const;
}

export interface CostStackProps extends NestedStackProps {
  readonly config: EnvironmentConfig;
  /** The parent's function dependencies (network, table, key, topic): the cost functions need the same. */
  readonly functionDependencies: OpsFunctionDependencies;
  /** The parent's functions the cost workflows share (notify; request-approval for approvals). */
  readonly shared: Readonly<Record<(typeof SHARED_HANDLERS)[number], IFunction>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly scheduleGroup: IScheduleGroup;
  readonly scheduleDeadLetterQueue: IQueue;
  readonly alarmTopic: ITopic;
}

/**
 * The cost workflows (issue 6, docs/cost.md) with their functions, schedules, access entries, and
 * their own dashboard and alarms. A nested stack of the OpsStack: the OpsStack alone would pass
 * CloudFormation's 500 resources per stack. The local runner folds it back into one template
 * (local/runner/nested-stacks.ts).
 */
export class CostStack extends NestedStack {
  readonly workflows: readonly Workflow[];
  /** Right-sizing's stored recommendations (`rightsizing/`) and the cost reports (`cost-optimise/`). */
  readonly reportBucket: Bucket;

  constructor(scope: Construct, id: string, props: CostStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.reportBucket = costReportBucket(this, config);
    const own = createOpsFunctions(this, COST_FUNCTION_NAMES, {
      ...props.functionDependencies,
      costReportBucket: this.reportBucket,
    });
    const functions = { ...own, ...props.shared };
    // Their Kubernetes rights: each function its step's group (COST_KUBERNETES_GROUPS).
    const kubernetesUsers = Object.fromEntries(
      Object.entries(own).filter(([name]) => !EKS_ONLY_COST_FUNCTIONS.includes(name as CostFunctionName)),
    );
    grantFunctionsKubernetesGroups(this, config.clusterName, kubernetesUsers, COST_KUBERNETES_GROUPS);

    const offHours = offHoursWorkflow(this, 'OffHours', {
      environmentName: config.name,
      functions,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    const spotMigration = spotMigrationWorkflow(this, 'SpotMigration', {
      environmentName: config.name,
      functions,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    const spotInterruption = spotInterruptionWorkflow(this, 'SpotInterruption', {
      environmentName: config.name,
      functions,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    const costOptimise = costOptimiseWorkflow(this, 'CostOptimise', {
      environmentName: config.name,
      functions,
      approvalTimeout: Duration.minutes(config.cost.approvalTimeoutMinutes),
      watchPeriod: Duration.minutes(config.cost.watchMinutes),
      logRetention: props.logRetention,
    });
    (costOptimise.node.findChild('Logs') as LogGroup).applyRemovalPolicy(props.logRemovalPolicy);
    this.workflows = [offHours, spotMigration, spotInterruption, costOptimise];

    const schedules = { group: props.scheduleGroup, deadLetterQueue: props.scheduleDeadLetterQueue };
    const { costOptimise: weekly } = config.schedules;
    scheduleWorkflowStart(this, 'CostOptimiseSchedule', schedules, {
      scheduleName: `lakehouse-ops-${config.name}-cost-optimise`,
      what: 'Weekly right-sizing',
      expression: weekly.expression,
      timeZone: weekly.timeZone,
      enabled: weekly.enabled,
      stateMachine: costOptimise.stateMachine,
      input: scheduledCostOptimiseInput(config),
      maxEventAge: Duration.hours(1),
    });

    // EC2 puts its spot notices on the account's default bus; each starts a drain of its node.
    for (const [id, eventPattern] of [
      ['SpotInterruptionWarningRule', SPOT_INTERRUPTION_WARNING_PATTERN],
      ['RebalanceRecommendationRule', REBALANCE_RECOMMENDATION_PATTERN],
    ] as const) {
      new Rule(this, id, {
        description: `Drains the node of a spot instance: ${eventPattern.detailType?.join(', ')}`,
        eventPattern,
        targets: [
          new SfnStateMachine(spotInterruption.stateMachine, {
            deadLetterQueue: props.scheduleDeadLetterQueue,
            retryAttempts: 2,
            // The two-minute warning is over by then: a late drain helps nobody.
            maxEventAge: Duration.minutes(2),
          }),
        ],
      });
    }

    if (config.offHours?.enabled) {
      const expressions = offHoursSchedulerExpressions(config.offHours.schedule);
      for (const action of ['sleep', 'wake'] as const) {
        const { scheduleExpression, scheduleExpressionTimezone } = expressions[action];
        scheduleWorkflowStart(this, `OffHours${action === 'sleep' ? 'Sleep' : 'Wake'}Schedule`, schedules, {
          scheduleName: `lakehouse-ops-${config.name}-off-hours-${action}`,
          what: `off-hours ${action}`,
          expression: scheduleExpression,
          timeZone: scheduleExpressionTimezone,
          stateMachine: offHours.stateMachine,
          input: scheduledOffHoursInput(action),
          // An hour late, a sleep or wake is better skipped: the next one is due anyway.
          maxEventAge: Duration.hours(1),
        });
      }
    }

    new OpsObservability(this, 'Observability', {
      environmentName: config.name,
      dashboardName: `lakehouse-ops-${config.name}-cost`,
      workflows: this.workflows,
      functions: COST_FUNCTION_NAMES.map((name) => ({ name, fn: own[name] })),
      alarmTopic: props.alarmTopic,
      deadLetterQueues: [],
    });
  }
}
