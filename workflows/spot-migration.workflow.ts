/**
 * spot-migration: moves a pool's managed node group from on-demand to spot capacity, or back
 * (`direction`), without a pod ever being forced off a node. Safe to run again after a failure at
 * any step: every step looks at the cluster as it is.
 *
 * 1. PlanSpotMigration (preflight): the pool exists, is not on-demand only (storage, system: the
 *    stateful tier), the new group's instance types are enough (>= 6 for spot) and of one
 *    architecture; finds the old group, the new one if a previous run created it, and the old
 *    group's Nodes ($.plan). A refusal, like every failure below, goes into $.failure and straight
 *    to the report.
 * 2. IsDryRun: a dry run takes no lease and creates nothing; it goes through the drain loop (step 5)
 *    with server-side dry runs, so its report says which pods each Node would lose and which
 *    PodDisruptionBudget would block, then to the report.
 * 3. AcquireSpotMigrationLease: one run per pool ($.lease). IsAlreadyMigrated: a pool already on
 *    the target capacity alone is only verified (step 7).
 * 4. EnsureSpotNodeGroup creates the new group like the old one (subnets, node role, labels,
 *    taints, tags, launch template), or finds it and uncordons what a migration had cordoned in it
 *    ($.targetGroup); WaitForSpotNodeGroup / CheckSpotNodeGroup poll until it is ACTIVE with its
 *    Nodes Ready (SpotNodeGroupTimeoutError past its deadline).
 * 5. StartSourceDrain, then DrainSourceNodes: cordons every Node of the old group (marked as the
 *    migration's) and drains the next `batchSize` of them through the eviction API within their
 *    PodDisruptionBudgets ($.drain); WaitForRescheduling lets the evicted pods settle on the new
 *    group before the next batch. IsSourceDrainBlocked: a Node that could not be emptied in time
 *    stops the run (BLOCKED): nothing is forced, the report names the pods and budgets.
 * 6. StartSourceRetirement, then RetireSourceNodeGroup: scales the old group to zero, then deletes
 *    it once its Nodes are gone (never while one still holds a pod to evict);
 *    WaitForSourceRetirement polls until it is gone ($.retirement).
 * 7. VerifySpotMigration: one group of the target capacity serves the pool, ACTIVE, its Nodes
 *    Ready, nothing needing the pool Pending ($.verification).
 * 8. BuildSpotMigrationReport ($.report). HoldsLease: ReleaseSpotMigrationLease (a failure to do so
 *    is kept in $.leaseReleaseError: the lease expires by itself). RecordSpotMigrationAudit, once
 *    per execution ($.auditError if it fails).
 * 9. IsRealRun: a real run notifies the operators (NotifyOperators; $.notificationError if it
 *    fails). IsMigrated: MIGRATED, ALREADY_MIGRATED and DRY_RUN end in ReportMigrated with the
 *    report as output; REFUSED, BLOCKED, VERIFY_FAILED and FAILED in ReportMigrationFailed.
 */

import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  Fail,
  JsonPath,
  Pass,
  Result,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { SUCCESSFUL_SPOT_MIGRATION_STATUSES } from '../functions/core/cost/spot/report.ts';
import { invokeOpsFunction, Workflow } from '../infra/constructs/workflow.ts';

export const SPOT_MIGRATION_WORKFLOW = 'spot-migration';
export const SPOT_MIGRATION_FAILED_ERROR = 'SpotMigrationFailed';

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const SPOT_MIGRATION_HANDLERS = [
  'plan-spot-migration',
  'acquire-spot-migration-lease',
  'ensure-spot-node-group',
  'check-spot-node-group',
  'drain-spot-source-nodes',
  'retire-spot-source-node-group',
  'verify-spot-migration',
  'build-spot-migration-report',
  'release-spot-migration-lease',
  'record-spot-migration-audit',
  'notify',
] as const;
export type SpotMigrationHandler = (typeof SPOT_MIGRATION_HANDLERS)[number];

/**
 * New group (20 min), 25 batches of a 50-node pool (5 min of budget retries and a pause each), the
 * old group's scale-in and deletion (30 min), margin.
 */
export const SPOT_MIGRATION_TIMEOUT = Duration.hours(6);
/** The lease outlives the execution, so only a dead execution's lease ever expires. */
export const SPOT_MIGRATION_LEASE_TTL = SPOT_MIGRATION_TIMEOUT.plus(Duration.minutes(15));
const NODE_GROUP_POLL = Duration.seconds(30);
/** Between batches: the evicted pods' replacements start on the new group and count for their budgets again. */
const RESCHEDULE_PAUSE = Duration.seconds(30);
const RETIREMENT_POLL = Duration.seconds(30);

export interface SpotMigrationWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<SpotMigrationHandler, IFunction>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
}

