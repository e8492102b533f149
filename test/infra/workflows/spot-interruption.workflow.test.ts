import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InterruptedNode } from '../../../functions/core/cost/spot/interruption.ts';
import { spotInterruptionEventSchema } from '../../../functions/core/cost/spot/interruption-event.ts';
import { matchesPattern } from '../../../local/runner/event-rules.ts';
import {
  SPOT_DRAIN_FAILED_ERROR,
  SPOT_INTERRUPTION_EVENT_PATTERNS,
  SPOT_INTERRUPTION_HANDLERS,
  spotInterruptionWorkflow,
} from '../../../workflows/spot-interruption.workflow.ts';
import {
  rebalanceRecommendation,
  spotInterruptionWarning,
} from '../../functions/core/cost/spot/spot-events.ts';
import type { AslState, AslStateMachine } from '../template-helpers.ts';
import { runLocally, synthesizeBareWorkflow, VERB_NOUN_PASCAL_CASE } from './bare-workflow-stack.ts';

const INSTANCE = 'i-0abc12345def67890';
const EVENT = spotInterruptionWarning(INSTANCE, '2026-11-26T01:05:00Z');

function target(found: boolean): InterruptedNode {
  return {
    instanceId: INSTANCE,
    kind: 'interruption',
    noticeTime: EVENT.time,
    found,
    ...(found ? { node: 'ip-10-0-30-12.eu-west-1.compute.internal', nodeGroup: 'compute' } : {}),
    detail: found
      ? 'instance is node ip-10-0-30-12'
      : `instance ${INSTANCE} is not a node of cluster lakehouse: nothing to do`,
  };
}

