/**
 * dr-failover: the gated region failover (docs/dr.md, runbooks/dr-failover.md), within the RTO.
 * Every action is a journaled step (failover-journal.ts): a re-run of a stopped failover continues
 * it, and a step recorded SUCCEEDED is never run twice; its recorded result is reused.
 *
 * 0. StartFailover keeps the input ($.input); ValidateFailoverRequest ($.request); OpenFailover
 *    opens the environment's failover or continues its unfinished one ($.failover).
 * 1. Gates (check-gates): the five gates' verdicts and the decision ($.steps.gates). IsFailoverGated:
 *    FAILED closes the failover ABANDONED (CloseAbandonedFailover), reports, notifies and ends in
 *    ReportFailoverStopped (DrFailoverStopped): nothing was changed.
 * 2. PrepareFailover, three branches at once, so that the DR side warms up while a person decides:
 *    a. Approval (approve-forced-failover): a FORCED decision, and every failover where the
 *       environment approves all of them (production), waits for a person (RequestFailoverApproval,
 *       task token); otherwise NOT_REQUIRED. Then Fence (fence-primary: Prefect, writers, buckets,
 *       each `fenced`, `unreachable` or `unsupported`) and Drain (drain-replication: looks until
 *       `drained` or `timed-out`; timed-out goes on, the RPO says what was lost).
 *    b. NodeGroups (scale-dr-node-groups): scale and look again until ready, or past the deadline.
 *    c. Platform (apply-dr-manifests): the DR manifests' platform stages, then their rollouts;
 *       Restore (restore-prefect-database): Prefect's database from the newest dump.
 *    Nothing writes to the DR side's data before the branches join: Prefect (its server and
 *    workers) is applied only after the fence and the drain.
 * 3. Prefect (await-dr-rollouts): Prefect's stage and its rollouts. Traffic (switch-traffic): the
 *    records (the drill records in a drill) to the DR targets. Validation (validate-dr-platform):
 *    UNHEALTHY is a failure. Report (report): RTO, RPO, step timings, targets; the audit record.
 * 4. NotifyFailoverReport when the report says so; ReportFailedOver. The failover stays OPEN while
 *    the DR side serves, so that no second failover opens meanwhile: dr-failback closes it.
 * 5. Any failure: the step is recorded FAILED (the failover stays open, a re-run continues it),
 *    BuildFailureReport, NotifyFailoverFailure, ReportFailoverFailed (DrFailoverFailed).
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Chain,
  Choice,
  Condition,
  Fail,
  type IChainable,
  JsonPath,
  Parallel,
  Pass,
  Result,
  Succeed,
  TaskInput,
  type TaskStateBase,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { DrApplyPhase } from '../functions/core/dr/bring-up/manifests.ts';
import { DR_FAILOVER_WORKFLOW } from '../functions/core/dr/failover/request.ts';
import {
  type InvokeOpsFunctionProps,
  invokeOpsFunction,
  invokeOpsFunctionWithTaskToken,
  Workflow,
} from '../infra/constructs/workflow.ts';
import type { WorstCaseBounds } from '../infra/constructs/worst-case-duration.ts';
import { FailoverJournal } from './failover-journal.ts';

export { DR_FAILOVER_WORKFLOW };
export const DR_FAILOVER_FAILED_ERROR = 'DrFailoverFailed';
export const DR_FAILOVER_STOPPED_ERROR = 'DrFailoverStopped';

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const DR_FAILOVER_HANDLERS = [
  'validate-failover-request',
  'record-failover-step',
  'check-failover-gates',
  'request-approval',
  'invoke-primary-agent',
  'await-replication-drain',
  'scale-dr-node-groups',
  'apply-dr-manifests',
  'check-dr-rollout',
  'restore-dr-database',
  'switch-traffic',
  'validate-dr-platform',
  'build-failover-report',
  'notify',
] as const;
export type DrFailoverHandler = (typeof DR_FAILOVER_HANDLERS)[number];

/**
 * The deadlines the failover's handlers enforce, which infra must give them (the DR nested stack):
 * DR_DRAIN_TIMEOUT_SECONDS (await-replication-drain), DR_NODE_GROUP_TIMEOUT_SECONDS
 * (scale-dr-node-groups) and DR_ROLLOUT_TIMEOUT_SECONDS (apply-dr-manifests, for both
 * phases). DR_FAILOVER_BOUNDS declares the same numbers, so the RTO check and the handlers agree.
 */
