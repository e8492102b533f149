/**
 * spot-interruption: an EC2 Spot Instance Interruption Warning or Instance Rebalance
 * Recommendation (EventBridge, source aws.ec2, on the default bus) cordons and drains the Node
 * before its instance goes.
 *
 * 1. FindInterruptedNode: the Node whose spec.providerID (`aws:///<zone>/<instance-id>`) names the
 *    event's detail.instance-id ($.target). IsClusterNode: the rule sees every spot instance of the
 *    account and region, so an instance that is not one of this cluster's Nodes ends here, in
 *    ReportNotClusterNode, saying so (not audited: it is not ours).
 * 2. DrainInterruptedNode: cordon, then evict within the PodDisruptionBudgets until the notice runs
 *    out: the warning's two minutes (less a margin to record), or the configured bound for a
 *    rebalance recommendation ($.drain). Never forced: what a budget still refuses is reported.
 *    A failure goes to $.failure.
 * 3. RecordSpotInterruptionAudit: the notice and the drain's outcome, once per execution
 *    ($.auditError if it fails). IsDrainPartial: pods left behind notify the operators
 *    (NotifyDrainIncomplete); the run ends in ReportDrained with the drain as output.
 * 4. A failed drain: RecordSpotDrainFailure audits the failure, NotifyDrainFailed tells the
 *    operators, and ReportDrainFailed fails the execution with SpotDrainFailed. (A failure to find
 *    the Node, the Kubernetes API out of reach, fails the execution as it is.)
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { EventPattern } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Choice, Condition, Fail, JsonPath, Succeed, TaskInput } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  EC2_EVENT_SOURCE,
  REBALANCE_RECOMMENDATION,
  SPOT_INTERRUPTION_WARNING,
} from '../functions/core/cost/spot/interruption-event.ts';
import { invokeOpsFunction, Workflow } from '../infra/constructs/workflow.ts';

export const SPOT_INTERRUPTION_WORKFLOW = 'spot-interruption';
export const SPOT_DRAIN_FAILED_ERROR = 'SpotDrainFailed';

/**
 * The EventBridge rules (on the account's default bus) that start this workflow, one per notice,
 * each targeting the state machine with the whole event as input (no input transformation).
 */
export const SPOT_INTERRUPTION_WARNING_PATTERN: EventPattern = {
  source: [EC2_EVENT_SOURCE],
  detailType: [SPOT_INTERRUPTION_WARNING],
};
export const REBALANCE_RECOMMENDATION_PATTERN: EventPattern = {
  source: [EC2_EVENT_SOURCE],
  detailType: [REBALANCE_RECOMMENDATION],
};
export const SPOT_INTERRUPTION_EVENT_PATTERNS = [
  SPOT_INTERRUPTION_WARNING_PATTERN,
  REBALANCE_RECOMMENDATION_PATTERN,
] as const;

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const SPOT_INTERRUPTION_HANDLERS = [
  'find-spot-interrupted-node',
  'drain-spot-interrupted-node',
  'record-spot-interruption-audit',
  'notify',
] as const;
export type SpotInterruptionHandler = (typeof SPOT_INTERRUPTION_HANDLERS)[number];

/** A rebalance drain (5 minutes by default) and the steps around it; a warning's two minutes fit easily. */
export const SPOT_INTERRUPTION_TIMEOUT = Duration.minutes(15);

export interface SpotInterruptionWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<SpotInterruptionHandler, IFunction>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
}

export function spotInterruptionWorkflow(
  scope: Construct,
  id: string,
  props: SpotInterruptionWorkflowProps,
): Workflow {
  return new Workflow(scope, id, {
    workflowName: SPOT_INTERRUPTION_WORKFLOW,
    environmentName: props.environmentName,
    timeout: SPOT_INTERRUPTION_TIMEOUT,
    logRetention: props.logRetention,
    logRemovalPolicy: props.logRemovalPolicy,
    comment: 'Cordons and drains the Node of a spot instance about to be interrupted or rebalanced',
    definition: (definitionScope) => defineSpotInterruption(definitionScope, props.functions),
  });
}

