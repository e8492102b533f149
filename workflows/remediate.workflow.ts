/**
 * remediate: one Prometheus alert (an EventBridge event from the alert ingress) to a safe,
 * verified fix, or to a human with the whole context (docs/remediation.md).
 *
 * 1. ResolveRemediation reads the alert's route: ROUTED (target + playbook chain), NOTIFY (nothing
 *    acts on it: NotifyOperators, RecordNotification) or RESOLVED (RecordResolution). Both of the
 *    latter end the run there.
 * 2. AcquireTargetLease: one remediation per target (DynamoDB lease); a busy target is retried for
 *    about ten minutes, then escalated. SilenceAlert silences exactly this alert (a failure to
 *    silence is recorded in $.silenceError and does not stop the fix).
 * 3. For each playbook of the chain (SelectPlaybook / NextPlaybook / HasMorePlaybooks):
 *    a. CheckRemediationLimits: breaker and rate limits; a refusal escalates at once.
 *    b. PreflightRemediation: target exists, budgets, do-not-disrupt, change window, MinIO quorum;
 *       RecordPreflight; a refusal moves on to the next playbook.
 *    c. By tier: automatic acts; approve-first asks (RequestApproval, a task token; rejected or
 *       expired escalates; RecordApproval names the approver); notify-only escalates.
 *    d. RunPlaybook: the playbook's own Lambda (dry run in shadow mode); RecordAction (before and
 *       after). A failed or refused action moves on; a dry run records what it would have changed
 *       and moves on.
 *    e. CHANGED or SKIPPED: WaitForAlertToClear / VerifyAlertCleared poll the alert's expression in
 *       Prometheus up to the plan's maxPolls; cleared is a success for the playbook's breaker and
 *       ends the chain (REMEDIATED), still firing is a failure and moves on.
 * 4. No playbook left (or a refusal, rejection, expiry, failure): EscalateRemediation pages with
 *    the alert, the run's decisions from the audit trail, and the target's events and logs.
 * 5. ExpireSilence, ReleaseTargetLease, RecordOutcome; REMEDIATED succeeds, ESCALATED fails with
 *    RemediationEscalated so that the console shows which alerts still need a human.
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
  Result,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { PLAYBOOK_NAMES, type PlaybookName } from '../functions/core/remediation/playbooks/catalogue.ts';
import { invokeOpsFunction, invokeOpsFunctionWithTaskToken, Workflow } from '../infra/constructs/workflow.ts';

export const REMEDIATE_WORKFLOW = 'remediate';
export const REMEDIATION_ESCALATED_ERROR = 'RemediationEscalated';

/** Handler modules (functions/<name>.handler.ts) that this workflow invokes. */
export const REMEDIATE_HANDLERS = [
  'resolve-remediation',
  'acquire-remediation-lease',
  'release-remediation-lease',
  'silence-alert',
  'expire-silence',
  'check-remediation-limits',
  'preflight-remediation',
  'request-approval',
  ...PLAYBOOK_NAMES,
  'verify-alert-cleared',
  'record-remediation-step',
  'escalate-remediation',
  'notify',
] as const;
export type RemediateHandler = (typeof REMEDIATE_HANDLERS)[number];

/** Long enough for a chain of approvals; the plan's budget is what bounds one run. */
export const REMEDIATE_TIMEOUT = Duration.hours(24);
/** A busy target (another alert's run) is tried again for about ten minutes. */
const LEASE_RETRY = { interval: Duration.seconds(30), maxAttempts: 6, backoffRate: 1.5 };

export interface RemediateWorkflowProps {
  readonly environmentName: string;
  readonly functions: Readonly<Record<RemediateHandler, IFunction>>;
  /** How long an approve-first playbook waits for an operator before it escalates. */
  readonly approvalTimeout: Duration;
  /** Between two looks at the alert's expression. */
  readonly verifyInterval: Duration;
  readonly logRetention: RetentionDays;
}

export function remediateWorkflow(scope: Construct, id: string, props: RemediateWorkflowProps): Workflow {
  return new Workflow(scope, id, {
    workflowName: REMEDIATE_WORKFLOW,
    environmentName: props.environmentName,
    timeout: REMEDIATE_TIMEOUT,
    logRetention: props.logRetention,
    comment: 'Prometheus alert -> lease, limits, preflight, approval, playbook, verification, or escalation',
    definition: (definitionScope) => defineRemediate(definitionScope, props),
  });
}