export const DR_FAILOVER_DEADLINES = {
  drain: Duration.minutes(2),
  nodeGroups: Duration.minutes(6),
  rollout: Duration.minutes(4),
} as const;

/** Each attempt of each step: Lambda timeouts of the DR functions must not be longer. */
export const DR_FAILOVER_TASK_TIMEOUTS = {
  journal: Duration.seconds(4),
  validateRequest: Duration.seconds(4),
  /** The gates run at once, each cut off at 60 s. */
  gates: Duration.seconds(65),
  /** Each fence step asks the primary with a 5 s probe first. */
  fence: Duration.seconds(20),
  drainLook: Duration.seconds(8),
  nodeGroups: Duration.seconds(15),
  applyStage: Duration.seconds(12),
  rolloutLook: Duration.seconds(8),
  /** restore-dr-database's Job wait must end before it (PostgresJobTimeoutError re-attaches). */
  restore: Duration.seconds(150),
  trafficLook: Duration.seconds(10),
  validation: Duration.seconds(45),
  report: Duration.seconds(10),
  notify: Duration.seconds(10),
} as const;

const DRAIN_POLL = Duration.seconds(10);
const NODE_GROUP_POLL = Duration.seconds(20);
const ROLLOUT_POLL = Duration.seconds(10);
/** Route 53 INSYNC and the DR targets' health checks: switch-traffic looks once per call. */
const TRAFFIC_RETRY = { interval: Duration.seconds(10), maxAttempts: 5 };

/**
 * switch-traffic's one look fails with these while Route 53 has not applied the change or the
 * target's health check is not green yet: look again, a bounded number of times (both directions).
 */
export function retryWhileDnsPending(task: TaskStateBase): void {
  task.addRetry({
    errors: ['DnsChangeNotInSyncError', 'DnsTargetNotYetHealthyError'],
    interval: TRAFFIC_RETRY.interval,
    maxAttempts: TRAFFIC_RETRY.maxAttempts,
    backoffRate: 1,
  });
}
/** The most stages a phase of the DR manifests has (drStages: 8 platform files, 1 Prefect file). */
export const MOST_DR_STAGES = { platform: 8, prefect: 1 } as const;

/** What the RTO check cannot read from the definition (infra/constructs/worst-case-duration.ts). */
export const DR_FAILOVER_BOUNDS: WorstCaseBounds = {
  loops: {
    WaitForReplicationDrain: {
      deadline: DR_FAILOVER_DEADLINES.drain,
      reason: 'await-replication-drain answers timed-out past DR_DRAIN_TIMEOUT_SECONDS',
    },
    WaitForDrNodeGroups: {
      deadline: DR_FAILOVER_DEADLINES.nodeGroups,
      reason: 'scale-dr-node-groups fails past DR_NODE_GROUP_TIMEOUT_SECONDS',
    },
    IsDrPlatformStageLeft: {
      rounds: MOST_DR_STAGES.platform,
      reason: 'one apply per platform stage',
    },
    WaitForDrPlatformRollout: {
      deadline: DR_FAILOVER_DEADLINES.rollout,
      reason: 'check-dr-rollout fails past the last stage rollout deadline (DR_ROLLOUT_TIMEOUT_SECONDS)',
    },
    IsDrPrefectStageLeft: {
      rounds: MOST_DR_STAGES.prefect,
      reason: 'one apply per Prefect stage',
    },
    WaitForDrPrefectRollout: {
      deadline: DR_FAILOVER_DEADLINES.rollout,
      reason: 'check-dr-rollout fails past the Prefect stage rollout deadline (DR_ROLLOUT_TIMEOUT_SECONDS)',
    },
  },
};

