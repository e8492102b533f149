import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../functions/core/remediation/alert-event.ts';
import type { ChainStep } from '../../../functions/core/remediation/remediation-plan.ts';
import {
  REMEDIATE_HANDLERS,
  REMEDIATION_ESCALATED_ERROR,
  remediateWorkflow,
} from '../../../workflows/remediate.workflow.ts';
import type { AslState, AslStateMachine } from '../template-helpers.ts';
import { runLocally, synthesizeBareWorkflow, VERB_NOUN_PASCAL_CASE } from './bare-workflow-stack.ts';

const ALERT: AlertEvent = {
  alertname: 'PodCrashLooping',
  severity: 'warning',
  status: 'firing',
  fingerprint: 'f00d',
  startsAt: '2026-11-26T01:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  labels: {
    alertname: 'PodCrashLooping',
    namespace: 'prefect',
    pod: 'prefect-worker-1',
    severity: 'warning',
  },
  annotations: {},
  generatorURL: '',
  receiver: 'lakehouse-ops',
  source: 'alertmanager',
  receivedAt: '2026-11-26T01:00:01.000Z',
};
const TARGET = { cluster: 'c', namespace: 'prefect', kind: 'Pod', name: 'prefect-worker-1' };
const TARGET_KEY = 'c/prefect/Pod/prefect-worker-1';

function routedPlan(chain: Partial<ChainStep>[]) {
  return {
    status: 'ROUTED',
    alert: ALERT,
    target: TARGET,
    targetKey: TARGET_KEY,
    auditTarget: TARGET_KEY,
    chain: chain.map((step) => ({
      playbook: 'delete-pod',
      params: {},
      tier: 'automatic',
      dryRun: false,
      ...step,
    })),
    chainLength: chain.length,
    verify: { timeoutSeconds: 60, intervalSeconds: 30, maxPolls: 2 },
    approvalTimeoutSeconds: 3600,
    budgetSeconds: 1200,
    leaseSeconds: 2100,
  };
}

const namedError = (name: string, message = name) => Object.assign(new Error(message), { name });

interface Scenario {
  plan: object;
  /** Outcome per playbook run, in call order; an Error is thrown. */
  results?: (string | Error)[];
  /** Verification answers, in call order: cleared, or not. */
  cleared?: boolean[];
  limits?: { admitted: boolean; detail: string };
  preflightAllowed?: boolean[];
  approval?: { approved: true; approver: string } | Error;
  leaseHeld?: boolean;
}

