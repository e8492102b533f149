import type { V1LabelSelector } from '@kubernetes/client-node';

/**
 * A LabelSelector (matchLabels + matchExpressions) against an object's labels, as the API server
 * evaluates it, and as the `?labelSelector=` string that lists what it selects. Remediation needs
 * both directions: the pods a workload selects (a list), and the budgets that select a pod (a match).
 */
export function selectorMatches(
  selector: V1LabelSelector | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  // A missing selector selects nothing; an empty one selects everything (policy/v1 semantics).
  if (!selector) return false;
  const actual = labels ?? {};
  const labelsMatch = Object.entries(selector.matchLabels ?? {}).every(
    ([key, value]) => actual[key] === value,
  );
  return (
    labelsMatch &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const present = Object.hasOwn(actual, key);
      switch (operator) {
        case 'In':
          return present && values.includes(actual[key]!);
        case 'NotIn':
          return !present || !values.includes(actual[key]!);
        case 'Exists':
          return present;
        case 'DoesNotExist':
          return !present;
        default:
          return false;
      }
    })
  );
}

/** `app=minio,tier in (a,b),!legacy`: the query form of a selector, for list calls. */
export function selectorString(selector: V1LabelSelector | undefined): string {
  const requirements = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    if (operator === 'In') requirements.push(`${key} in (${values.join(',')})`);
    else if (operator === 'NotIn') requirements.push(`${key} notin (${values.join(',')})`);
    else if (operator === 'Exists') requirements.push(key);
    else if (operator === 'DoesNotExist') requirements.push(`!${key}`);
  }
  return requirements.join(',');
}
