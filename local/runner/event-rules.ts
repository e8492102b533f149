import type { LocalStateMachine } from './nested-execution.ts';
import { type CfnTemplate, resourcesOfType } from './template.ts';

/**
 * EventBridge rules, locally: the stack's AWS::Events::Rule resources whose targets are its state
 * machines, matched against each event the way EventBridge matches (every field of the pattern
 * must match; a list of values matches any of them; nested objects match nested fields), and the
 * matching rule's workflow started with the whole event as its input, as a target without
 * Input/InputPath receives it; `anything-but` lists and `$or` (the alert rules' catch-all for
 * unrouted alerts) are matched too. Content filters the platform's rules do not use (prefix,
 * numeric, exists, ...) and input transformation are refused when the rules are read, naming the
 * rule, rather than matched differently from AWS.
 */
export interface LocalEventRule {
  readonly logicalId: string;
  readonly pattern: EventPattern;
  /** The local workflow names its targets start. */
  readonly workflows: readonly string[];
}

type EventPattern = { readonly [field: string]: readonly PatternValue[] | EventPattern };
type PatternValue = string | number | boolean | null;

export class UnsupportedEventRuleError extends Error {
  override readonly name = 'UnsupportedEventRuleError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkPattern(pattern: unknown, where: string): EventPattern {
  if (!isObject(pattern)) throw new UnsupportedEventRuleError(`${where}: the pattern is not an object`);
  for (const [field, value] of Object.entries(pattern)) {
    if (field === '$or') {
      if (!Array.isArray(value) || value.length < 2) {
        throw new UnsupportedEventRuleError(`${where}.$or: expected a list of at least two patterns`);
      }
      for (const [index, branch] of value.entries()) checkPattern(branch, `${where}.$or[${index}]`);
    } else if (Array.isArray(value)) {
      for (const entry of value) {
        if (!isObject(entry) && !Array.isArray(entry)) continue;
        if (!isAnythingBut(entry)) {
          throw new UnsupportedEventRuleError(
            `${where}.${field}: content filter ${JSON.stringify(entry)} is not matched locally (exact values and anything-but lists only)`,
          );
        }
      }
    } else checkPattern(value, `${where}.${field}`);
  }
  return pattern as EventPattern;
}

/** `{ "anything-but": [values] }`: any present value but those. */
function isAnythingBut(entry: unknown): entry is { 'anything-but': PatternValue[] } {
  if (!isObject(entry)) return false;
  const keys = Object.keys(entry);
  const values = entry['anything-but'];
  return (
    keys.length === 1 &&
    Array.isArray(values) &&
    values.length > 0 &&
    values.every((value) => !isObject(value) && !Array.isArray(value))
  );
}

function ruleWorkflows(
  logicalId: string,
  targets: unknown,
  machines: ReadonlyMap<string, LocalStateMachine>,
): string[] {
  if (!Array.isArray(targets)) return [];
  return targets.flatMap((target: Record<string, unknown>) => {
    const arn = target.Arn as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
    const machine = machines.get(arn?.Ref ?? arn?.['Fn::GetAtt']?.[0] ?? '');
    if (!machine) return [];
    for (const unsupported of ['Input', 'InputPath', 'InputTransformer'] as const) {
      if (unsupported in target) {
        throw new UnsupportedEventRuleError(
          `rule ${logicalId}: target ${machine.workflow} uses ${unsupported}; the local runner passes the whole event`,
        );
      }
    }
    return [machine.workflow];
  });
}

/** The rules that start this stack's workflows. */
export function describeLocalEventRules(
  template: CfnTemplate,
  machines: ReadonlyMap<string, LocalStateMachine>,
): LocalEventRule[] {
  return resourcesOfType(template, 'AWS::Events::Rule').flatMap(([logicalId, resource]) => {
    const properties = resource.Properties ?? {};
    if (properties.State === 'DISABLED') return [];
    const workflows = ruleWorkflows(logicalId, properties.Targets, machines);
    if (workflows.length === 0 || properties.EventPattern === undefined) return [];
    return [{ logicalId, pattern: checkPattern(properties.EventPattern, `rule ${logicalId}`), workflows }];
  });
}

export function matchesPattern(event: unknown, pattern: EventPattern): boolean {
  if (!isObject(event)) return false;
  return Object.entries(pattern).every(([field, expected]) => {
    if (field === '$or') {
      return (expected as unknown as EventPattern[]).some((branch) => matchesPattern(event, branch));
    }
    const actual = event[field];
    if (!Array.isArray(expected)) return matchesPattern(actual, expected as EventPattern);
    // EventBridge matches nothing, anything-but included, against a missing field.
    if (actual === undefined) return false;
    // A list in the event matches when any of its values matches one of the pattern's.
    const values = Array.isArray(actual) ? actual : [actual];
    return values.some((value) =>
      (expected as readonly unknown[]).some((matcher) =>
        isAnythingBut(matcher) ? !matcher['anything-but'].includes(value as PatternValue) : matcher === value,
      ),
    );
  });
}

/** The workflows an event starts: each matching rule's targets, once per rule, in template order. */
export function workflowsForEvent(rules: readonly LocalEventRule[], event: unknown): string[] {
  return rules.filter((rule) => matchesPattern(event, rule.pattern)).flatMap((rule) => rule.workflows);
}
