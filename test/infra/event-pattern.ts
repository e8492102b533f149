/**
 * EventBridge's event-pattern matching, for the operators the alert rules use: lists of exact
 * values, `anything-but` with a list, nested objects and `$or`. Any other operator throws, so a
 * pattern this cannot judge is never reported as matching or not.
 */
export type EventPattern = Record<string, unknown>;

export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const fields = event as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') {
      if (!Array.isArray(expected) || expected.length < 2) {
        throw new Error(`$or expects a list of at least two patterns, got ${JSON.stringify(expected)}`);
      }
      return expected.some((branch) => matchesEventPattern(branch as EventPattern, fields));
    }
    if (Array.isArray(expected)) return matchesValue(expected, fields[key], key);
    if (typeof expected === 'object' && expected !== null) {
      return matchesEventPattern(expected as EventPattern, fields[key]);
    }
    throw new Error(`${key}: a pattern field must be a list or an object, got ${JSON.stringify(expected)}`);
  });
}

/** A leaf: the event's value equals one of the listed values or passes one listed operator. */
function matchesValue(matchers: readonly unknown[], value: unknown, key: string): boolean {
  // EventBridge matches no operator against a missing field (anything-but included).
  if (value === undefined) return false;
  return matchers.some((matcher) => {
    if (typeof matcher === 'string' || typeof matcher === 'number' || typeof matcher === 'boolean') {
      return value === matcher;
    }
    const operators = Object.entries(matcher as Record<string, unknown>);
    const [operator, operand] = operators[0] ?? [];
    if (operators.length !== 1 || operator !== 'anything-but' || !Array.isArray(operand)) {
      throw new Error(`${key}: unsupported matcher ${JSON.stringify(matcher)}`);
    }
    if (operand.length === 0) throw new Error(`${key}: anything-but needs at least one value`);
    return !operand.includes(value);
  });
}

/** An alert rule's pattern as EventBridge stores it (the CDK pattern's detailType is `detail-type` on the wire). */
export function alertRuleWirePattern(rule: {
  pattern: { source?: unknown; detailType?: unknown; detail?: unknown };
}): EventPattern {
  const { source, detailType, detail } = rule.pattern;
  return { source, 'detail-type': detailType, detail };
}