/** Approval plus everything else, with margin: the worst case (the RTO check) is the real bound. */
export function drFailoverTimeout(approvalTimeout: Duration): Duration {
  return approvalTimeout.plus(Duration.minutes(45));
}

export interface DrFailoverWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<DrFailoverHandler, IFunction>>;
  /** Every failover waits for a person (production), not only a forced one. */
  readonly approveEveryFailover: boolean;
  /** How long a person has to approve; it counts in the RTO. */
  readonly approvalTimeout: Duration;
  readonly logRetention: RetentionDays;
}

export function drFailoverWorkflow(scope: Construct, id: string, props: DrFailoverWorkflowProps): Workflow {
  return new Workflow(scope, id, {
    workflowName: DR_FAILOVER_WORKFLOW,
    environmentName: props.environmentName,
    timeout: drFailoverTimeout(props.approvalTimeout),
    logRetention: props.logRetention,
    comment:
      'Gated region failover: gates, approval, fence, drain, DR bring-up, traffic, validation, RTO/RPO report',
    definition: (definitionScope) => new DrFailoverDefinition(definitionScope, props).build(),
  });
}

const T = DR_FAILOVER_TASK_TIMEOUTS;
/** A failed step fails the execution: the re-run continues it. One retry of each kind keeps the worst case short. */
const ONE_RETRY = { transient: 1, lambdaService: 1 };
/**
 * Long steps, and steps that are repeated anyway (one apply per stage), take no transient retry:
 * counted at their full timeout it would cost more than a re-run, which continues where they failed.
 */
const ONLY_LAMBDA_RETRY = { transient: 0, lambdaService: 1 };
const failoverId = JsonPath.stringAt('$.failover.failoverId');
const mode = JsonPath.stringAt('$.request.mode');

class DrFailoverDefinition {
  private readonly functions: DrFailoverWorkflowProps['functions'];

  constructor(
    private readonly scope: Construct,
    private readonly props: DrFailoverWorkflowProps,
  ) {
    this.functions = props.functions;
  }

  build(): IChainable {
    const failed = this.failurePath();
    const journal = this.journal(failed.withReport);

    const validate = this.task('ValidateFailoverRequest', 'validate-failover-request', {
      inputPath: '$.input',
      resultPath: '$.request',
      taskTimeout: T.validateRequest,
    });
    validate.addCatch(failed.beforeOpen, { errors: ['States.ALL'], resultPath: '$.failure' });
    const open = invokeOpsFunction(this.scope, 'OpenFailover', this.functions['record-failover-step'], {
      payload: TaskInput.fromObject({
        action: 'open',
        owner: JsonPath.executionName,
        request: JsonPath.objectAt('$.request'),
      }),
      resultPath: '$.failover',
      taskTimeout: T.journal,
      retries: ONE_RETRY,
      comment: "The environment's unfinished failover, continued, or a new one",
    });
    open.addCatch(failed.beforeOpen, { errors: ['States.ALL'], resultPath: '$.failure' });

    const gates = journal.step({
      step: 'check-gates',
      name: 'Gates',
      resultPath: '$.steps.gates',
      lease: Duration.minutes(10),
      body: ({ guard }) => {
        const check = this.task('CheckFailoverGates', 'check-failover-gates', {
          payload: TaskInput.fromObject({
            failoverId,
            mode,
            force: JsonPath.stringAt('$.request.force'),
          }),
          resultPath: '$.steps.gates',
          taskTimeout: T.gates,
          retries: ONLY_LAMBDA_RETRY,
          comment: 'Replication lag, last verify-backup, DR cluster, DR node groups, DR images',
        });
        guard(check);
        return Chain.start(check);
      },
    });

    const rest = this.afterPreparation(journal);
    const prepare = new Parallel(this.scope, 'PrepareFailover', {
      comment: 'Approval, fence and drain of the primary while the DR side comes up',
      resultSelector: {
        'gates.$': '$[0].steps.gates',
        'approval.$': '$[0].steps.approval',
        'fence.$': '$[0].steps.fence',
        'drain.$': '$[0].steps.drain',
        'nodeGroups.$': '$[1].steps.nodeGroups',
        'platform.$': '$[2].steps.platform',
        'restore.$': '$[2].steps.restore',
      },
      resultPath: '$.steps',
    });
    prepare.branch(this.primaryBranch());
    prepare.branch(this.nodeGroupsBranch());
    prepare.branch(this.platformBranch());
    prepare.addCatch(failed.withReport, { errors: ['States.ALL'], resultPath: '$.failure' });
    prepare.next(rest);

    const stopped = this.stoppedPath(journal);
    gates.next(
      new Choice(this.scope, 'IsFailoverGated')
        .when(Condition.stringEquals('$.steps.gates.decision.status', 'FAILED'), stopped)
        .otherwise(prepare),
    );

    return new Pass(this.scope, 'StartFailover', {
      parameters: { 'input.$': '$', steps: {} },
    })
      .next(validate)
      .next(open)
      .next(gates);
  }