describe('spotInterruptionWorkflow definition', () => {
  let definition: AslStateMachine;
  let states: Record<string, AslState>;

  beforeAll(() => {
    ({ definition, states } = synthesizeBareWorkflow(
      'spot-interruption',
      SPOT_INTERRUPTION_HANDLERS,
      (scope, functions) =>
        spotInterruptionWorkflow(scope, 'SpotInterruption', {
          environmentName: 'development',
          functions,
          logRetention: RetentionDays.ONE_WEEK,
        }),
    ));
  });

  function scenario(
    options: { found?: boolean; outcome?: 'DRAINED' | 'PARTIAL'; drainFails?: boolean } = {},
  ) {
    const calls: string[] = [];
    const audits: Record<string, unknown>[] = [];
    const notifications: { subject: string; summary: string }[] = [];
    const handlers = {
      FindInterruptedNode: (event: unknown) => {
        calls.push('FindInterruptedNode');
        expect(spotInterruptionEventSchema.safeParse(event).success).toBe(true);
        return target(options.found ?? true);
      },
      DrainInterruptedNode: (input: InterruptedNode) => {
        calls.push('DrainInterruptedNode');
        if (options.drainFails) {
          const error = new Error('the Kubernetes API answered 403');
          error.name = 'KubernetesApiError';
          throw error;
        }
        return {
          outcome: options.outcome ?? 'DRAINED',
          node: input.node,
          summary: `node ${input.node}: 1 pod(s) left`,
        };
      },
      RecordSpotInterruptionAudit: (input: Record<string, unknown>) => {
        calls.push('RecordSpotInterruptionAudit');
        audits.push(input);
        return { alreadyRecorded: false };
      },
      RecordSpotDrainFailure: (input: Record<string, unknown>) => {
        calls.push('RecordSpotDrainFailure');
        audits.push(input);
        return { alreadyRecorded: false };
      },
      NotifyDrainIncomplete: (input: (typeof notifications)[number]) => {
        notifications.push(input);
        return { messageId: 'm-1' };
      },
      NotifyDrainFailed: (input: (typeof notifications)[number]) => {
        notifications.push(input);
        return { messageId: 'm-2' };
      },
    };
    return { handlers, calls, audits, notifications };
  }

  it('has verb-noun PascalCase states and a timeout that covers a rebalance drain', () => {
    expect(definition.StartAt).toBe('FindInterruptedNode');
    expect(definition.TimeoutSeconds).toBe(15 * 60);
    for (const name of Object.keys(states)) expect(name).toMatch(VERB_NOUN_PASCAL_CASE);
  });

  it('ends at once, saying so, for an instance that is not a node of the cluster', async () => {
    const run = scenario({ found: false });
    const { output } = await runLocally(definition, EVENT, run.handlers);

    expect(run.calls).toEqual(['FindInterruptedNode']);
    expect(output).toMatchObject({
      found: false,
      detail: expect.stringContaining('is not a node of cluster'),
    });
  });

  it('drains the node, audits the notice and the outcome, and succeeds with the drain', async () => {
    const run = scenario();
    const { output } = await runLocally(definition, EVENT, run.handlers);

    expect(run.calls).toEqual(['FindInterruptedNode', 'DrainInterruptedNode', 'RecordSpotInterruptionAudit']);
    expect(output).toMatchObject({ outcome: 'DRAINED' });
    expect(run.audits).toEqual([
      {
        node: target(true),
        drain: expect.objectContaining({ outcome: 'DRAINED' }),
        eventId: EVENT.id,
        executionId: 'execution-under-test',
      },
    ]);
    expect(run.notifications).toEqual([]);
  });

  it('tells the operators which pods were left behind', async () => {
    const run = scenario({ outcome: 'PARTIAL' });
    const { output } = await runLocally(definition, EVENT, run.handlers);

    expect(output).toMatchObject({ outcome: 'PARTIAL' });
    expect(run.notifications).toEqual([
      expect.objectContaining({
        subject: 'lakehouse-ops spot-interruption: node ip-10-0-30-12.eu-west-1.compute.internal not drained',
        summary: 'node ip-10-0-30-12.eu-west-1.compute.internal: 1 pod(s) left',
      }),
    ]);
  });

  it('audits a failed drain, notifies, and fails with SpotDrainFailed', async () => {
    const run = scenario({ drainFails: true });
    const { failure } = await runLocally(definition, EVENT, run.handlers);

    expect(run.calls).toEqual(['FindInterruptedNode', 'DrainInterruptedNode', 'RecordSpotDrainFailure']);
    expect(run.audits[0]).toMatchObject({ failure: { Error: 'KubernetesApiError' } });
    expect(run.notifications[0]?.summary).toMatch(/^KubernetesApiError while draining node ip-10-0-30-12/);
    expect(failure?.error).toBe(SPOT_DRAIN_FAILED_ERROR);
  });
});

describe('SPOT_INTERRUPTION_EVENT_PATTERNS', () => {
  /** The patterns as EventBridge receives them: through a CDK Rule, as the lead's infra creates it. */
  function synthesizedPatterns() {
    const stack = new Stack(new App(), 'PatternStack');
    for (const [index, eventPattern] of SPOT_INTERRUPTION_EVENT_PATTERNS.entries()) {
      new Rule(stack, `SpotRule${index}`, { eventPattern });
    }
    return Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule')).map(
      (rule) => rule.Properties.EventPattern,
    );
  }

  it('match the warning and the recommendation as AWS sends them, one rule each', () => {
    const [warning, rebalance] = synthesizedPatterns();

    expect(matchesPattern(EVENT, warning)).toBe(true);
    expect(matchesPattern(rebalanceRecommendation(INSTANCE, EVENT.time), rebalance)).toBe(true);
    expect(matchesPattern(EVENT, rebalance)).toBe(false);
  });

  it('match no other EC2 event and no other source', () => {
    const patterns = synthesizedPatterns();
    const stateChange = { ...EVENT, 'detail-type': 'EC2 Instance State-change Notification' };
    const custom = { ...EVENT, source: 'lakehouse-ops.alerts' };

    expect(patterns.some((pattern) => matchesPattern(stateChange, pattern))).toBe(false);
    expect(patterns.some((pattern) => matchesPattern(custom, pattern))).toBe(false);
  });
});
