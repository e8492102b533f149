/**
 * off-hours: puts a development or staging environment to sleep outside working hours and wakes it
 * again, restoring exactly what it saved (functions/core/cost/off-hours).
 *
 * 0. StartOffHoursRun keeps the input as $.request beside the execution name ($.executionId).
 * 1. PreflightOffHours validates the input ({action, dryRun, requestedBy, reason?}), refuses
 *    production, requires the EKS cluster ACTIVE ($.run).
 * 2. TakesLease: a real run takes the environment's lease (AcquireOffHoursLease, $.lease); a dry run
 *    changes nothing and takes none. LockHeldError, like every failure below, goes into $.failure
 *    and straight to the outcome.
 * 3. PlanOffHours reads the cluster, the node groups and the saved snapshot and writes the plan
 *    ($.plan): every change with its before and after, what is kept and why. HasWork: a plan with
 *    `noop` (a second sleep, a wake of an awake environment) ends here and says so.
 * 4. sleep: SaveOffHoursSnapshot (real runs) saves the counts before anything changes, merged with
 *    any snapshot already there, never over it. ScaleDownWorkloads (Deployments and StatefulSets to
 *    zero, CronJobs suspended, annotated asleep) and ShrinkNodeGroups; then WaitForSleep /
 *    CheckSleepProgress until the pods and nodes are gone, and MarkEnvironmentAsleep.
 * 5. wake: RestoreNodeGroups first (the saved min/desired/max), WaitForNodeGroups /
 *    CheckNodeGroupsRestored until their Nodes are Ready, then RestoreWorkloads (saved replicas and
 *    suspend flags, sleep annotations removed), WaitForRollouts / CheckRollouts until every rollout
 *    is complete, and ClearOffHoursSnapshot.
 *    A dry run sends the Kubernetes writes with dryRun=All, only describes the EKS changes, and
 *    skips the snapshot and the waits. A check past its deadline fails with OffHoursNotSettledError.
 * 6. HoldsLease: ReleaseOffHoursLease gives the lease back ($.leaseReleaseError if it cannot: it
 *    expires by itself). RecordOffHoursOutcome builds the report and writes it to the audit trail.
 * 7. ShouldNotify: real changes and failures go to NotifyOperators ($.notificationError if that
 *    fails). IsOffHoursDone: FAILED ends in ReportOffHoursFailed (error OffHoursFailed, the report's
 *    message as cause); everything else in ReportOffHoursDone with the report as output.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  Fail,
  type IChainable,
  JsonPath,
  Pass,
  type State,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { OFF_HOURS_WORKFLOW } from '../functions/core/cost/off-hours/request.ts';
import {
  DEFAULT_NODE_GROUP_TIMEOUT_SECONDS,
  DEFAULT_ROLLOUT_TIMEOUT_SECONDS,
} from '../functions/core/cost/off-hours/settings.ts';
import type { VerifyPhase } from '../functions/core/cost/off-hours/verify.ts';
import { invokeOpsFunction, Workflow } from '../infra/constructs/workflow.ts';

export { OFF_HOURS_WORKFLOW };

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const OFF_HOURS_HANDLERS = [
  'preflight-off-hours',
  'acquire-off-hours-lease',
  'plan-off-hours',
  'save-off-hours-snapshot',
  'scale-off-hours-workloads',
  'resize-off-hours-node-groups',
  'check-off-hours-progress',
  'finish-off-hours',
  'release-off-hours-lease',
  'record-off-hours-outcome',
  'notify',
] as const;
export type OffHoursHandler = (typeof OFF_HOURS_HANDLERS)[number];

/** Node groups and rollouts at their default deadlines (OFF_HOURS_SETTINGS may shorten them), plus margin. */
export const OFF_HOURS_TIMEOUT = Duration.seconds(
  DEFAULT_NODE_GROUP_TIMEOUT_SECONDS + DEFAULT_ROLLOUT_TIMEOUT_SECONDS,
).plus(Duration.minutes(25));
/** The lease outlives the execution, so only a dead execution's lease ever expires. */
export const OFF_HOURS_LEASE_TTL = OFF_HOURS_TIMEOUT.plus(Duration.minutes(15));
export const OFF_HOURS_FAILED_ERROR = 'OffHoursFailed';
const NODE_GROUP_POLL = Duration.seconds(30);
const ROLLOUT_POLL = Duration.seconds(10);

export interface OffHoursWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<OffHoursHandler, IFunction>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
}

