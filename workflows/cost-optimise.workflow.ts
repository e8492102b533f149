/**
 * cost-optimise: right-sizing from Prometheus usage, applied safely (docs/cost.md,
 * runbooks/cost-optimise.md).
 *
 * 0. StartCostOptimiseRun keeps the input as $.input beside the execution name ($.executionId);
 *    ValidateRightsizingRequest fills in its defaults ($.request).
 * 1. AcquireEnvironmentLease: one run per environment; a run that finds another holding it ends in
 *    ReportEnvironmentBusy (CostOptimiseBusy) without touching anything.
 * 2. RecommendRightsizing ($.recommendation), then PlanRightsizing ($.plan): the guardrails (mode,
 *    weekly cap, p99 floor, stateful tier, GitOps). IsApplyOff: mode `off` goes straight to the
 *    report.
 * 3. NeedsApproval: when a change waits for a person (production, the stateful tier; never a dry
 *    run), RequestApproval parks a task token and sends the signed links. Approved, rejected and
 *    expired become $.approval (MarkApproved / MarkRejected / MarkExpired); NoApprovalNeeded
 *    otherwise. Rejected or expired changes are skipped; the others still apply.
 * 4. ApplyRightsizing: server-side dry run first, then the patch unless the run is a dry run;
 *    before and after in the audit trail ($.apply).
 * 5. HasAppliedChanges: after a real change, WaitForWatchPeriod, then WatchRightsizing compares OOM
 *    kills and CPU throttling since the change with the same time before it ($.watch).
 *    NeedsRollback: RollbackRightsizing restores the saved before-state ($.rollback) and
 *    NotifyRollback tells the operators. A watch that fails rolls back every change of the run
 *    (RollbackAfterWatchFailure): a change that cannot be judged is not kept.
 * 6. BuildCostReport writes report.json, the SVG chart and the GitOps patch files to the report
 *    bucket ($.report); NotifyCostReport; ReleaseEnvironmentLease; ReportCostOptimised ends with
 *    the summary and the report's keys.
 * 7. Any failure after the lease: ReleaseLeaseAfterFailure, NotifyFailure, ReportCostOptimiseFailed
 *    (CostOptimiseFailed, the error as cause).
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  Fail,
  JsonPath,
  Pass,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { COST_OPTIMISE_WORKFLOW } from '../functions/core/cost/apply/request.ts';
import { invokeOpsFunction, invokeOpsFunctionWithTaskToken, Workflow } from '../infra/constructs/workflow.ts';

export { COST_OPTIMISE_WORKFLOW };
export const COST_OPTIMISE_FAILED_ERROR = 'CostOptimiseFailed';
export const COST_OPTIMISE_BUSY_ERROR = 'CostOptimiseBusy';

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const COST_OPTIMISE_HANDLERS = [
  'validate-rightsizing-request',
  'acquire-rightsizing-lease',
  'recommend-rightsizing',
  'plan-rightsizing',
  'request-approval',
  'apply-rightsizing',
  'watch-rightsizing',
  'rollback-rightsizing',
  'build-cost-report',
  'notify',
  'release-rightsizing-lease',
] as const;
export type CostOptimiseHandler = (typeof COST_OPTIMISE_HANDLERS)[number];

export interface CostOptimiseWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<CostOptimiseHandler, IFunction>>;
  /** How long a change that needs approval waits for a person before it is skipped. */
  readonly approvalTimeout: Duration;
  /** How long after applying the run waits before judging OOM kills and throttling. */
  readonly watchPeriod: Duration;
  readonly logRetention: RetentionDays;
}

/** The approval and the watch, plus an hour for everything else (recommend, apply, report). */
export function costOptimiseTimeout(
  props: Pick<CostOptimiseWorkflowProps, 'approvalTimeout' | 'watchPeriod'>,
) {
  return props.approvalTimeout.plus(props.watchPeriod).plus(Duration.hours(1));
}