describe('remediateWorkflow definition', () => {
  let definition: AslStateMachine;
  let states: Record<string, AslState>;

  beforeAll(() => {
    ({ definition, states } = synthesizeBareWorkflow('remediate', REMEDIATE_HANDLERS, (scope, functions) =>
      remediateWorkflow(scope, 'Remediate', {
        environmentName: 'development',
        functions,
        approvalTimeout: Duration.minutes(60),
        verifyInterval: Duration.seconds(30),
        logRetention: RetentionDays.ONE_WEEK,
      }),
    ));
  });

  async function run(scenario: Scenario) {
    const calls: string[] = [];
    const records: {
      phase: string;
      decision: string;
      breaker?: string;
      actor?: string;
      step?: { playbook: string };
    }[] = [];
    const results = [...(scenario.results ?? [])];
    const cleared = [...(scenario.cleared ?? [])];
    const preflight = [...(scenario.preflightAllowed ?? [])];
    const playbook = (name: string) => (event: { params: unknown; dryRun: boolean }) => {
      calls.push(`${name}${event.dryRun ? ' (dry run)' : ''}`);
      const next = results.shift() ?? 'CHANGED';
      if (next instanceof Error) throw next;
      return {
        playbook: name,
        outcome: next,
        detail: `${name} ${next}`,
        before: { a: 1 },
        after: { a: 2 },
        changes: [],
      };
    };
    const handlers = {
      ResolveRemediation: () => scenario.plan,
      AcquireTargetLease: () => {
        calls.push('lease');
        if (scenario.leaseHeld) throw namedError('LockHeldError', 'remediation lock held by another run');
        return { owner: 'execution-under-test' };
      },
      SilenceAlert: () => {
        calls.push('silence');
        return { silenceId: 's-1', endsAt: '2026-11-26T02:00:00Z' };
      },
      CheckRemediationLimits: () =>
        scenario.limits ?? { admitted: true, trial: false, detail: 'within limits' },
      PreflightRemediation: () => {
        const allowed = preflight.shift() ?? true;
        return { allowed, decision: allowed ? 'ALLOWED' : 'REFUSED', checks: [], before: { pod: 'p' } };
      },
      RequestApproval: (request: {
        Payload: { taskToken: string; playbook: string; timeoutMinutes: number };
      }) => {
        calls.push(
          `approval ${request.Payload.playbook} ${request.Payload.taskToken} ${request.Payload.timeoutMinutes}m`,
        );
        if (scenario.approval instanceof Error) throw scenario.approval;
        return scenario.approval;
      },
      RunDeletePod: playbook('delete-pod'),
      RunRolloutRestart: playbook('rollout-restart'),
      VerifyAlertCleared: ({ poll }: { poll: number }) => {
        const isCleared = cleared.shift() ?? false;
        return { cleared: isCleared, poll: poll + 1, exhausted: !isCleared && poll + 1 >= 2 };
      },
      RecordRemediationStep: (event: (typeof records)[number]) => {
        records.push(event);
        return {};
      },
      ...Object.fromEntries(
        [
          'RecordOutcome',
          'RecordAlertCleared',
          'RecordAlertNotCleared',
          'RecordAction',
          'RecordActionFailed',
          'RecordApproval',
          'RecordApprovalRefused',
          'RecordPreflight',
          'RecordLimitsRefused',
          'RecordTargetBusy',
          'RecordNotification',
          'RecordResolution',
        ].map((state) => [
          state,
          (event: (typeof records)[number]) => {
            records.push(event);
            return {};
          },
        ]),
      ),
      EscalateRemediation: (event: { reason: string }) => {
        calls.push(`escalate: ${event.reason}`);
        return { messageId: 'm-1' };
      },
      ExpireSilence: () => {
        calls.push('expire silence');
        return { expired: true };
      },
      ReleaseTargetLease: () => {
        calls.push('release');
        return { released: true };
      },
      NotifyOperators: () => {
        calls.push('notify');
        return { messageId: 'n-1' };
      },
    };
    const result = await runLocally(
      definition,
      { detail: ALERT },
      handlers,
      { WaitForAlertToClear: 0 },
      { AcquireTargetLease: 0 },
    );
    const decisions = records.map((record) =>
      [record.phase, record.step?.playbook, record.decision, record.breaker, record.actor]
        .filter(Boolean)
        .join(' '),
    );
    return { ...result, calls, decisions };
  }

  it('has verb-noun PascalCase states, a one-day timeout and one Task per playbook', () => {
    expect(definition.StartAt).toBe('ResolveRemediation');
    expect(definition.TimeoutSeconds).toBe(24 * 3600);
    for (const name of Object.keys(states)) expect(name).toMatch(VERB_NOUN_PASCAL_CASE);
    expect(states.RequestApproval).toMatchObject({
      Resource: expect.stringMatching(/:states:::lambda:invoke\.waitForTaskToken$/),
      TimeoutSeconds: 3600,
    });
  });

  it('acts, polls until the alert clears, and ends REMEDIATED with every decision recorded', async () => {
    const { output, failure, calls, decisions } = await run({
      plan: routedPlan([{ playbook: 'delete-pod' }]),
      cleared: [false, true],
    });
    expect(failure).toBeUndefined();
    expect(output).toMatchObject({ outcome: { status: 'REMEDIATED', playbook: 'delete-pod' } });
    expect(calls).toEqual(['lease', 'silence', 'delete-pod', 'expire silence', 'release']);
    expect(decisions).toEqual([
      'preflight delete-pod ALLOWED',
      'act delete-pod CHANGED',
      'verify delete-pod CLEARED success',
      'outcome REMEDIATED',
    ]);
  });

  it('moves to the next playbook when the alert does not clear, or the action fails', async () => {
    const notCleared = await run({
      plan: routedPlan([{ playbook: 'delete-pod' }, { playbook: 'rollout-restart' }]),
      cleared: [false, false, true],
    });
    expect(notCleared.output).toMatchObject({
      outcome: { status: 'REMEDIATED', playbook: 'rollout-restart' },
    });
    expect(notCleared.decisions).toContain('verify delete-pod NOT_CLEARED failure');

    const failed = await run({
      plan: routedPlan([{ playbook: 'delete-pod' }, { playbook: 'rollout-restart' }]),
      results: [namedError('KubernetesApiError', 'forbidden')],
      cleared: [true],
    });
    expect(failed.decisions).toContain('act delete-pod FAILED failure');
    expect(failed.output).toMatchObject({ outcome: { status: 'REMEDIATED', playbook: 'rollout-restart' } });
  });

  it('escalates with the context when no playbook clears the alert, and still expires and releases', async () => {
    const { failure, calls, decisions } = await run({
      plan: routedPlan([{ playbook: 'delete-pod' }]),
      cleared: [false, false],
    });
    expect(failure?.error).toBe(REMEDIATION_ESCALATED_ERROR);
    expect(failure?.cause).toBe('no playbook of the chain cleared the alert');
    expect(calls.slice(-3)).toEqual([
      'escalate: no playbook of the chain cleared the alert',
      'expire silence',
      'release',
    ]);
    expect(decisions.at(-1)).toBe('outcome ESCALATED');
  });

  it('escalates at once when a limit refuses, without preflight or action', async () => {
    const { calls, decisions } = await run({
      plan: routedPlan([{ playbook: 'delete-pod' }, { playbook: 'rollout-restart' }]),
      limits: { admitted: false, detail: 'the delete-pod breaker is open until 2026-11-26T03:00:00.000Z' },
    });
    expect(calls).toContain('escalate: the delete-pod breaker is open until 2026-11-26T03:00:00.000Z');
    expect(calls.filter((call) => call.startsWith('delete-pod') || call.startsWith('rollout'))).toEqual([]);
    expect(decisions[0]).toBe('limits delete-pod REFUSED');
  });

  it('skips a playbook whose preflight refuses and tries the next one', async () => {
    const { output, calls, decisions } = await run({
      plan: routedPlan([{ playbook: 'rollout-restart' }, { playbook: 'delete-pod' }]),
      preflightAllowed: [false, true],
      cleared: [true],
    });
    expect(decisions.slice(0, 2)).toEqual([
      'preflight rollout-restart REFUSED',
      'preflight delete-pod ALLOWED',
    ]);
    expect(calls).not.toContain('rollout-restart');
    expect(output).toMatchObject({ outcome: { status: 'REMEDIATED', playbook: 'delete-pod' } });
  });

  it('asks first when the tier says so: approved runs with the approver recorded, rejected escalates', async () => {
    const approved = await run({
      plan: routedPlan([{ playbook: 'rollout-restart', tier: 'approve-first' }]),
      approval: { approved: true, approver: 'alice@example.com' },
      cleared: [true],
    });
    expect(approved.calls).toEqual([
      'lease',
      'silence',
      'approval rollout-restart task-token-under-test 60m',
      'rollout-restart',
      'expire silence',
      'release',
    ]);
    expect(approved.decisions).toContain('approval rollout-restart APPROVED alice@example.com');

    const rejected = await run({
      plan: routedPlan([{ playbook: 'rollout-restart', tier: 'approve-first' }]),
      approval: namedError('ApprovalRejected', '{"approver":"bob"}'),
    });
    expect(rejected.calls).not.toContain('rollout-restart');
    expect(rejected.decisions).toContain('approval rollout-restart ApprovalRejected');
    expect(rejected.failure?.cause).toBe('rollout-restart was not approved (ApprovalRejected)');
  });

  it('never acts in notify-only, and only records what a dry run would change', async () => {
    const notifyOnly = await run({ plan: routedPlan([{ playbook: 'delete-pod', tier: 'notify-only' }]) });
    expect(notifyOnly.calls).not.toContain('delete-pod');
    expect(notifyOnly.failure?.cause).toBe('delete-pod is notify-only here: a human decides');

    const shadow = await run({
      plan: routedPlan([{ playbook: 'delete-pod', dryRun: true }]),
      results: ['DRY_RUN'],
    });
    expect(shadow.calls).toContain('delete-pod (dry run)');
    expect(shadow.decisions).toContain('act delete-pod DRY_RUN');
    expect(shadow.decisions.some((decision) => decision.startsWith('verify'))).toBe(false);
    expect(shadow.failure?.error).toBe(REMEDIATION_ESCALATED_ERROR);
  });

  it('waits for a busy target, then escalates without acting', async () => {
    const { calls, decisions, failure } = await run({
      plan: routedPlan([{ playbook: 'delete-pod' }]),
      leaseHeld: true,
    });
    expect(calls.filter((call) => call === 'lease')).toHaveLength(7);
    expect(calls).not.toContain('silence');
    expect(calls).not.toContain('delete-pod');
    expect(decisions[0]).toBe('lease TARGET_BUSY');
    expect(failure?.cause).toBe(`another remediation holds ${TARGET_KEY}`);
  });

  it('only notifies and records alerts nothing acts on, and records resolutions', async () => {
    const notified = await run({
      plan: { status: 'NOTIFY', alert: ALERT, reason: 'no route acts on X', auditTarget: 'alert/X/f00d' },
    });
    expect(notified.failure).toBeUndefined();
    expect(notified.calls).toEqual(['notify']);
    expect(notified.decisions).toEqual(['resolve NOTIFIED']);

    const resolved = await run({
      plan: { status: 'RESOLVED', alert: ALERT, reason: 'the alert resolved', auditTarget: 'alert/X/f00d' },
    });
    expect(resolved.calls).toEqual([]);
    expect(resolved.decisions).toEqual(['resolve RESOLVED']);
  });
});