export function offHoursWorkflow(scope: Construct, id: string, props: OffHoursWorkflowProps): Workflow {
  return new Workflow(scope, id, {
    workflowName: OFF_HOURS_WORKFLOW,
    environmentName: props.environmentName,
    timeout: OFF_HOURS_TIMEOUT,
    logRetention: props.logRetention,
    logRemovalPolicy: props.logRemovalPolicy,
    comment:
      'Off-hours sleep (save, scale to zero, shrink node groups) or wake (restore exactly what was saved)',
    definition: (definitionScope) => defineOffHours(definitionScope, props.functions),
  });
}

type Functions = OffHoursWorkflowProps['functions'];
const PLAN = { plan: JsonPath.objectAt('$.plan') };
const isDryRun = Condition.booleanEquals('$.plan.dryRun', true);

/** A poll loop: wait, check, and go on once `$.progress.complete`. */
function pollUntilSettled(
  scope: Construct,
  names: { wait: string; check: string; done: string },
  check: { fn: IFunction; phase: VerifyPhase; deadline: string; every: Duration },
  onFailure: State,
  next: IChainable,
): Wait {
  const wait = new Wait(scope, names.wait, { time: WaitTime.duration(check.every) });
  const task = invokeOpsFunction(scope, names.check, check.fn, {
    payload: TaskInput.fromObject({
      ...PLAN,
      phase: check.phase,
      deadline: JsonPath.stringAt(check.deadline),
    }),
    resultPath: '$.progress',
  });
  task.addCatch(onFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
  const done = new Choice(scope, names.done)
    .when(Condition.booleanEquals('$.progress.complete', true), next)
    .otherwise(wait);
  wait.next(task).next(done);
  return wait;
}

function defineOffHours(scope: Construct, functions: Functions): IChainable {
  const recordOutcome = defineOutcome(scope, functions);
  const catchInto = (task: LambdaInvoke): LambdaInvoke => {
    task.addCatch(recordOutcome, { errors: ['States.ALL'], resultPath: '$.failure' });
    return task;
  };
  /** A Lambda step whose event is an object of paths, or one path of the state (`$.run`). */
  const call = (
    id: string,
    fn: OffHoursHandler,
    input: Record<string, unknown> | string,
    resultPath: string,
    comment?: string,
  ) =>
    catchInto(
      invokeOpsFunction(scope, id, functions[fn], {
        ...(typeof input === 'string' ? { inputPath: input } : { payload: TaskInput.fromObject(input) }),
        resultPath,
        comment,
      }),
    );

  const start = new Pass(scope, 'StartOffHoursRun', {
    parameters: { request: JsonPath.entirePayload, executionId: JsonPath.executionName },
  });
  const preflight = call(
    'PreflightOffHours',
    'preflight-off-hours',
    '$.request',
    '$.run',
    'Validate the input, refuse production, require the cluster ACTIVE',
  );
  const acquireLease = call(
    'AcquireOffHoursLease',
    'acquire-off-hours-lease',
    { environment: JsonPath.stringAt('$.run.environment'), owner: JsonPath.executionName },
    '$.lease',
    'One off-hours run per environment at a time',
  );
  const plan = call(
    'PlanOffHours',
    'plan-off-hours',
    '$.run',
    '$.plan',
    'What sleep saves and changes, or what wake restores',
  );

  // 4. sleep.
  const saveSnapshot = call(
    'SaveOffHoursSnapshot',
    'save-off-hours-snapshot',
    { ...PLAN, executionId: JsonPath.executionName },
    '$.snapshot',
    'Save the counts before changing anything; never over a newer snapshot',
  );
  const scaleDown = call('ScaleDownWorkloads', 'scale-off-hours-workloads', PLAN, '$.workloads');
  const shrink = call(
    'ShrinkNodeGroups',
    'resize-off-hours-node-groups',
    { ...PLAN, executionId: JsonPath.executionName },
    '$.nodeGroups',
  );
  const markAsleep = call(
    'MarkEnvironmentAsleep',
    'finish-off-hours',
    { ...PLAN, savedVersion: JsonPath.numberAt('$.snapshot.version') },
    '$.finish',
  );
  markAsleep.next(recordOutcome);
  const poll = (
    names: { wait: string; check: string; done: string },
    phase: VerifyPhase,
    deadline: string,
    every: Duration,
    next: IChainable,
  ) =>
    pollUntilSettled(
      scope,
      names,
      { fn: functions['check-off-hours-progress'], phase, deadline, every },
      recordOutcome,
      next,
    );
  const waitForSleep = poll(
    { wait: 'WaitForSleep', check: 'CheckSleepProgress', done: 'IsAsleep' },
    'all',
    '$.nodeGroups.deadline',
    NODE_GROUP_POLL,
    markAsleep,
  );
  scaleDown
    .next(shrink)
    .next(new Choice(scope, 'NeedsSleepCheck').when(isDryRun, recordOutcome).otherwise(waitForSleep));
  saveSnapshot.next(scaleDown);
  const sleep = new Choice(scope, 'IsSleepDryRun').when(isDryRun, scaleDown).otherwise(saveSnapshot);

  // 5. wake: node groups first, so that the restored workloads have nodes to run on.
  const restoreNodeGroups = call(
    'RestoreNodeGroups',
    'resize-off-hours-node-groups',
    { ...PLAN, executionId: JsonPath.executionName },
    '$.nodeGroups',
  );
  const restoreWorkloads = call('RestoreWorkloads', 'scale-off-hours-workloads', PLAN, '$.workloads');
  const clearSnapshot = call('ClearOffHoursSnapshot', 'finish-off-hours', PLAN, '$.finish');
  clearSnapshot.next(recordOutcome);
  const waitForRollouts = poll(
    { wait: 'WaitForRollouts', check: 'CheckRollouts', done: 'AreRolloutsDone' },
    'workloads',
    '$.workloads.deadline',
    ROLLOUT_POLL,
    clearSnapshot,
  );
  restoreWorkloads.next(
    new Choice(scope, 'NeedsRolloutCheck').when(isDryRun, recordOutcome).otherwise(waitForRollouts),
  );
  const waitForNodeGroups = poll(
    { wait: 'WaitForNodeGroups', check: 'CheckNodeGroupsRestored', done: 'AreNodeGroupsRestored' },
    'node-groups',
    '$.nodeGroups.deadline',
    NODE_GROUP_POLL,
    restoreWorkloads,
  );
  restoreNodeGroups.next(
    new Choice(scope, 'NeedsNodeGroupCheck').when(isDryRun, restoreWorkloads).otherwise(waitForNodeGroups),
  );

  const hasWork = new Choice(scope, 'HasWork')
    .when(Condition.isPresent('$.plan.noop'), recordOutcome)
    .when(Condition.stringEquals('$.plan.action', 'sleep'), sleep)
    .otherwise(restoreNodeGroups);
  plan.next(hasWork);
  acquireLease.next(plan);
  const takesLease = new Choice(scope, 'TakesLease')
    .when(Condition.booleanEquals('$.run.dryRun', true), plan)
    .otherwise(acquireLease);
  return start.next(preflight).next(takesLease);
}

/** 6-7: lease back, report and audit, notification, verdict. Returns the first state. */
function defineOutcome(scope: Construct, functions: Functions): State {
  const reportDone = new Succeed(scope, 'ReportOffHoursDone', { outputPath: '$.report' });
  const reportFailed = new Fail(scope, 'ReportOffHoursFailed', {
    error: OFF_HOURS_FAILED_ERROR,
    causePath: '$.report.message',
  });
  const isDone = new Choice(scope, 'IsOffHoursDone')
    .when(Condition.stringEquals('$.report.status', 'FAILED'), reportFailed)
    .otherwise(reportDone);
  const notify = invokeOpsFunction(scope, 'NotifyOperators', functions.notify, {
    payload: TaskInput.fromObject({
      workflow: OFF_HOURS_WORKFLOW,
      subject: JsonPath.stringAt('$.report.subject'),
      summary: JsonPath.stringAt('$.report.message'),
      detail: JsonPath.objectAt('$.report'),
    }),
    resultPath: '$.notification',
  });
  notify.addCatch(isDone, { errors: ['States.ALL'], resultPath: '$.notificationError' });
  notify.next(isDone);
  const shouldNotify = new Choice(scope, 'ShouldNotify')
    .when(Condition.booleanEquals('$.report.notify', true), notify)
    .otherwise(isDone);
  const record = invokeOpsFunction(scope, 'RecordOffHoursOutcome', functions['record-off-hours-outcome'], {
    inputPath: '$',
    resultPath: '$.report',
    comment: 'The report (also of a failed run) into the audit trail, once per execution',
  });
  record.next(shouldNotify);
  const release = invokeOpsFunction(scope, 'ReleaseOffHoursLease', functions['release-off-hours-lease'], {
    payload: TaskInput.fromObject({
      environment: JsonPath.stringAt('$.run.environment'),
      owner: JsonPath.executionName,
    }),
    resultPath: '$.leaseRelease',
  });
  release.addCatch(record, { errors: ['States.ALL'], resultPath: '$.leaseReleaseError' });
  release.next(record);
  return new Choice(scope, 'HoldsLease')
    .when(Condition.isPresent('$.lease.owner'), release)
    .otherwise(record);
}
