import { Duration, NestedStack, type NestedStackProps, TimeZone } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  type IScheduleGroup,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DR_GROUPS } from '../../cluster-manifests/src/rbac.ts';
import type { FailbackRequest } from '../../functions/core/dr/failback/journal.ts';
import type { FailoverRequest } from '../../functions/core/dr/failover/request.ts';
import { drFailbackWorkflow } from '../../workflows/dr-failback.workflow.ts';
import { DR_FAILOVER_BOUNDS, drFailoverWorkflow } from '../../workflows/dr-failover.workflow.ts';
import type { EnvironmentConfig } from '../config/environment-config.ts';
import { OpsObservability } from '../constructs/ops-observability.ts';
import type { Workflow } from '../constructs/workflow.ts';
import { requireWorstCaseWithin } from '../constructs/worst-case-budget.ts';
import { DR_HANDLERS, type DrFunctionName } from './dr-functions.ts';
import { grantFunctionsKubernetesGroups } from './function-access-entries.ts';
import { createOpsFunctions, type OpsFunctionDependencies, SERVICE_NAME } from './ops-functions.ts';

/** The input of the scheduled drill's failover (staging). */
export function scheduledDrillFailoverInput(): FailoverRequest {
  return { mode: 'drill', reason: 'monthly DR drill', force: false, requestedBy: 'schedule' };
}

/** The input of the scheduled drill's failback: the environment's open failover, which the drill opened. */
export function scheduledDrillFailbackInput(): FailbackRequest {
  return { mode: 'drill', requestedBy: 'schedule' };
}

/** The fence's Kubernetes group on the primary cluster; the DR cluster's access is the DR cluster stack's (docs/dr.md). */
const DR_KUBERNETES_GROUPS: readonly { group: string; handlers: readonly DrFunctionName[] }[] = [
  { group: DR_GROUPS.fence, handlers: ['fence-primary', 'lift-fence'] },
];

export interface DrStackProps extends NestedStackProps {
  readonly config: EnvironmentConfig;
  readonly functionDependencies: OpsFunctionDependencies;
  /** The parent's functions the DR workflows share: notify, and request-approval for forced failovers. */
  readonly shared: Readonly<Record<'notify' | 'request-approval', IFunction>>;
  readonly logRetention: RetentionDays;
  readonly scheduleGroup: IScheduleGroup;
  readonly scheduleDeadLetterQueue: IQueue;
  readonly alarmTopic: ITopic;
}

/**
 * dr-failover and dr-failback (issue 5, docs/dr.md) with their functions, the monthly drill's
 * schedules (staging) and their own dashboard and alarms; a nested stack of the OpsStack. Synth
 * fails when the failover's worst case exceeds the environment's RTO (worst-case-budget.ts).
 */
export class DrStack extends NestedStack {
  readonly workflows: readonly Workflow[];

  constructor(scope: Construct, id: string, props: DrStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prefix = `${SERVICE_NAME}-${config.name}`;

    const own = createOpsFunctions(this, DR_HANDLERS, props.functionDependencies);
    grantFunctionsKubernetesGroups(this, config.clusterName, own, DR_KUBERNETES_GROUPS);
    const functions = { ...own, ...props.shared };

    const failover = drFailoverWorkflow(this, 'DrFailover', {
      environmentName: config.name,
      functions,
      approveEveryFailover: config.name === 'production',
      approvalTimeout: Duration.minutes(config.dr.approvalTimeoutMinutes),
      logRetention: props.logRetention,
    });
    requireWorstCaseWithin(failover, {
      budget: Duration.minutes(config.dr.rtoMinutes),
      label: `dr-failover's RTO (${config.name})`,
      bounds: DR_FAILOVER_BOUNDS,
    });
    const failback = drFailbackWorkflow(this, 'DrFailback', {
      environmentName: config.name,
      functions,
      logRetention: props.logRetention,
    });
    this.workflows = [failover, failback];

    const { drill } = config.dr;
    if (drill.enabled) {
      for (const [schedule, workflow, expression, input] of [
        ['DrillFailoverSchedule', failover, drill.expression, scheduledDrillFailoverInput()],
        ['DrillFailbackSchedule', failback, drill.failbackExpression, scheduledDrillFailbackInput()],
      ] as const) {
        new Schedule(this, schedule, {
          scheduleName: `${prefix}-${schedule === 'DrillFailoverSchedule' ? 'dr-drill-failover' : 'dr-drill-failback'}`,
          scheduleGroup: props.scheduleGroup,
          description: `Monthly DR drill: ${workflow === failover ? 'dr-failover' : 'dr-failback'} (mode drill), ${expression} ${drill.timeZone}`,
          schedule: ScheduleExpression.expression(expression, TimeZone.of(drill.timeZone)),
          target: new StepFunctionsStartExecution(workflow.stateMachine, {
            input: ScheduleTargetInput.fromObject(input),
            deadLetterQueue: props.scheduleDeadLetterQueue,
            retryAttempts: 3,
            // A drill an hour late is better skipped than run into the working day.
            maxEventAge: Duration.hours(1),
          }),
        });
      }
    }

    new OpsObservability(this, 'Observability', {
      environmentName: config.name,
      dashboardName: `${prefix}-dr`,
      workflows: this.workflows,
      functions: DR_HANDLERS.map((name) => ({ name, fn: own[name] })),
      alarmTopic: props.alarmTopic,
      deadLetterQueues: [],
    });
  }
}