function defineSpotInterruption(scope: Construct, functions: SpotInterruptionWorkflowProps['functions']) {
  const find = invokeOpsFunction(scope, 'FindInterruptedNode', functions['find-spot-interrupted-node'], {
    resultPath: '$.target',
    comment: "The Node whose spec.providerID names the event's instance",
  });
  const drain = invokeOpsFunction(scope, 'DrainInterruptedNode', functions['drain-spot-interrupted-node'], {
    inputPath: '$.target',
    resultPath: '$.drain',
    comment: 'Cordon and evict within the budgets until the notice runs out; never forced',
  });
  const record = invokeOpsFunction(
    scope,
    'RecordSpotInterruptionAudit',
    functions['record-spot-interruption-audit'],
    {
      payload: TaskInput.fromObject({
        node: JsonPath.objectAt('$.target'),
        drain: JsonPath.objectAt('$.drain'),
        eventId: JsonPath.stringAt('$.id'),
        executionId: JsonPath.executionName,
      }),
      resultPath: '$.audit',
    },
  );
  const recordFailure = invokeOpsFunction(
    scope,
    'RecordSpotDrainFailure',
    functions['record-spot-interruption-audit'],
    {
      payload: TaskInput.fromObject({
        node: JsonPath.objectAt('$.target'),
        failure: JsonPath.objectAt('$.failure'),
        eventId: JsonPath.stringAt('$.id'),
        executionId: JsonPath.executionName,
      }),
      resultPath: '$.audit',
    },
  );
  drain.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.failure' });

  const notifyOperators = (id: string, summary: string) =>
    invokeOpsFunction(scope, id, functions.notify, {
      payload: TaskInput.fromObject({
        workflow: SPOT_INTERRUPTION_WORKFLOW,
        subject: JsonPath.format(
          'lakehouse-ops spot-interruption: node {} not drained',
          JsonPath.stringAt('$.target.node'),
        ),
        summary,
        detail: JsonPath.objectAt('$'),
      }),
      resultPath: '$.notification',
    });

  const drained = new Succeed(scope, 'ReportDrained', { outputPath: '$.drain' });
  const notifyIncomplete = notifyOperators('NotifyDrainIncomplete', JsonPath.stringAt('$.drain.summary'));
  notifyIncomplete.addCatch(drained, { errors: ['States.ALL'], resultPath: '$.notificationError' });
  notifyIncomplete.next(drained);
  const isPartial = new Choice(scope, 'IsDrainPartial')
    .when(Condition.stringEquals('$.drain.outcome', 'PARTIAL'), notifyIncomplete)
    .otherwise(drained);
  record.addCatch(isPartial, { errors: ['States.ALL'], resultPath: '$.auditError' });
  record.next(isPartial);

  const failed = new Fail(scope, 'ReportDrainFailed', {
    error: SPOT_DRAIN_FAILED_ERROR,
    causePath: '$.failure.Cause',
  });
  const notifyFailed = notifyOperators(
    'NotifyDrainFailed',
    JsonPath.format(
      '{} while draining node {} (instance {}); the audit trail and the execution history have the cause',
      JsonPath.stringAt('$.failure.Error'),
      JsonPath.stringAt('$.target.node'),
      JsonPath.stringAt('$.target.instanceId'),
    ),
  );
  notifyFailed.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.notificationError' });
  notifyFailed.next(failed);
  recordFailure.addCatch(notifyFailed, { errors: ['States.ALL'], resultPath: '$.auditError' });
  recordFailure.next(notifyFailed);

  const isClusterNode = new Choice(scope, 'IsClusterNode')
    .when(Condition.booleanEquals('$.target.found', true), drain.next(record))
    .otherwise(new Succeed(scope, 'ReportNotClusterNode', { outputPath: '$.target' }));
  return find.next(isClusterNode);
}