/** The environment's lease outlives the execution, so only a dead execution's lease ever expires. */
export function costOptimiseLeaseTtl(
  props: Pick<CostOptimiseWorkflowProps, 'approvalTimeout' | 'watchPeriod'>,
) {
  return costOptimiseTimeout(props).plus(Duration.minutes(15));
}

export function costOptimiseWorkflow(
  scope: Construct,
  id: string,
  props: CostOptimiseWorkflowProps,
): Workflow {
  return new Workflow(scope, id, {
    workflowName: COST_OPTIMISE_WORKFLOW,
    environmentName: props.environmentName,
    timeout: costOptimiseTimeout(props),
    logRetention: props.logRetention,
    comment: 'Right-sizing: recommend, guardrails, approval, apply or dry run, watch, roll back, report',
    definition: (definitionScope) => defineCostOptimise(definitionScope, props),
  });
}

const OWNER = { owner: JsonPath.stringAt('$.executionId') };

function defineCostOptimise(scope: Construct, props: CostOptimiseWorkflowProps) {
  const { functions } = props;
  const catchAll = { errors: ['States.ALL'], resultPath: '$.failure' };

  // 7. Failure.
  const failed = new Fail(scope, 'ReportCostOptimiseFailed', {
    error: COST_OPTIMISE_FAILED_ERROR,
    causePath: '$.failure.Cause',
  });
  const notifyFailure = invokeOpsFunction(scope, 'NotifyFailure', functions.notify, {
    payload: TaskInput.fromObject({
      workflow: COST_OPTIMISE_WORKFLOW,
      subject: JsonPath.format('cost-optimise failed: {}', JsonPath.stringAt('$.failure.Error')),
      summary: JsonPath.stringAt('$.failure.Cause'),
      detail: JsonPath.objectAt('$.failure'),
    }),
    resultPath: '$.failureNotification',
  });
  notifyFailure.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.failureNotificationError' });
  notifyFailure.next(failed);
  const releaseAfterFailure = invokeOpsFunction(
    scope,
    'ReleaseLeaseAfterFailure',
    functions['release-rightsizing-lease'],
    { payload: TaskInput.fromObject(OWNER), resultPath: '$.leaseRelease' },
  );
  releaseAfterFailure.addCatch(notifyFailure, { errors: ['States.ALL'], resultPath: '$.leaseReleaseError' });
  releaseAfterFailure.next(notifyFailure);

  // 6. Report, notification, lease.
  const done = new Pass(scope, 'SummariseRun', {
    parameters: {
      'executionId.$': '$.executionId',
      'mode.$': '$.plan.mode',
      'dryRun.$': '$.plan.dryRun',
      'summary.$': '$.report.summary',
      'bucket.$': '$.report.bucket',
      'reportKey.$': '$.report.reportKey',
      'chartKey.$': '$.report.chartKey',
      'gitOpsPatchKeys.$': '$.report.gitOpsPatchKeys',
    },
  }).next(new Succeed(scope, 'ReportCostOptimised'));
  const releaseLease = invokeOpsFunction(
    scope,
    'ReleaseEnvironmentLease',
    functions['release-rightsizing-lease'],
    {
      payload: TaskInput.fromObject(OWNER),
      resultPath: '$.leaseRelease',
    },
  );
  releaseLease.addCatch(done, { errors: ['States.ALL'], resultPath: '$.leaseReleaseError' });
  releaseLease.next(done);
  const notifyReport = invokeOpsFunction(scope, 'NotifyCostReport', functions.notify, {
    payload: TaskInput.fromObject({
      workflow: COST_OPTIMISE_WORKFLOW,
      subject: JsonPath.stringAt('$.report.subject'),
      summary: JsonPath.stringAt('$.report.text'),
      detail: JsonPath.objectAt('$.report.summary'),
    }),
    resultPath: '$.notification',
  });
  notifyReport.addCatch(releaseLease, { errors: ['States.ALL'], resultPath: '$.notificationError' });
  notifyReport.next(releaseLease);
  const buildReport = invokeOpsFunction(scope, 'BuildCostReport', functions['build-cost-report'], {
    inputPath: '$',
    resultPath: '$.report',
    comment: 'report.json, the usage-against-requests SVG and the GitOps patches to the report bucket',
  });
  buildReport.addCatch(releaseAfterFailure, catchAll);
  buildReport.next(notifyReport);

  // 5. Watch and roll back.
  const notifyRollback = invokeOpsFunction(scope, 'NotifyRollback', functions.notify, {
    payload: TaskInput.fromObject({
      workflow: COST_OPTIMISE_WORKFLOW,
      subject: 'Right-sizing rolled back',
      summary: JsonPath.stringAt('$.rollback.summary'),
      detail: JsonPath.objectAt('$.rollback'),
    }),
    resultPath: '$.rollbackNotification',
  });
  notifyRollback.addCatch(buildReport, { errors: ['States.ALL'], resultPath: '$.rollbackNotificationError' });
  notifyRollback.next(buildReport);
  const rollbackTask = (id: string, why: Record<string, unknown>) => {
    const task = invokeOpsFunction(scope, id, functions['rollback-rightsizing'], {
      payload: TaskInput.fromObject({
        applied: JsonPath.listAt('$.apply.applied'),
        ...why,
        executionId: JsonPath.stringAt('$.executionId'),
      }),
      resultPath: '$.rollback',
    });
    task.addCatch(releaseAfterFailure, catchAll);
    task.next(notifyRollback);
    return task;
  };
  const rollback = rollbackTask('RollbackRightsizing', { verdicts: JsonPath.listAt('$.watch.verdicts') });
  const rollbackAfterWatchFailure = rollbackTask('RollbackAfterWatchFailure', {
    rollbackAllReason: JsonPath.format(
      'the watch could not judge the change ({}): it is not kept unjudged',
      JsonPath.stringAt('$.watchError.Error'),
    ),
  });
  const watch = invokeOpsFunction(scope, 'WatchRightsizing', functions['watch-rightsizing'], {
    payload: TaskInput.fromObject({
      applied: JsonPath.listAt('$.apply.applied'),
      appliedAt: JsonPath.stringAt('$.apply.appliedAt'),
      maxOomKillIncrease: JsonPath.numberAt('$.plan.watch.maxOomKillIncrease'),
      maxThrottlingIncrease: JsonPath.numberAt('$.plan.watch.maxThrottlingIncrease'),
    }),
    resultPath: '$.watch',
    comment: 'OOM kills and CPU throttling since the change against the same time before it',
  });
  watch.addCatch(rollbackAfterWatchFailure, { errors: ['States.ALL'], resultPath: '$.watchError' });
  watch.next(
    new Choice(scope, 'NeedsRollback')
      .when(Condition.booleanEquals('$.watch.rollbackNeeded', true), rollback)
      .otherwise(buildReport),
  );
  const waitForWatch = new Wait(scope, 'WaitForWatchPeriod', { time: WaitTime.duration(props.watchPeriod) });
  waitForWatch.next(watch);

  // 4. Apply.
  const apply = invokeOpsFunction(scope, 'ApplyRightsizing', functions['apply-rightsizing'], {
    payload: TaskInput.fromObject({
      plan: JsonPath.objectAt('$.plan'),
      approval: JsonPath.objectAt('$.approval'),
      requestedBy: JsonPath.stringAt('$.request.requestedBy'),
      executionId: JsonPath.stringAt('$.executionId'),
    }),
    resultPath: '$.apply',
  });
  apply.addCatch(releaseAfterFailure, catchAll);
  apply.next(
    new Choice(scope, 'HasAppliedChanges')
      .when(Condition.booleanEquals('$.apply.anyApplied', true), waitForWatch)
      .otherwise(buildReport),
  );

  // 3. Approval.
  const approvalOutcome = (id: string, parameters: Record<string, unknown>) =>
    new Pass(scope, id, { parameters, resultPath: '$.approval' }).next(apply);
  const requestApproval = invokeOpsFunctionWithTaskToken(
    scope,
    'RequestApproval',
    functions['request-approval'],
    {
      payload: TaskInput.fromObject({
        kind: 'change',
        taskToken: JsonPath.taskToken,
        executionId: JsonPath.stringAt('$.executionId'),
        workflow: COST_OPTIMISE_WORKFLOW,
        title: `apply right-sizing in ${props.environmentName}`,
        changes: JsonPath.listAt('$.plan.approvalChanges'),
        timeoutMinutes: Math.ceil(props.approvalTimeout.toMinutes({ integral: false })),
      }),
      resultPath: '$.approvalAnswer',
      timeout: props.approvalTimeout,
      comment: 'Waits for an operator: the notification carries approve and reject links',
    },
  );
  requestApproval.next(
    approvalOutcome('MarkApproved', { status: 'APPROVED', 'approver.$': '$.approvalAnswer.approver' }),
  );
  requestApproval.addCatch(
    approvalOutcome('MarkRejected', { status: 'REJECTED', 'detail.$': '$.approvalError.Cause' }),
    { errors: ['ApprovalRejected'], resultPath: '$.approvalError' },
  );
  requestApproval.addCatch(approvalOutcome('MarkExpired', { status: 'EXPIRED' }), {
    errors: ['States.Timeout'],
    resultPath: '$.approvalError',
  });
  requestApproval.addCatch(releaseAfterFailure, catchAll);
  const needsApproval = new Choice(scope, 'NeedsApproval')
    .when(Condition.booleanEquals('$.plan.approvalRequired', true), requestApproval)
    .otherwise(approvalOutcome('NoApprovalNeeded', { status: 'NOT_REQUIRED' }));

  // 2. Recommend and plan.
  const plan = invokeOpsFunction(scope, 'PlanRightsizing', functions['plan-rightsizing'], {
    payload: TaskInput.fromObject({
      // Where the recommend step stored them (the list may be larger than a state may hold).
      recommendations: JsonPath.objectAt('$.recommendation.recommendations'),
      dryRun: JsonPath.stringAt('$.request.dryRun'),
      executionId: JsonPath.stringAt('$.executionId'),
    }),
    resultPath: '$.plan',
    comment: 'Guardrails: mode, weekly cap, p99 floor, stateful tier, GitOps',
  });
  plan.addCatch(releaseAfterFailure, catchAll);
  plan.next(
    new Choice(scope, 'IsApplyOff')
      .when(Condition.stringEquals('$.plan.mode', 'off'), buildReport)
      .otherwise(needsApproval),
  );
  const recommend = invokeOpsFunction(scope, 'RecommendRightsizing', functions['recommend-rightsizing'], {
    inputPath: '$.request',
    resultPath: '$.recommendation',
  });
  recommend.addCatch(releaseAfterFailure, catchAll);
  recommend.next(plan);

  // 1. Lease.
  const acquireLease = invokeOpsFunction(
    scope,
    'AcquireEnvironmentLease',
    functions['acquire-rightsizing-lease'],
    {
      payload: TaskInput.fromObject(OWNER),
      resultPath: '$.lease',
      comment: 'One cost-optimise run per environment at a time',
    },
  );
  acquireLease.addCatch(
    new Fail(scope, 'ReportEnvironmentBusy', {
      error: COST_OPTIMISE_BUSY_ERROR,
      causePath: '$.failure.Cause',
    }),
    { errors: ['LockHeldError'], resultPath: '$.failure' },
  );
  // Nothing of ours to release: the lease was never taken.
  acquireLease.addCatch(notifyFailure, catchAll);
  acquireLease.next(recommend);

  // 0. Input.
  const validate = invokeOpsFunction(
    scope,
    'ValidateRightsizingRequest',
    functions['validate-rightsizing-request'],
    { inputPath: '$.input', resultPath: '$.request' },
  );
  validate.addCatch(notifyFailure, catchAll);
  validate.next(acquireLease);
  return new Pass(scope, 'StartCostOptimiseRun', {
    parameters: { 'input.$': '$', 'executionId.$': '$$.Execution.Name' },
  }).next(validate);
}
