/**
 * provision: brings an environment from empty to validated, and is a no-op when run again.
 *
 * 1. PlanProvision validates the input ({environment, components, dryRun, requestedBy}) against
 *    the environment this deployment manages, requires the EKS cluster ACTIVE, and writes the plan
 *    (the manifest stages of the chosen components, whether node groups and buckets are in) to $.plan.
 * 1a. TakesLock: a real run takes the cluster's provision lease (AcquireProvisionLock, DynamoDB,
 *    $.lock); a dry run changes nothing and takes none. LockHeldError (another run has it) goes,
 *    like every failure below, into $.failure and straight to the report.
 * 2. HasNodeGroups: with `infrastructure`, EnsureNodeGroups creates the missing managed node groups
 *    and rescales the others to their configured sizes ($.nodeGroups, with a deadline); until they
 *    are ACTIVE at their sizes, WaitForNodeGroups / CheckNodeGroups poll (CheckNodeGroups fails
 *    with NodeGroupNotReadyError past the deadline, so the loop ends).
 * 3. HasStages / StartManifestStages, then a loop over the plan's stages in order (namespaces,
 *    RBAC, network policies, storage, secrets, then each application): ApplyManifestStage
 *    server-side applies (or dry-runs) the next stage's objects, appends its result to
 *    $.manifests.stages and lists its workloads; until they are rolled out, WaitForRollout /
 *    CheckRollout poll (RolloutFailedError on a failed rollout or past the stage's deadline);
 *    AreStagesDone goes round again. A loop rather than a Map: a failed Map iteration would drop
 *    the results of the stages before it, and the report must say what was applied.
 * 4. HasBuckets: with `minio`, EnsureMinioBuckets creates and configures the buckets ($.buckets).
 * 5. IsDryRun: a real run starts validate-platform as a nested execution and waits for it
 *    (ValidatePlatform, $.validation); its failure (PlatformUnhealthy or any other) is caught into
 *    $.validationFailure. A dry run applies nothing, so it is not validated.
 *    A failure in steps 2-4 is caught into $.failure and goes straight to the report.
 * 6. BuildProvisionReport: per stage what was created, changed (which fields) and unchanged,
 *    the node groups, the buckets, the verdict ($.report).
 * 6a. HoldsLock: ReleaseProvisionLock gives the lease back (a failure to do so is recorded in
 *    $.lockReleaseError: the lease expires by itself). RecordProvisionAudit writes the request and
 *    the report to the audit trail, once per execution.
 * 7. IsProvisioned: PROVISIONED and DRY_RUN end in ReportProvisioned with the report as output.
 *    Otherwise SerializeProvisionReport, NotifyOperators (a failed notification is recorded in
 *    $.notificationError), and ReportProvisionFailed fails the execution with ProvisionFailed.
 */
import { ArnFormat, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  Fail,
  IntegrationPattern,
  type IStateMachine,
  JsonPath,
  Pass,
  Result,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { ValidatePlatformRequest } from '../functions/core/validation/request.ts';
import { acknowledgeWildcardResources } from '../infra/constructs/nag-acknowledgements.ts';
import { invokeOpsFunction, Workflow } from '../infra/constructs/workflow.ts';

export const PROVISION_WORKFLOW = 'provision';

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const PROVISION_HANDLERS = [
  'plan-provision',
  'acquire-provision-lock',
  'ensure-node-groups',
  'check-node-groups',
  'apply-manifests',
  'check-rollout',
  'ensure-minio-buckets',
  'build-provision-report',
  'release-provision-lock',
  'record-provision-audit',
  'notify',
] as const;
export type ProvisionHandler = (typeof PROVISION_HANDLERS)[number];

/** Node groups (20 min), nine stages of rollouts (10 min each at most), buckets, validation, margin. */
export const PROVISION_TIMEOUT = Duration.hours(3);
/** The provision lease outlives the execution, so only a dead execution's lease ever expires. */
export const PROVISION_LOCK_TTL = PROVISION_TIMEOUT.plus(Duration.minutes(15));
export const PROVISION_FAILED_ERROR = 'ProvisionFailed';
const NODE_GROUP_POLL = Duration.seconds(30);
const ROLLOUT_POLL = Duration.seconds(10);

/** What the nested validate-platform runs: the full suite, notifying nobody (provision notifies). */
export const NESTED_VALIDATION_INPUT = {
  suite: 'full',
  notify: false,
  requestedBy: 'provision',
  performance: false,
} as const satisfies ValidatePlatformRequest;

export interface ProvisionWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<ProvisionHandler, IFunction>>;
  /** The validate-platform state machine the run ends with. */
  readonly validatePlatform: IStateMachine;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
}