  private journal(onFailure: IChainable): FailoverJournal {
    return new FailoverJournal(this.scope, {
      record: this.functions['record-failover-step'],
      callTimeout: T.journal,
      onFailure,
    });
  }

  private task(
    id: string,
    handler: DrFailoverHandler,
    props: InvokeOpsFunctionProps & { taskTimeout: Duration },
  ): TaskStateBase {
    return invokeOpsFunction(this.scope, id, this.functions[handler], { retries: ONE_RETRY, ...props });
  }

  /** Inside a branch, a failure is thrown again for PrepareFailover's Catch: states cannot leave their branch. */
  private rethrow(id: string): Fail {
    return new Fail(this.scope, id, { errorPath: '$.failure.Error', causePath: '$.failure.Cause' });
  }

  // 2a. Approval, fence, drain.
  private primaryBranch(): IChainable {
    const journal = this.journal(this.rethrow('RethrowPrimaryFailure'));
    const approval = journal.step({
      step: 'approve-forced-failover',
      name: 'Approval',
      resultPath: '$.steps.approval',
      lease: this.props.approvalTimeout.plus(Duration.minutes(5)),
      body: ({ guard }) => this.approvalBody(guard),
    });
    const fence = journal.step({
      step: 'fence-primary',
      name: 'Fence',
      resultPath: '$.steps.fence',
      lease: Duration.minutes(10),
      body: ({ guard }) => {
        const start = new Pass(this.scope, 'StartFence', {
          result: Result.fromObject({}),
          resultPath: '$.steps.fence',
        });
        const fenceStep = (step: 'prefect' | 'writers' | 'buckets', id: string, comment: string) => {
          // fence-primary runs in the primary region; a region that does not answer is a primary
          // that does not answer: the step is `unreachable` and the failover goes on.
          const task = this.task(id, 'invoke-primary-agent', {
            payload: TaskInput.fromObject({
              agent: 'fence-primary',
              payload: { failoverId, step },
              // The answer must be back before the task's timeout; the agent's own is shorter still.
              timeoutSeconds: T.fence.toSeconds() - 2,
              whenUnreachable: {
                failoverId,
                step,
                side: 'primary',
                status: 'unreachable',
                saved: 0,
                changes: [],
              },
            }),
            resultPath: `$.steps.fence.${step}`,
            taskTimeout: T.fence,
            retries: { transient: 1, lambdaService: 0 },
            comment,
          });
          guard(task);
          return task;
        };
        return Chain.start(start)
          .next(fenceStep('prefect', 'FencePrefect', 'Pause the work pools and deployment schedules'))
          .next(fenceStep('writers', 'FenceWriters', 'Scale the writing workloads to zero'))
          .next(
            fenceStep(
              'buckets',
              'FenceBuckets',
              'MinIO buckets read-only; the replication lag now is the RPO',
            ),
          );
      },
    });
    const drain = journal.step({
      step: 'drain-replication',
      name: 'Drain',
      resultPath: '$.steps.drain',
      lease: Duration.minutes(10),
      body: ({ guard }) => {
        const start = new Pass(this.scope, 'StartDrain', {
          // The fence's record reaches this region's table replica a moment after the fence
          // answered: the drain waits for it when the buckets were fenced (fence/drain.ts).
          parameters: { failoverId, 'bucketsFence.$': '$.steps.fence.buckets.status' },
          resultPath: '$.steps.drain',
        });
        const look = this.task('CheckReplicationDrain', 'await-replication-drain', {
          inputPath: '$.steps.drain',
          resultPath: '$.steps.drain',
          taskTimeout: T.drainLook,
          comment: 'One look at the pending replication events; the first sets the deadline',
        });
        guard(look);
        const wait = new Wait(this.scope, 'WaitForReplicationDrain', { time: WaitTime.duration(DRAIN_POLL) });
        wait.next(look);
        const drained = new Pass(this.scope, 'ReplicationDrainEnded');
        look.next(
          new Choice(this.scope, 'IsReplicationDrainWaiting')
            .when(Condition.stringEquals('$.steps.drain.status', 'waiting'), wait)
            .otherwise(drained),
        );
        start.next(look);
        return Chain.custom(start, [drained], drained);
      },
    });
    return Chain.start(approval).next(fence).next(drain);
  }