/** What every decision record of the run shares. */
function record(phase: string, decision: string, extra: Record<string, unknown> = {}) {
  return TaskInput.fromObject({
    executionId: JsonPath.executionName,
    alertname: JsonPath.stringAt('$.plan.alert.alertname'),
    targetKey: JsonPath.stringAt('$.plan.auditTarget'),
    phase,
    decision,
    ...extra,
  });
}

const CURRENT_STEP = {
  index: JsonPath.numberAt('$.current.index'),
  playbook: JsonPath.stringAt('$.current.step.playbook'),
};

function defineRemediate(scope: Construct, props: RemediateWorkflowProps) {
  const { functions } = props;
  const recordStep = (id: string, payload: TaskInput) =>
    invokeOpsFunction(scope, id, functions['record-remediation-step'], {
      payload,
      resultPath: JsonPath.DISCARD,
    });

  // 5. The end: silence, lease, outcome.
  const remediated = new Succeed(scope, 'ReportRemediated');
  const escalated = new Fail(scope, 'ReportEscalated', {
    error: REMEDIATION_ESCALATED_ERROR,
    causePath: '$.escalation.reason',
  });
  const recordOutcome = recordStep(
    'RecordOutcome',
    record('outcome', JsonPath.stringAt('$.outcome.status'), {
      detail: JsonPath.objectAt('$.outcome'),
    }),
  );
  const isRemediated = new Choice(scope, 'IsRemediated')
    .when(Condition.stringEquals('$.outcome.status', 'REMEDIATED'), remediated)
    .otherwise(escalated);
  recordOutcome.next(isRemediated);
  const releaseLease = invokeOpsFunction(
    scope,
    'ReleaseTargetLease',
    functions['release-remediation-lease'],
    {
      payload: TaskInput.fromObject({
        targetKey: JsonPath.stringAt('$.plan.targetKey'),
        owner: JsonPath.executionName,
      }),
      resultPath: '$.leaseRelease',
    },
  );
  releaseLease.addCatch(recordOutcome, { errors: ['States.ALL'], resultPath: '$.leaseReleaseError' });
  releaseLease.next(recordOutcome);
  const expireSilence = invokeOpsFunction(scope, 'ExpireSilence', functions['expire-silence'], {
    payload: TaskInput.fromObject({ silenceId: JsonPath.stringAt('$.silence.silenceId') }),
    resultPath: '$.silenceExpiry',
  });
  expireSilence.addCatch(releaseLease, { errors: ['States.ALL'], resultPath: '$.silenceExpiryError' });
  expireSilence.next(releaseLease);
  const finish = new Choice(scope, 'HasSilence')
    .when(Condition.isPresent('$.silence.silenceId'), expireSilence)
    .otherwise(releaseLease);

  // 4. Escalation.
  const escalate = invokeOpsFunction(scope, 'EscalateRemediation', functions['escalate-remediation'], {
    payload: TaskInput.fromObject({
      alert: JsonPath.objectAt('$.plan.alert'),
      target: JsonPath.objectAt('$.plan.target'),
      reason: JsonPath.stringAt('$.escalation.reason'),
      executionId: JsonPath.executionName,
    }),
    resultPath: '$.escalationNotice',
  });
  const markEscalated = new Pass(scope, 'MarkEscalated', {
    parameters: { status: 'ESCALATED', 'reason.$': '$.escalation.reason' },
    resultPath: '$.outcome',
  });
  escalate.addCatch(markEscalated, { errors: ['States.ALL'], resultPath: '$.escalationError' });
  escalate.next(markEscalated).next(finish);
  const explain = (id: string, reason: string | Record<string, string>) =>
    new Pass(scope, id, {
      parameters: typeof reason === 'string' ? { reason } : reason,
      resultPath: '$.escalation',
    }).next(escalate);
  const chainExhausted = explain('ExplainChainExhausted', 'no playbook of the chain cleared the alert');
  const explainFailure = explain('ExplainFailure', {
    'reason.$': "States.Format('the remediation itself failed: {}', $.failure.Error)",
  });
  const catchFailure = { errors: ['States.ALL'], resultPath: '$.failure' };

  // 3. The chain, one playbook at a time.
  const nextPlaybook = new Pass(scope, 'NextPlaybook', {
    parameters: { 'index.$': '$.current.next' },
    resultPath: '$.chain',
  });
  const selectPlaybook = new Pass(scope, 'SelectPlaybook', {
    parameters: {
      'step.$': 'States.ArrayGetItem($.plan.chain, $.chain.index)',
      'index.$': '$.chain.index',
      'next.$': 'States.MathAdd($.chain.index, 1)',
    },
    resultPath: '$.current',
  });
  const hasMorePlaybooks = new Choice(scope, 'HasMorePlaybooks')
    .when(Condition.numberLessThanJsonPath('$.chain.index', '$.plan.chainLength'), selectPlaybook)
    .otherwise(chainExhausted);
  nextPlaybook.next(hasMorePlaybooks);

  // e. Verification.
  const recordCleared = recordStep(
    'RecordAlertCleared',
    record('verify', 'CLEARED', {
      step: CURRENT_STEP,
      detail: JsonPath.objectAt('$.current.verification'),
      breaker: 'success',
    }),
  );
  recordCleared.next(
    new Pass(scope, 'MarkRemediated', {
      parameters: { status: 'REMEDIATED', 'playbook.$': '$.current.step.playbook' },
      resultPath: '$.outcome',
    }).next(finish),
  );
  const recordNotCleared = recordStep(
    'RecordAlertNotCleared',
    record('verify', 'NOT_CLEARED', {
      step: CURRENT_STEP,
      detail: JsonPath.objectAt('$.current.verification'),
      breaker: 'failure',
    }),
  );
  recordNotCleared.next(nextPlaybook);
  const waitForAlert = new Wait(scope, 'WaitForAlertToClear', {
    time: WaitTime.duration(props.verifyInterval),
  });
  const verify = invokeOpsFunction(scope, 'VerifyAlertCleared', functions['verify-alert-cleared'], {
    payload: TaskInput.fromObject({
      alert: JsonPath.objectAt('$.plan.alert'),
      poll: JsonPath.numberAt('$.current.verification.poll'),
      maxPolls: JsonPath.numberAt('$.plan.verify.maxPolls'),
    }),
    resultPath: '$.current.verification',
  });
  verify.addCatch(explainFailure, catchFailure);
  const isCleared = new Choice(scope, 'IsAlertCleared')
    .when(Condition.booleanEquals('$.current.verification.cleared', true), recordCleared)
    .when(Condition.booleanEquals('$.current.verification.exhausted', true), recordNotCleared)
    .otherwise(waitForAlert);
  waitForAlert.next(verify).next(isCleared);
  const startVerification = new Pass(scope, 'StartVerification', {
    result: Result.fromObject({ poll: 0 }),
    resultPath: '$.current.verification',
  });
  startVerification.next(waitForAlert);

  // d. The playbook.
  const recordAction = recordStep(
    'RecordAction',
    record('act', JsonPath.stringAt('$.current.result.outcome'), {
      step: CURRENT_STEP,
      detail: JsonPath.stringAt('$.current.result.detail'),
      before: JsonPath.objectAt('$.current.result.before'),
      after: JsonPath.objectAt('$.current.result.after'),
    }),
  );
  const recordActionFailed = recordStep(
    'RecordActionFailed',
    record('act', 'FAILED', {
      step: CURRENT_STEP,
      detail: JsonPath.objectAt('$.current.error'),
      breaker: 'failure',
    }),
  );
  recordActionFailed.next(nextPlaybook);
  const actionOutcome = new Choice(scope, 'HasActed')
    .when(
      Condition.or(
        Condition.stringEquals('$.current.result.outcome', 'CHANGED'),
        Condition.stringEquals('$.current.result.outcome', 'SKIPPED'),
      ),
      startVerification,
    )
    .otherwise(nextPlaybook);
  recordAction.next(actionOutcome);
  const runPlaybook = new Choice(scope, 'RunPlaybook');
  for (const playbook of PLAYBOOK_NAMES) {
    const task = invokeOpsFunction(scope, playbookStateName(playbook), functions[playbook], {
      payload: TaskInput.fromObject({
        alert: JsonPath.objectAt('$.plan.alert'),
        target: JsonPath.objectAt('$.plan.target'),
        params: JsonPath.objectAt('$.current.step.params'),
        dryRun: JsonPath.stringAt('$.current.step.dryRun'),
        executionId: JsonPath.executionName,
      }),
      resultPath: '$.current.result',
    });
    task.addCatch(recordActionFailed, { errors: ['States.ALL'], resultPath: '$.current.error' });
    task.next(recordAction);
    runPlaybook.when(Condition.stringEquals('$.current.step.playbook', playbook), task);
  }
  runPlaybook.otherwise(
    explain('ExplainUnknownPlaybook', {
      'reason.$': "States.Format('no playbook {}', $.current.step.playbook)",
    }),
  );

  // c. Approval by tier.
  const requestApproval = invokeOpsFunctionWithTaskToken(
    scope,
    'RequestApproval',
    functions['request-approval'],
    {
      payload: TaskInput.fromObject({
        taskToken: JsonPath.taskToken,
        executionId: JsonPath.executionName,
        alert: JsonPath.objectAt('$.plan.alert'),
        target: JsonPath.objectAt('$.plan.target'),
        playbook: JsonPath.stringAt('$.current.step.playbook'),
        params: JsonPath.objectAt('$.current.step.params'),
        dryRun: JsonPath.stringAt('$.current.step.dryRun'),
        timeoutMinutes: Math.ceil(props.approvalTimeout.toMinutes({ integral: false })),
      }),
      resultPath: '$.current.approval',
      timeout: props.approvalTimeout,
      comment: 'Waits for an operator: the notification carries approve and reject links',
    },
  );
  const recordApproved = recordStep(
    'RecordApproval',
    record('approval', 'APPROVED', {
      step: CURRENT_STEP,
      actor: JsonPath.stringAt('$.current.approval.approver'),
      detail: JsonPath.objectAt('$.current.approval'),
    }),
  );
  recordApproved.next(runPlaybook);
  requestApproval.next(recordApproved);
  const recordRefusedApproval = recordStep(
    'RecordApprovalRefused',
    record('approval', JsonPath.stringAt('$.current.approvalError.Error'), {
      step: CURRENT_STEP,
      detail: JsonPath.objectAt('$.current.approvalError'),
    }),
  );
  recordRefusedApproval.next(
    explain('ExplainApprovalRefused', {
      'reason.$':
        "States.Format('{} was not approved ({})', $.current.step.playbook, $.current.approvalError.Error)",
    }),
  );
  requestApproval.addCatch(recordRefusedApproval, {
    errors: ['ApprovalRejected', 'States.Timeout'],
    resultPath: '$.current.approvalError',
  });
  requestApproval.addCatch(explainFailure, catchFailure);
  const byTier = new Choice(scope, 'ByApprovalTier')
    .when(Condition.stringEquals('$.current.step.tier', 'automatic'), runPlaybook)
    .when(Condition.stringEquals('$.current.step.tier', 'approve-first'), requestApproval)
    .otherwise(
      explain('ExplainNotifyOnly', {
        'reason.$': "States.Format('{} is notify-only here: a human decides', $.current.step.playbook)",
      }),
    );

  // b. Preflight.
  const preflight = invokeOpsFunction(scope, 'PreflightRemediation', functions['preflight-remediation'], {
    payload: TaskInput.fromObject({
      target: JsonPath.objectAt('$.plan.target'),
      playbook: JsonPath.stringAt('$.current.step.playbook'),
    }),
    resultPath: '$.current.preflight',
  });
  preflight.addCatch(explainFailure, catchFailure);
  const recordPreflight = recordStep(
    'RecordPreflight',
    record('preflight', JsonPath.stringAt('$.current.preflight.decision'), {
      step: CURRENT_STEP,
      detail: JsonPath.listAt('$.current.preflight.checks'),
      before: JsonPath.objectAt('$.current.preflight.before'),
    }),
  );
  preflight.next(recordPreflight);
  recordPreflight.next(
    new Choice(scope, 'IsPreflightAllowed')
      .when(Condition.booleanEquals('$.current.preflight.allowed', true), byTier)
      .otherwise(nextPlaybook),
  );

  // a. Limits.
  const limits = invokeOpsFunction(scope, 'CheckRemediationLimits', functions['check-remediation-limits'], {
    payload: TaskInput.fromObject({
      playbook: JsonPath.stringAt('$.current.step.playbook'),
      targetKey: JsonPath.stringAt('$.plan.targetKey'),
      dryRun: JsonPath.stringAt('$.current.step.dryRun'),
    }),
    resultPath: '$.current.limits',
  });
  limits.addCatch(explainFailure, catchFailure);
  const recordLimitsRefused = recordStep(
    'RecordLimitsRefused',
    record('limits', 'REFUSED', { step: CURRENT_STEP, detail: JsonPath.objectAt('$.current.limits') }),
  );
  recordLimitsRefused.next(
    new Pass(scope, 'ExplainLimits', {
      parameters: { 'reason.$': '$.current.limits.detail' },
      resultPath: '$.escalation',
    }).next(escalate),
  );
  limits.next(
    new Choice(scope, 'IsWithinLimits')
      .when(Condition.booleanEquals('$.current.limits.admitted', true), preflight)
      .otherwise(recordLimitsRefused),
  );
  selectPlaybook.next(limits);

  // 2. Lease and silence.
  const startChain = new Pass(scope, 'StartChain', {
    result: Result.fromObject({ index: 0 }),
    resultPath: '$.chain',
  });
  startChain.next(hasMorePlaybooks);
  const silence = invokeOpsFunction(scope, 'SilenceAlert', functions['silence-alert'], {
    payload: TaskInput.fromObject({
      alert: JsonPath.objectAt('$.plan.alert'),
      durationSeconds: JsonPath.numberAt('$.plan.budgetSeconds'),
      executionId: JsonPath.executionName,
    }),
    resultPath: '$.silence',
  });
  silence.addCatch(startChain, { errors: ['States.ALL'], resultPath: '$.silenceError' });
  silence.next(startChain);
  const acquireLease = invokeOpsFunction(
    scope,
    'AcquireTargetLease',
    functions['acquire-remediation-lease'],
    {
      payload: TaskInput.fromObject({
        targetKey: JsonPath.stringAt('$.plan.targetKey'),
        owner: JsonPath.executionName,
        ttlSeconds: JsonPath.numberAt('$.plan.leaseSeconds'),
      }),
      resultPath: '$.lease',
      comment: 'One remediation per target at a time',
    },
  );
  acquireLease.addRetry({ errors: ['LockHeldError'], ...LEASE_RETRY });
  const targetBusy = recordStep(
    'RecordTargetBusy',
    record('lease', 'TARGET_BUSY', { detail: JsonPath.objectAt('$.leaseError') }),
  );
  // Nothing of ours to release or expire: straight to the page and the outcome.
  const escalateBusy = new Pass(scope, 'ExplainTargetBusy', {
    parameters: { 'reason.$': "States.Format('another remediation holds {}', $.plan.targetKey)" },
    resultPath: '$.escalation',
  });
  targetBusy.next(escalateBusy).next(escalate);
  acquireLease.addCatch(targetBusy, { errors: ['LockHeldError'], resultPath: '$.leaseError' });
  acquireLease.addCatch(explainFailure, catchFailure);
  acquireLease.next(silence);

  // 1. Resolve.
  const resolve = invokeOpsFunction(scope, 'ResolveRemediation', functions['resolve-remediation'], {
    resultPath: '$.plan',
    comment: "The alert's route, target and playbook chain",
  });
  const notify = invokeOpsFunction(scope, 'NotifyOperators', functions.notify, {
    payload: TaskInput.fromObject({
      workflow: REMEDIATE_WORKFLOW,
      subject: JsonPath.format(
        '{} {} ({})',
        JsonPath.stringAt('$.plan.alert.alertname'),
        JsonPath.stringAt('$.plan.alert.status'),
        JsonPath.stringAt('$.plan.alert.severity'),
      ),
      summary: JsonPath.stringAt('$.plan.reason'),
      detail: JsonPath.objectAt('$.plan.alert'),
    }),
    resultPath: '$.notification',
  });
  const recordNotification = recordStep(
    'RecordNotification',
    record('resolve', 'NOTIFIED', { detail: JsonPath.stringAt('$.plan.reason') }),
  );
  notify.addCatch(recordNotification, { errors: ['States.ALL'], resultPath: '$.notificationError' });
  notify.next(recordNotification).next(new Succeed(scope, 'ReportNotified'));
  const recordResolution = recordStep(
    'RecordResolution',
    record('resolve', 'RESOLVED', { detail: JsonPath.stringAt('$.plan.reason') }),
  );
  recordResolution.next(new Succeed(scope, 'ReportResolved'));

  return resolve.next(
    new Choice(scope, 'IsRouted')
      .when(Condition.stringEquals('$.plan.status', 'ROUTED'), acquireLease)
      .when(Condition.stringEquals('$.plan.status', 'RESOLVED'), recordResolution)
      .otherwise(notify),
  );
}

/** `rollout-restart` -> `RunRolloutRestart`. */
export function playbookStateName(playbook: PlaybookName): string {
  return `Run${playbook
    .split('-')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('')}`;
}