export function provisionWorkflow(scope: Construct, id: string, props: ProvisionWorkflowProps): Workflow {
  const workflow = new Workflow(scope, id, {
    workflowName: PROVISION_WORKFLOW,
    environmentName: props.environmentName,
    timeout: PROVISION_TIMEOUT,
    logRetention: props.logRetention,
    logRemovalPolicy: props.logRemovalPolicy,
    comment: 'Node groups, cluster-manifests by server-side apply, MinIO buckets, then validate-platform',
    definition: (definitionScope) => defineProvision(definitionScope, props),
  });
  acknowledgeNestedExecutionPolicy(workflow, props.validatePlatform);
  return workflow;
}

function defineProvision(scope: Construct, props: ProvisionWorkflowProps) {
  const { functions } = props;
  const catchFailure = { errors: ['States.ALL'], resultPath: '$.failure' };

  const plan = invokeOpsFunction(scope, 'PlanProvision', functions['plan-provision'], {
    resultPath: '$.plan',
    comment: 'Validate the input, require the cluster ACTIVE, plan the stages',
  });

  const buildReport = invokeOpsFunction(scope, 'BuildProvisionReport', functions['build-provision-report'], {
    resultPath: '$.report',
  });

  // 1a. The cluster's lease, for real runs.
  const lockEvent = TaskInput.fromObject({
    cluster: JsonPath.stringAt('$.plan.cluster'),
    owner: JsonPath.executionName,
  });
  const acquireLock = invokeOpsFunction(scope, 'AcquireProvisionLock', functions['acquire-provision-lock'], {
    payload: lockEvent,
    resultPath: '$.lock',
    comment: 'One provision run per cluster at a time',
  });
  acquireLock.addCatch(buildReport, catchFailure);

  // 2. Node groups.
  const ensureNodeGroups = invokeOpsFunction(scope, 'EnsureNodeGroups', functions['ensure-node-groups'], {
    payload: TaskInput.fromObject({ dryRun: JsonPath.stringAt('$.plan.dryRun') }),
    resultPath: '$.nodeGroups',
  });
  const checkNodeGroups = invokeOpsFunction(scope, 'CheckNodeGroups', functions['check-node-groups'], {
    payload: TaskInput.fromObject({ deadline: JsonPath.stringAt('$.nodeGroups.deadline') }),
    resultPath: '$.nodeGroups.readiness',
  });
  const waitForNodeGroups = new Wait(scope, 'WaitForNodeGroups', {
    time: WaitTime.duration(NODE_GROUP_POLL),
  });
  ensureNodeGroups.addCatch(buildReport, catchFailure);
  checkNodeGroups.addCatch(buildReport, catchFailure);

  // 3. Manifests, stage by stage.
  const startStages = new Pass(scope, 'StartManifestStages', {
    result: Result.fromObject({ next: 0, stages: [], done: false }),
    resultPath: '$.manifests',
  });
  const applyStage = invokeOpsFunction(scope, 'ApplyManifestStage', functions['apply-manifests'], {
    payload: TaskInput.fromObject({
      plan: JsonPath.objectAt('$.plan'),
      next: JsonPath.numberAt('$.manifests.next'),
      applied: JsonPath.listAt('$.manifests.stages'),
    }),
    resultPath: '$.manifests',
    comment: 'Server-side apply (or dry run) of the next stage; its results are appended to the others',
  });
  const waitForRollout = new Wait(scope, 'WaitForRollout', { time: WaitTime.duration(ROLLOUT_POLL) });
  const checkRollout = invokeOpsFunction(scope, 'CheckRollout', functions['check-rollout'], {
    payload: TaskInput.fromObject({
      stage: JsonPath.stringAt('$.manifests.current.stage'),
      rollouts: JsonPath.listAt('$.manifests.current.rollouts'),
      rolloutDeadline: JsonPath.stringAt('$.manifests.current.rolloutDeadline'),
    }),
    resultPath: '$.rollout',
  });
  applyStage.addCatch(buildReport, catchFailure);
  checkRollout.addCatch(buildReport, catchFailure);
  // 4. Buckets.
  const ensureBuckets = invokeOpsFunction(scope, 'EnsureMinioBuckets', functions['ensure-minio-buckets'], {
    payload: TaskInput.fromObject({ dryRun: JsonPath.stringAt('$.plan.dryRun') }),
    resultPath: '$.buckets',
  });
  ensureBuckets.addCatch(buildReport, catchFailure);

  // 5. validate-platform, nested.
  const validate = new StepFunctionsStartExecution(scope, 'ValidatePlatform', {
    stateMachine: props.validatePlatform,
    integrationPattern: IntegrationPattern.RUN_JOB,
    input: TaskInput.fromObject(NESTED_VALIDATION_INPUT),
    resultSelector: {
      status: JsonPath.stringAt('$.Output.status'),
      summary: JsonPath.objectAt('$.Output.summary'),
      executionArn: JsonPath.stringAt('$.ExecutionArn'),
    },
    resultPath: '$.validation',
    comment: 'The full validate-platform suite as a nested execution',
  });
  validate.addCatch(buildReport, { errors: ['States.ALL'], resultPath: '$.validationFailure' });
  validate.next(buildReport);
  const isDryRun = new Choice(scope, 'IsDryRun')
    .when(Condition.booleanEquals('$.plan.dryRun', true), buildReport)
    .otherwise(validate);
  const hasBuckets = new Choice(scope, 'HasBuckets')
    .when(Condition.booleanEquals('$.plan.buckets', true), ensureBuckets.next(isDryRun))
    .otherwise(isDryRun);
  // One stage after the other: apply, wait for its rollouts, then the next, until none is left.
  const areStagesDone = new Choice(scope, 'AreStagesDone')
    .when(Condition.booleanEquals('$.manifests.done', true), hasBuckets)
    .otherwise(applyStage);
  const isRolledOut = new Choice(scope, 'IsRolledOut')
    .when(Condition.booleanEquals('$.rollout.complete', true), areStagesDone)
    .otherwise(waitForRollout);
  const hasRollouts = new Choice(scope, 'HasRollouts')
    .when(Condition.isPresent('$.manifests.current.rollouts[0]'), waitForRollout)
    .otherwise(areStagesDone);
  waitForRollout.next(checkRollout).next(isRolledOut);
  applyStage.next(hasRollouts);
  const hasStages = new Choice(scope, 'HasStages')
    .when(Condition.isPresent('$.plan.stages[0]'), startStages.next(applyStage))
    .otherwise(hasBuckets);

  const areNodeGroupsReady = new Choice(scope, 'AreNodeGroupsReady')
    .when(Condition.booleanEquals('$.nodeGroups.readiness.ready', true), hasStages)
    .otherwise(waitForNodeGroups);
  waitForNodeGroups.next(checkNodeGroups).next(areNodeGroupsReady);
  const hasNodeGroups = new Choice(scope, 'HasNodeGroups')
    .when(Condition.booleanEquals('$.plan.nodeGroups', true), ensureNodeGroups.next(areNodeGroupsReady))
    .otherwise(hasStages);

  // 6-7. Report and verdict.
  const reportProvisioned = new Succeed(scope, 'ReportProvisioned', { outputPath: '$.report' });
  const serializeReport = new Pass(scope, 'SerializeProvisionReport', {
    parameters: { cause: JsonPath.jsonToString(JsonPath.objectAt('$.report')) },
    resultPath: '$.verdict',
  });
  const reportFailed = new Fail(scope, 'ReportProvisionFailed', {
    error: PROVISION_FAILED_ERROR,
    causePath: '$.verdict.cause',
  });
  const notifyOperators = invokeOpsFunction(scope, 'NotifyOperators', functions.notify, {
    payload: TaskInput.fromObject({
      workflow: PROVISION_WORKFLOW,
      subject: JsonPath.format(
        'lakehouse-ops {}: provision {}',
        JsonPath.stringAt('$.report.environment'),
        JsonPath.stringAt('$.report.status'),
      ),
      summary: JsonPath.format(
        '{} created, {} changed, {} unchanged; validation {}',
        JsonPath.stringAt('$.report.summary.created'),
        JsonPath.stringAt('$.report.summary.changed'),
        JsonPath.stringAt('$.report.summary.unchanged'),
        JsonPath.stringAt('$.report.validation.status'),
      ),
      detail: JsonPath.objectAt('$.report'),
    }),
    resultPath: '$.notification',
  });
  notifyOperators.addCatch(reportFailed, { errors: ['States.ALL'], resultPath: '$.notificationError' });
  const isProvisioned = new Choice(scope, 'IsProvisioned')
    .when(
      Condition.or(
        Condition.stringEquals('$.report.status', 'PROVISIONED'),
        Condition.stringEquals('$.report.status', 'DRY_RUN'),
      ),
      reportProvisioned,
    )
    .otherwise(serializeReport.next(notifyOperators).next(reportFailed));
  const recordAudit = invokeOpsFunction(scope, 'RecordProvisionAudit', functions['record-provision-audit'], {
    payload: TaskInput.fromObject({
      plan: JsonPath.objectAt('$.plan'),
      report: JsonPath.objectAt('$.report'),
      executionId: JsonPath.executionName,
    }),
    resultPath: '$.audit',
  });
  const releaseLock = invokeOpsFunction(scope, 'ReleaseProvisionLock', functions['release-provision-lock'], {
    payload: lockEvent,
    resultPath: '$.lockRelease',
  });
  releaseLock.addCatch(recordAudit, { errors: ['States.ALL'], resultPath: '$.lockReleaseError' });
  const holdsLock = new Choice(scope, 'HoldsLock')
    .when(Condition.isPresent('$.lock.owner'), releaseLock.next(recordAudit))
    .otherwise(recordAudit);
  recordAudit.next(isProvisioned);
  buildReport.next(holdsLock);

  const takesLock = new Choice(scope, 'TakesLock')
    .when(Condition.booleanEquals('$.plan.dryRun', true), hasNodeGroups)
    .otherwise(acquireLock.next(hasNodeGroups));
  return plan.next(takesLock);
}

/**
 * A `.sync` nested execution needs DescribeExecution/StopExecution on the child's executions,
 * whose ARNs end in a name known only at run time, and the managed EventBridge rule Step Functions
 * uses to learn that the child finished.
 */
function acknowledgeNestedExecutionPolicy(workflow: Workflow, validatePlatform: IStateMachine) {
  const policy = workflow.stateMachine.role.node.tryFindChild('DefaultPolicy');
  if (!policy) throw new Error(`${workflow.node.path}: the state machine role has no default policy`);
  const stack = Stack.of(workflow);
  // As StepFunctionsStartExecution grants it: the child machine's name, then any execution name.
  const childName = stack.splitArn(
    validatePlatform.stateMachineArn,
    ArnFormat.COLON_RESOURCE_NAME,
  ).resourceName;
  const executions = stack.formatArn({
    service: 'states',
    resource: 'execution',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    resourceName: `${childName}*`,
  });
  acknowledgeWildcardResources(
    policy,
    [executions],
    'DescribeExecution/StopExecution on the executions of the one validate-platform state machine it starts; execution names are chosen at run time',
  );
}