  private approvalBody(guard: (task: TaskStateBase) => void): Chain {
    const approved = new Pass(this.scope, 'MarkFailoverApproved', {
      parameters: { status: 'APPROVED', 'approver.$': '$.approvalAnswer.approver' },
      resultPath: '$.steps.approval',
    });
    const request = invokeOpsFunctionWithTaskToken(
      this.scope,
      'RequestFailoverApproval',
      this.functions['request-approval'],
      {
        payload: TaskInput.fromObject({
          kind: 'change',
          taskToken: JsonPath.taskToken,
          executionId: JsonPath.executionName,
          workflow: DR_FAILOVER_WORKFLOW,
          title: `fail ${this.props.environmentName} over to the DR region`,
          changes: JsonPath.array(
            JsonPath.format(
              'mode {}, requested by {}: {}',
              mode,
              JsonPath.stringAt('$.request.requestedBy'),
              JsonPath.stringAt('$.request.reason'),
            ),
            JsonPath.format('gates: {}', JsonPath.jsonToString(JsonPath.objectAt('$.steps.gates.decision'))),
          ),
          timeoutMinutes: Math.ceil(this.props.approvalTimeout.toMinutes({ integral: false })),
        }),
        resultPath: '$.approvalAnswer',
        timeout: this.props.approvalTimeout,
        lambdaServiceRetries: 0,
        comment: 'Waits for an operator: the notification carries approve and reject links',
      },
    );
    guard(request);
    request.next(approved);
    const notRequired = new Pass(this.scope, 'MarkApprovalNotRequired', {
      result: Result.fromObject({ status: 'NOT_REQUIRED' }),
      resultPath: '$.steps.approval',
    });
    if (this.props.approveEveryFailover) return Chain.custom(request, [approved], approved);
    const ended = new Pass(this.scope, 'ApprovalDecided');
    approved.next(ended);
    notRequired.next(ended);
    const needsApproval = new Choice(this.scope, 'NeedsFailoverApproval')
      .when(Condition.stringEquals('$.steps.gates.decision.status', 'FORCED'), request)
      .otherwise(notRequired);
    return Chain.custom(needsApproval, [ended], ended);
  }

