import type { V1PolicyRule } from '@kubernetes/client-node';

/**
 * PolicyRule semantics as kube-apiserver's RBAC code has them (plugin/pkg/auth/authorizer/rbac and
 * pkg/registry/rbac/validation): whether a rule allows a request, and whether one set of rules
 * covers another (the escalation check on writes of Roles and bindings).
 */

/** What a request asks to do, as the API server's RequestInfo describes it. */
export type RequestAttributes =
  | {
      kind: 'resource';
      verb: string;
      apiGroup: string;
      resource: string;
      subresource?: string;
      /** Empty for cluster-scoped resources and for lists across all namespaces. */
      namespace?: string;
      /** The object named in the URL (none for a create or a list). */
      name?: string;
    }
  | { kind: 'nonResource'; verb: string; path: string };

const ALL = '*';

function matchesOrAll(values: readonly string[] | undefined, wanted: string): boolean {
  return (values ?? []).some((value) => value === ALL || value === wanted);
}

/** `pods/log` for the log subresource: RBAC rules name resource and subresource together. */
export function combinedResource(resource: string, subresource: string | undefined): string {
  return subresource ? `${resource}/${subresource}` : resource;
}

function resourceMatches(rule: V1PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = combinedResource(resource, subresource);
  return (rule.resources ?? []).some(
    (ruleResource) =>
      ruleResource === ALL ||
      ruleResource === combined ||
      (subresource !== undefined && ruleResource === `*/${subresource}`),
  );
}

function resourceNameMatches(rule: V1PolicyRule, name: string | undefined): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (name !== undefined && names.includes(name));
}

function nonResourceUrlMatches(rule: V1PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (url) => url === ALL || url === path || (url.endsWith('*') && path.startsWith(url.slice(0, -1))),
  );
}

export function ruleAllows(rule: V1PolicyRule, request: RequestAttributes): boolean {
  if (!matchesOrAll(rule.verbs, request.verb)) return false;
  if (request.kind === 'nonResource') return nonResourceUrlMatches(rule, request.path);
  return (
    matchesOrAll(rule.apiGroups, request.apiGroup) &&
    resourceMatches(rule, request.resource, request.subresource) &&
    resourceNameMatches(rule, request.name)
  );
}

/** One rule per verb, group, resource and resource name (or per verb and URL): the unit of a grant. */
export function breakdownRule(rule: V1PolicyRule): V1PolicyRule[] {
  const names = rule.resourceNames?.length ? rule.resourceNames.map((name) => [name]) : [undefined];
  const resourceRules = (rule.apiGroups ?? []).flatMap((apiGroup) =>
    (rule.resources ?? []).flatMap((resource) =>
      rule.verbs.flatMap((verb) =>
        names.map((resourceNames) => ({
          apiGroups: [apiGroup],
          resources: [resource],
          verbs: [verb],
          ...(resourceNames ? { resourceNames } : {}),
        })),
      ),
    ),
  );
  const urlRules = (rule.nonResourceURLs ?? []).flatMap((url) =>
    rule.verbs.map((verb) => ({ nonResourceURLs: [url], verbs: [verb] })),
  );
  return [...resourceRules, ...urlRules];
}

function hasAllOrEvery(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  const values = owner ?? [];
  return values.includes(ALL) || (wanted ?? []).every((value) => values.includes(value));
}

function resourcesCover(
  owner: readonly string[] | undefined,
  wanted: readonly string[] | undefined,
): boolean {
  const values = owner ?? [];
  if (values.includes(ALL)) return true;
  return (wanted ?? []).every((resource) => {
    if (values.includes(resource)) return true;
    const slash = resource.indexOf('/');
    if (slash < 0) return false;
    return values.includes(`${resource.slice(0, slash)}/*`) || values.includes(`*${resource.slice(slash)}`);
  });
}

function urlsCover(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((path) =>
    nonResourceUrlMatches({ verbs: [], nonResourceURLs: [...(owner ?? [])] }, path),
  );
}

/** Whether `owner` grants everything the broken-down rule `sub` does (validation.ruleCovers). */
function ruleCovers(owner: V1PolicyRule, sub: V1PolicyRule): boolean {
  const ownerNames = owner.resourceNames ?? [];
  const namesCovered =
    ownerNames.length === 0 ||
    ((sub.resourceNames ?? []).length > 0 && hasAllOrEvery(ownerNames, sub.resourceNames));
  return (
    hasAllOrEvery(owner.verbs, sub.verbs) &&
    hasAllOrEvery(owner.apiGroups, sub.apiGroups) &&
    resourcesCover(owner.resources, sub.resources) &&
    urlsCover(owner.nonResourceURLs, sub.nonResourceURLs) &&
    namesCovered
  );
}

/** The parts of `rules` that no rule of `owned` covers: what a write would grant beyond its author. */
export function uncoveredRules(
  owned: readonly V1PolicyRule[],
  rules: readonly V1PolicyRule[],
): V1PolicyRule[] {
  return rules.flatMap(breakdownRule).filter((sub) => !owned.some((owner) => ruleCovers(owner, sub)));
}

/** Go's %q of a []string: `["get" "list"]`. */
function quotedList(values: readonly string[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(' ')}]`;
}

/** PolicyRule.CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}`. */
export function compactString(rule: V1PolicyRule): string {
  const parts: [string, readonly string[] | undefined][] = [
    ['APIGroups', rule.apiGroups],
    ['Resources', rule.resources],
    ['NonResourceURLs', rule.nonResourceURLs],
    ['ResourceNames', rule.resourceNames],
    ['Verbs', rule.verbs],
  ];
  return `{${parts
    .filter(([, values]) => values && values.length > 0)
    .map(([label, values]) => `${label}:${quotedList(values ?? [])}`)
    .join(', ')}}`;
}

/** Merges broken-down rules that differ only by verb (validation.CompactRules), for messages. */
export function compactRules(rules: readonly V1PolicyRule[]): V1PolicyRule[] {
  const merged = new Map<string, V1PolicyRule>();
  const kept: V1PolicyRule[] = [];
  for (const rule of rules) {
    if (rule.resourceNames?.length || rule.nonResourceURLs?.length) {
      kept.push(rule);
      continue;
    }
    const key = `${rule.apiGroups?.[0]}\u0000${rule.resources?.[0]}`;
    const existing = merged.get(key);
    if (existing)
      existing.verbs = [...existing.verbs, ...rule.verbs.filter((verb) => !existing.verbs.includes(verb))];
    else merged.set(key, { ...rule, verbs: [...rule.verbs] });
  }
  return [...merged.values(), ...kept];
}
