import { describe, expect, it } from 'vitest';
import {
  describeLocalEventRules,
  matchesPattern,
  UnsupportedEventRuleError,
  workflowsForEvent,
} from '../../../local/runner/event-rules.ts';
import type { LocalStateMachine } from '../../../local/runner/nested-execution.ts';
import type { CfnTemplate } from '../../../local/runner/template.ts';

const machines = new Map<string, LocalStateMachine>([
  ['RemediateMachine', { logicalId: 'RemediateMachine', workflow: 'remediate', stateMachineArn: 'arn:m' }],
]);

function template(rules: Record<string, Record<string, unknown>>): CfnTemplate {
  return {
    Resources: Object.fromEntries(
      Object.entries(rules).map(([id, properties]) => [
        id,
        { Type: 'AWS::Events::Rule', Properties: properties },
      ]),
    ),
  } as CfnTemplate;
}

const crashLooping = {
  source: ['lakehouse-ops.alerts'],
  'detail-type': ['Prometheus Alert'],
  detail: { alertname: ['PodCrashLooping'], status: ['firing'], severity: ['warning', 'critical'] },
};
const event = (detail: Record<string, unknown>) => ({
  source: 'lakehouse-ops.alerts',
  'detail-type': 'Prometheus Alert',
  detail: { alertname: 'PodCrashLooping', status: 'firing', severity: 'warning', ...detail },
});

describe('local EventBridge rules', () => {
  it('matches exact values, any of a list, and nested fields, as EventBridge does', () => {
    expect(matchesPattern(event({}), crashLooping)).toBe(true);
    expect(matchesPattern(event({ severity: 'critical' }), crashLooping)).toBe(true);
    expect(matchesPattern(event({ severity: 'info' }), crashLooping)).toBe(false);
    expect(matchesPattern(event({ status: 'resolved' }), crashLooping)).toBe(false);
    expect(matchesPattern({ ...event({}), source: 'other' }, crashLooping)).toBe(false);
    // A list in the event matches when one of its values does.
    expect(matchesPattern({ resources: ['a', 'b'] }, { resources: ['b'] })).toBe(true);
  });

  it('matches anything-but lists and $or branches, and nothing against a missing field', () => {
    const unrouted = {
      source: ['lakehouse-ops.alerts'],
      detail: {
        status: ['firing'],
        $or: [
          { alertname: [{ 'anything-but': ['PodCrashLooping', 'NodeNotReady'] }] },
          { severity: ['info'] },
        ],
      },
    };
    expect(matchesPattern(event({ alertname: 'DiskFull' }), unrouted as never)).toBe(true);
    expect(matchesPattern(event({}), unrouted as never)).toBe(false);
    expect(matchesPattern(event({ severity: 'info' }), unrouted as never)).toBe(true);
    const withoutName = { source: 'lakehouse-ops.alerts', detail: { status: 'firing', severity: 'warning' } };
    expect(matchesPattern(withoutName, unrouted as never)).toBe(false);
  });

  it('starts the workflows that the rules matching an event target, once per rule', () => {
    const rules = describeLocalEventRules(
      template({
        CrashLoopingRule: {
          EventPattern: crashLooping,
          Targets: [{ Arn: { Ref: 'RemediateMachine' }, Id: 't' }],
        },
        InfoRule: {
          EventPattern: { source: ['lakehouse-ops.alerts'], detail: { severity: ['info'] } },
          Targets: [{ Arn: { 'Fn::GetAtt': ['RemediateMachine', 'Arn'] }, Id: 't' }],
        },
        Disabled: {
          State: 'DISABLED',
          EventPattern: crashLooping,
          Targets: [{ Arn: { Ref: 'RemediateMachine' } }],
        },
        ToSomethingElse: { EventPattern: crashLooping, Targets: [{ Arn: { Ref: 'SomeQueue' } }] },
      }),
      machines,
    );
    expect(rules.map((rule) => rule.logicalId)).toEqual(['CrashLoopingRule', 'InfoRule']);
    expect(workflowsForEvent(rules, event({}))).toEqual(['remediate']);
    expect(workflowsForEvent(rules, event({ severity: 'info' }))).toEqual(['remediate']);
    expect(workflowsForEvent(rules, event({ alertname: 'Other' }))).toEqual([]);
  });

  it('refuses content filters and input transformation, naming the rule, instead of matching otherwise', () => {
    const prefix = () =>
      describeLocalEventRules(
        template({
          PrefixRule: {
            EventPattern: { detail: { alertname: [{ prefix: 'Pod' }] } },
            Targets: [{ Arn: { Ref: 'RemediateMachine' } }],
          },
        }),
        machines,
      );
    expect(prefix).toThrow(UnsupportedEventRuleError);
    expect(prefix).toThrow(/rule PrefixRule\.detail\.alertname: content filter \{"prefix":"Pod"\}/);
    expect(() =>
      describeLocalEventRules(
        template({
          Transformed: {
            EventPattern: crashLooping,
            Targets: [{ Arn: { Ref: 'RemediateMachine' }, InputPath: '$.detail' }],
          },
        }),
        machines,
      ),
    ).toThrow(/rule Transformed: target remediate uses InputPath/);
  });
});