  // 2b. The DR node groups.
  private nodeGroupsBranch(): IChainable {
    const journal = this.journal(this.rethrow('RethrowNodeGroupsFailure'));
    return journal.step({
      step: 'scale-dr-node-groups',
      name: 'NodeGroups',
      resultPath: '$.steps.nodeGroups',
      lease: Duration.minutes(15),
      body: ({ guard }) => {
        const start = new Pass(this.scope, 'StartDrNodeGroups', {
          result: Result.fromObject({}),
          resultPath: '$.steps.nodeGroups',
        });
        const scale = this.task('ScaleDrNodeGroups', 'scale-dr-node-groups', {
          inputPath: '$.steps.nodeGroups',
          resultPath: '$.steps.nodeGroups',
          taskTimeout: T.nodeGroups,
          comment: "The primary's sizes; called again with the returned deadline until ready",
        });
        guard(scale);
        const wait = new Wait(this.scope, 'WaitForDrNodeGroups', {
          time: WaitTime.duration(NODE_GROUP_POLL),
        });
        wait.next(scale);
        const ready = new Pass(this.scope, 'DrNodeGroupsReady');
        scale.next(
          new Choice(this.scope, 'AreDrNodeGroupsReady')
            .when(Condition.booleanEquals('$.steps.nodeGroups.readiness.ready', true), ready)
            .otherwise(wait),
        );
        start.next(scale);
        return Chain.custom(start, [ready], ready);
      },
    });
  }

  // 2c. The DR platform, then Prefect's database.
  private platformBranch(): IChainable {
    const journal = this.journal(this.rethrow('RethrowPlatformFailure'));
    const platform = journal.step({
      step: 'apply-dr-manifests',
      name: 'Platform',
      resultPath: '$.steps.platform',
      lease: Duration.minutes(15),
      body: ({ guard }) => this.applyPhase('platform', 'Platform', guard),
    });
    const restore = journal.step({
      step: 'restore-prefect-database',
      name: 'Restore',
      resultPath: '$.steps.restore',
      lease: Duration.minutes(15),
      body: ({ guard }) => {
        const task = this.task('RestoreDrDatabase', 'restore-dr-database', {
          payload: TaskInput.fromObject({ failoverId }),
          resultPath: '$.steps.restore',
          taskTimeout: T.restore,
          retries: { transient: 0, lambdaService: 0 },
          comment: "Prefect's database from the newest complete dump, once per failover",
        });
        // A restore outlasting one attempt: the retry re-attaches to the same Job.
        task.addRetry({ errors: ['PostgresJobTimeoutError'], interval: Duration.seconds(1), maxAttempts: 1 });
        guard(task);
        return Chain.start(task);
      },
    });
    return Chain.start(platform).next(restore);
  }

  /**
   * A phase of the DR manifests: its stages one after the other (each call applies one), then one
   * wait for every rollout they started, until the last stage's deadline.
   */
  private applyPhase(
    phase: DrApplyPhase,
    name: 'Platform' | 'Prefect',
    guard: (task: TaskStateBase) => void,
  ): Chain {
    const work = `$.work.${phase}`;
    const start = new Pass(this.scope, `StartDr${name}Stages`, {
      result: Result.fromObject({ next: 0, stages: [] }),
      resultPath: work,
    });
    const apply = this.task(`ApplyDr${name}Stage`, 'apply-dr-manifests', {
      payload: TaskInput.fromObject({
        failoverId,
        phase,
        next: JsonPath.numberAt(`${work}.next`),
        applied: JsonPath.listAt(`${work}.stages`),
      }),
      resultPath: work,
      taskTimeout: T.applyStage,
      retries: ONLY_LAMBDA_RETRY,
      comment: `Server-side apply of the next ${phase} stage to the DR cluster`,
    });
    guard(apply);
    const check = this.task(`CheckDr${name}Rollout`, 'check-dr-rollout', {
      payload: TaskInput.fromObject({
        stage: phase,
        rollouts: JsonPath.listAt(`${work}.stages[*].rollouts[*]`),
        rolloutDeadline: JsonPath.stringAt(`${work}.current.rolloutDeadline`),
      }),
      resultPath: `${work}Rollout`,
      taskTimeout: T.rolloutLook,
      comment: "Every rollout the phase's stages started; RolloutFailedError past the deadline",
    });
    guard(check);
    const wait = new Wait(this.scope, `WaitForDr${name}Rollout`, { time: WaitTime.duration(ROLLOUT_POLL) });
    wait.next(check);
    const summarise = new Pass(this.scope, `SummariseDr${name}`, {
      parameters: {
        phase,
        'stages.$': `${work}.stages[*].stage`,
        'rollouts.$': `${work}Rollout.workloads`,
      },
      resultPath: `$.steps.${phase}`,
    });
    check.next(
      new Choice(this.scope, `IsDr${name}RolledOut`)
        .when(Condition.booleanEquals(`${work}Rollout.complete`, true), summarise)
        .otherwise(wait),
    );
    apply.next(
      new Choice(this.scope, `IsDr${name}StageLeft`)
        .when(Condition.booleanEquals(`${work}.done`, false), apply)
        .otherwise(wait),
    );
    start.next(apply);
    return Chain.custom(start, [summarise], summarise);
  }