export function spotMigrationWorkflow(
  scope: Construct,
  id: string,
  props: SpotMigrationWorkflowProps,
): Workflow {
  return new Workflow(scope, id, {
    workflowName: SPOT_MIGRATION_WORKFLOW,
    environmentName: props.environmentName,
    timeout: SPOT_MIGRATION_TIMEOUT,
    logRetention: props.logRetention,
    logRemovalPolicy: props.logRemovalPolicy,
    comment:
      "Moves a pool's node group between on-demand and spot: new group, gradual drain, old group removed",
    definition: (definitionScope) => defineSpotMigration(definitionScope, props.functions),
  });
}

function defineSpotMigration(scope: Construct, functions: SpotMigrationWorkflowProps['functions']) {
  const catchFailure = { errors: ['States.ALL'], resultPath: '$.failure' };
  const plan = JsonPath.objectAt('$.plan');

  const planMigration = invokeOpsFunction(scope, 'PlanSpotMigration', functions['plan-spot-migration'], {
    resultPath: '$.plan',
    comment: 'Preflight: the pool, the stateful tier, the instance types; the groups and Nodes as they are',
  });
  const buildReport = invokeOpsFunction(
    scope,
    'BuildSpotMigrationReport',
    functions['build-spot-migration-report'],
    {
      resultPath: '$.report',
    },
  );
  planMigration.addCatch(buildReport, catchFailure);

  // 3. The pool's lease.
  const leaseEvent = TaskInput.fromObject({
    cluster: JsonPath.stringAt('$.plan.cluster'),
    pool: JsonPath.stringAt('$.plan.pool'),
    owner: JsonPath.executionName,
  });
  const acquireLease = invokeOpsFunction(
    scope,
    'AcquireSpotMigrationLease',
    functions['acquire-spot-migration-lease'],
    {
      payload: leaseEvent,
      resultPath: '$.lease',
      comment: 'One migration per pool at a time',
    },
  );
  acquireLease.addCatch(buildReport, catchFailure);

  // 7. Verification.
  const verify = invokeOpsFunction(scope, 'VerifySpotMigration', functions['verify-spot-migration'], {
    payload: TaskInput.fromObject({ plan }),
    resultPath: '$.verification',
  });
  verify.addCatch(buildReport, catchFailure);
  verify.next(buildReport);

  // 6. The old group goes: scale to zero, then delete.
  const startRetirement = new Pass(scope, 'StartSourceRetirement', {
    result: Result.fromObject({}),
    resultPath: '$.retirement',
  });
  const retire = invokeOpsFunction(
    scope,
    'RetireSourceNodeGroup',
    functions['retire-spot-source-node-group'],
    {
      payload: TaskInput.fromObject({
        plan,
        previous: JsonPath.objectAt('$.retirement'),
        executionId: JsonPath.executionName,
      }),
      resultPath: '$.retirement',
      comment: 'Scale the drained old group to zero, then delete it; one move per call',
    },
  );
  retire.addCatch(buildReport, catchFailure);
  const waitForRetirement = new Wait(scope, 'WaitForSourceRetirement', {
    time: WaitTime.duration(RETIREMENT_POLL),
  });
  const isRetired = new Choice(scope, 'IsSourceRetired')
    .when(Condition.stringEquals('$.retirement.phase', 'deleted'), verify)
    .otherwise(waitForRetirement);
  startRetirement.next(retire).next(isRetired);
  waitForRetirement.next(retire);

  // 5. The old group's Nodes, a batch at a time.
  const startDrain = new Pass(scope, 'StartSourceDrain', {
    result: Result.fromObject({ next: 0, results: [], done: false, blocked: false, cordoned: [] }),
    resultPath: '$.drain',
  });
  const drain = invokeOpsFunction(scope, 'DrainSourceNodes', functions['drain-spot-source-nodes'], {
    payload: TaskInput.fromObject({
      plan,
      next: JsonPath.numberAt('$.drain.next'),
      results: JsonPath.listAt('$.drain.results'),
    }),
    resultPath: '$.drain',
    comment: 'Cordon the old group, drain the next batch within PodDisruptionBudgets; never forced',
  });
  drain.addCatch(buildReport, catchFailure);
  const waitForRescheduling = new Wait(scope, 'WaitForRescheduling', {
    time: WaitTime.duration(RESCHEDULE_PAUSE),
  });
  waitForRescheduling.next(drain);
  const isDrained = new Choice(scope, 'IsSourceDrainBlocked')
    .when(Condition.booleanEquals('$.drain.blocked', true), buildReport)
    .when(
      Condition.and(
        Condition.booleanEquals('$.drain.done', true),
        Condition.booleanEquals('$.plan.dryRun', true),
      ),
      buildReport,
    )
    .when(Condition.booleanEquals('$.drain.done', true), startRetirement)
    .when(Condition.booleanEquals('$.plan.dryRun', true), drain)
    .otherwise(waitForRescheduling);
  startDrain.next(drain).next(isDrained);

  // 4. The new group.
  const ensureGroup = invokeOpsFunction(scope, 'EnsureSpotNodeGroup', functions['ensure-spot-node-group'], {
    payload: TaskInput.fromObject({ plan, executionId: JsonPath.executionName }),
    resultPath: '$.targetGroup',
    comment: 'Create the new group like the old one, or find it and uncordon what a migration cordoned',
  });
  ensureGroup.addCatch(buildReport, catchFailure);
  const waitForGroup = new Wait(scope, 'WaitForSpotNodeGroup', { time: WaitTime.duration(NODE_GROUP_POLL) });
  const checkGroup = invokeOpsFunction(scope, 'CheckSpotNodeGroup', functions['check-spot-node-group'], {
    payload: TaskInput.fromObject({ plan, deadline: JsonPath.stringAt('$.targetGroup.deadline') }),
    resultPath: '$.targetGroup.readiness',
  });
  checkGroup.addCatch(buildReport, catchFailure);
  const isGroupReady = new Choice(scope, 'IsSpotNodeGroupReady')
    .when(Condition.booleanEquals('$.targetGroup.readiness.ready', true), startDrain)
    .otherwise(waitForGroup);
  ensureGroup.next(waitForGroup);
  waitForGroup.next(checkGroup).next(isGroupReady);

  const isAlreadyMigrated = new Choice(scope, 'IsAlreadyMigrated')
    .when(Condition.booleanEquals('$.plan.alreadyMigrated', true), verify)
    .otherwise(ensureGroup);
  acquireLease.next(isAlreadyMigrated);

  // 8-9. Report, lease, audit, notification, verdict.
  const reportMigrated = new Succeed(scope, 'ReportMigrated', { outputPath: '$.report' });
  const serializeReport = new Pass(scope, 'SerializeSpotMigrationReport', {
    parameters: { cause: JsonPath.jsonToString(JsonPath.objectAt('$.report')) },
    resultPath: '$.verdict',
  });
  const reportFailed = new Fail(scope, 'ReportMigrationFailed', {
    error: SPOT_MIGRATION_FAILED_ERROR,
    causePath: '$.verdict.cause',
  });
  serializeReport.next(reportFailed);
  const isMigrated = new Choice(scope, 'IsMigrated')
    .when(
      Condition.or(
        ...SUCCESSFUL_SPOT_MIGRATION_STATUSES.map((status) =>
          Condition.stringEquals('$.report.status', status),
        ),
      ),
      reportMigrated,
    )
    .otherwise(serializeReport);
  const notify = invokeOpsFunction(scope, 'NotifyOperators', functions.notify, {
    payload: TaskInput.fromObject({
      workflow: SPOT_MIGRATION_WORKFLOW,
      subject: JsonPath.format(
        'lakehouse-ops spot-migration {} {}: {}',
        JsonPath.stringAt('$.report.pool'),
        JsonPath.stringAt('$.report.direction'),
        JsonPath.stringAt('$.report.status'),
      ),
      summary: JsonPath.stringAt('$.report.summary'),
      detail: JsonPath.objectAt('$.report'),
    }),
    resultPath: '$.notification',
  });
  notify.addCatch(isMigrated, { errors: ['States.ALL'], resultPath: '$.notificationError' });
  notify.next(isMigrated);
  const isRealRun = new Choice(scope, 'IsRealRun')
    .when(Condition.booleanEquals('$.report.dryRun', true), isMigrated)
    .otherwise(notify);
  const recordAudit = invokeOpsFunction(
    scope,
    'RecordSpotMigrationAudit',
    functions['record-spot-migration-audit'],
    {
      payload: TaskInput.fromObject({
        report: JsonPath.objectAt('$.report'),
        executionId: JsonPath.executionName,
      }),
      resultPath: '$.audit',
    },
  );
  recordAudit.addCatch(isRealRun, { errors: ['States.ALL'], resultPath: '$.auditError' });
  recordAudit.next(isRealRun);
  const releaseLease = invokeOpsFunction(
    scope,
    'ReleaseSpotMigrationLease',
    functions['release-spot-migration-lease'],
    {
      payload: leaseEvent,
      resultPath: '$.leaseRelease',
    },
  );
  releaseLease.addCatch(recordAudit, { errors: ['States.ALL'], resultPath: '$.leaseReleaseError' });
  releaseLease.next(recordAudit);
  const holdsLease = new Choice(scope, 'HoldsLease')
    .when(Condition.isPresent('$.lease.owner'), releaseLease)
    .otherwise(recordAudit);
  buildReport.next(holdsLease);

  const isDryRun = new Choice(scope, 'IsDryRun')
    .when(Condition.booleanEquals('$.plan.dryRun', true), startDrain)
    .otherwise(acquireLease);
  return planMigration.next(isDryRun);
}