  // 3-4. Prefect, traffic, validation, report.
  private afterPreparation(journal: FailoverJournal): IChainable {
    const prefect = journal.step({
      step: 'await-dr-rollouts',
      name: 'Prefect',
      resultPath: '$.steps.prefect',
      lease: Duration.minutes(15),
      body: ({ guard }) => this.applyPhase('prefect', 'Prefect', guard),
    });
    const traffic = journal.step({
      step: 'switch-traffic',
      name: 'Traffic',
      resultPath: '$.steps.traffic',
      lease: Duration.minutes(10),
      body: ({ guard }) => {
        const task = this.task('SwitchTrafficToDr', 'switch-traffic', {
          payload: TaskInput.fromObject({ failoverId, direction: 'to-dr', mode }),
          resultPath: '$.steps.traffic',
          taskTimeout: T.trafficLook,
          retries: ONLY_LAMBDA_RETRY,
          comment: 'The platform records (the drill records in a drill) to the DR targets',
        });
        retryWhileDnsPending(task);
        guard(task);
        return Chain.start(task);
      },
    });
    const validation = journal.step({
      step: 'validate-dr-platform',
      name: 'Validation',
      resultPath: '$.steps.validation',
      lease: Duration.minutes(10),
      body: ({ guard, failUnless }) => {
        const task = this.task('ValidateDrPlatform', 'validate-dr-platform', {
          payload: TaskInput.fromObject({ failoverId }),
          resultPath: '$.steps.validation',
          taskTimeout: T.validation,
          retries: ONLY_LAMBDA_RETRY,
          comment: 'The platform checks against the DR side',
        });
        guard(task);
        const healthy = new Pass(this.scope, 'DrPlatformHealthy');
        task.next(
          failUnless({
            choice: 'IsDrPlatformHealthy',
            condition: Condition.stringEquals('$.steps.validation.status', 'HEALTHY'),
            next: healthy,
            failure: {
              id: 'MarkDrPlatformUnhealthy',
              error: 'DrPlatformUnhealthy',
              cause: JsonPath.jsonToString(JsonPath.objectAt('$.steps.validation')),
            },
          }),
        );
        return Chain.custom(task, [healthy], healthy);
      },
    });
    const report = journal.step({
      step: 'report',
      name: 'Report',
      resultPath: '$.steps.report',
      lease: Duration.minutes(5),
      body: ({ guard }) => {
        const task = this.buildReport('BuildFailoverReport', 'COMPLETED', '$.steps.report');
        guard(task);
        return Chain.start(task);
      },
    });
    const done = new Succeed(this.scope, 'ReportFailedOver', { outputPath: '$.steps.report' });
    const notify = this.notify('NotifyFailoverReport', '$.steps.report');
    notify.addCatch(done, { errors: ['States.ALL'], resultPath: '$.notificationError' });
    notify.next(done);
    // The failover stays OPEN while the DR side serves: dr-failback closes it (docs/dr.md, "Failback").
    return Chain.start(prefect)
      .next(traffic)
      .next(validation)
      .next(report)
      .next(
        new Choice(this.scope, 'NeedsFailoverNotification')
          .when(Condition.booleanEquals('$.steps.report.notify', true), notify)
          .otherwise(done),
      );
  }

  private buildReport(
    id: string,
    outcome: 'COMPLETED' | 'FAILED' | 'ABANDONED',
    resultPath: string,
  ): TaskStateBase {
    return this.task(id, 'build-failover-report', {
      payload: TaskInput.fromObject({
        failoverId,
        outcome,
        executionId: JsonPath.executionName,
        steps: JsonPath.objectAt('$.steps'),
        ...(outcome === 'FAILED' ? { failure: JsonPath.objectAt('$.failure') } : {}),
      }),
      resultPath,
      taskTimeout: T.report,
      comment: 'RTO, RPO, step timings against the targets; the audit record',
    });
  }

  private notify(id: string, reportPath: string): TaskStateBase {
    return this.task(id, 'notify', {
      payload: TaskInput.fromObject({
        workflow: DR_FAILOVER_WORKFLOW,
        subject: JsonPath.stringAt(`${reportPath}.subject`),
        summary: JsonPath.stringAt(`${reportPath}.summary`),
        detail: JsonPath.objectAt(reportPath),
      }),
      resultPath: '$.notification',
      taskTimeout: T.notify,
    });
  }

  // 1. Gates FAILED: nothing changed; the failover is closed so the environment is free.
  private stoppedPath(journal: FailoverJournal): IChainable {
    const stopped = new Fail(this.scope, 'ReportFailoverStopped', {
      error: DR_FAILOVER_STOPPED_ERROR,
      causePath: '$.stoppedReport.summary',
    });
    const report = this.buildReport('BuildStoppedReport', 'ABANDONED', '$.stoppedReport');
    journal.sendFailures(report);
    const notify = this.notify('NotifyFailoverStopped', '$.stoppedReport');
    notify.addCatch(stopped, { errors: ['States.ALL'], resultPath: '$.notificationError' });
    const close = journal.call(
      'CloseAbandonedFailover',
      { action: 'close', failoverId, owner: JsonPath.executionName, status: 'ABANDONED' },
      '$.closed',
    );
    return Chain.start(close).next(report).next(notify).next(stopped);
  }

  // 5. Failure: the report (when the failover is open), the operators, the named error.
  private failurePath(): { withReport: IChainable; beforeOpen: IChainable } {
    const serialize = new Pass(this.scope, 'SerializeFailoverFailure', {
      parameters: { cause: JsonPath.jsonToString(JsonPath.objectAt('$.failure')) },
      resultPath: '$.verdict',
    });
    serialize.next(
      new Fail(this.scope, 'ReportFailoverFailed', {
        error: DR_FAILOVER_FAILED_ERROR,
        causePath: '$.verdict.cause',
      }),
    );
    const notify = this.task('NotifyFailoverFailure', 'notify', {
      payload: TaskInput.fromObject({
        workflow: DR_FAILOVER_WORKFLOW,
        subject: JsonPath.format('dr-failover failed: {}', JsonPath.stringAt('$.failure.Error')),
        summary: JsonPath.jsonToString(JsonPath.objectAt('$.failure')),
        detail: JsonPath.objectAt('$.failureReport'),
      }),
      resultPath: '$.notification',
      taskTimeout: T.notify,
    });
    notify.addCatch(serialize, { errors: ['States.ALL'], resultPath: '$.notificationError' });
    notify.next(serialize);
    const report = this.buildReport('BuildFailureReport', 'FAILED', '$.failureReport');
    // Without its report the operators still hear of the failure; the error stands in for it.
    report.addCatch(notify, { errors: ['States.ALL'], resultPath: '$.failureReport' });
    report.next(notify);
    const noReport = new Pass(this.scope, 'MarkNoFailoverReport', {
      parameters: {
        summary: JsonPath.format('no failover was opened: {}', JsonPath.stringAt('$.failure.Error')),
      },
      resultPath: '$.failureReport',
    });
    noReport.next(notify);
    return { withReport: report, beforeOpen: noReport };
  }
}
