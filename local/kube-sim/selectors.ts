import { apiErrors } from './errors.ts';
import type { KubeObject, LabelSelector } from './model.ts';
import type { ResourceType } from './resources.ts';

/**
 * Label and field selectors, in the query-string syntax of `?labelSelector=` / `?fieldSelector=`
 * and in the structured LabelSelector form that workloads and PodDisruptionBudgets carry.
 */
export type LabelRequirement =
  | { key: string; operator: 'exists' | '!exists' }
  | { key: string; operator: 'in' | 'notin'; values: string[] }
  | { key: string; operator: 'gt' | 'lt'; value: number };

export type Labels = Record<string, string> | undefined;

const KEY_PATTERN = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_PATTERN = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside a `(...)` value set. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

function checkKey(key: string, selector: string): string {
  if (!KEY_PATTERN.test(key) || key.length > 316) {
    throw apiErrors.badRequest(
      `unable to parse requirement: invalid label key "${key}" in selector "${selector}"`,
    );
  }
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE_PATTERN.test(value) || value.length > 63) {
    throw apiErrors.badRequest(
      `unable to parse requirement: invalid label value "${value}" in selector "${selector}"`,
    );
  }
  return value;
}

function parseRequirement(text: string, selector: string): LabelRequirement {
  const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (setMatch) {
    const values = setMatch[3]!
      .split(',')
      .map((value) => value.trim())
      .filter((value) => value.length > 0)
      .map((value) => checkValue(value, selector));
    return { key: checkKey(setMatch[1]!, selector), operator: setMatch[2] as 'in' | 'notin', values };
  }
  const compareMatch = /^([^=!<>\s]+)\s*(==|=|!=|<|>)\s*(.*)$/.exec(text);
  if (compareMatch) {
    const key = checkKey(compareMatch[1]!, selector);
    const operator = compareMatch[2]!;
    const value = compareMatch[3]!.trim();
    if (operator === '<' || operator === '>') {
      const number = Number(value);
      if (!Number.isInteger(number)) {
        throw apiErrors.badRequest(
          `unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer, got "${value}"`,
        );
      }
      return { key, operator: operator === '>' ? 'gt' : 'lt', value: number };
    }
    return { key, operator: operator === '!=' ? 'notin' : 'in', values: [checkValue(value, selector)] };
  }
  if (text.startsWith('!')) return { key: checkKey(text.slice(1).trim(), selector), operator: '!exists' };
  if (/^\S+$/.test(text)) return { key: checkKey(text, selector), operator: 'exists' };
  throw apiErrors.badRequest(
    `unable to parse requirement: "${text}" in label selector "${selector}"; expected key, !key, key=value, key!=value, key in (v1,v2) or key notin (v1,v2)`,
  );
}

export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (!selector) return [];
  return splitTopLevel(selector).map((part) => parseRequirement(part, selector));
}

function matchesRequirement(requirement: LabelRequirement, labels: Labels): boolean {
  const value = labels?.[requirement.key];
  switch (requirement.operator) {
    case 'exists':
      return value !== undefined;
    case '!exists':
      return value === undefined;
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      return requirement.operator === 'gt'
        ? Number(value) > requirement.value
        : Number(value) < requirement.value;
    }
  }
}

export function matchesRequirements(requirements: LabelRequirement[], labels: Labels): boolean {
  return requirements.every((requirement) => matchesRequirement(requirement, labels));
}

/** Converts a structured selector; an empty selector matches everything, a missing one nothing. */
export function requirementsOf(selector: LabelSelector): LabelRequirement[] {
  const fromLabels: LabelRequirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({
    key,
    operator: 'in',
    values: [value],
  }));
  const fromExpressions = (selector.matchExpressions ?? []).map((expression): LabelRequirement => {
    const values = expression.values ?? [];
    if (expression.operator === 'In') return { key: expression.key, operator: 'in', values };
    if (expression.operator === 'NotIn') return { key: expression.key, operator: 'notin', values };
    return { key: expression.key, operator: expression.operator === 'Exists' ? 'exists' : '!exists' };
  });
  return [...fromLabels, ...fromExpressions];
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  return matchesRequirements(requirementsOf(selector), labels);
}

/** The selector as the string form a Scale's status.selector carries. */
export function formatSelector(selector: LabelSelector | undefined): string {
  if (!selector) return '';
  return requirementsOf(selector).map(formatRequirement).join(',');
}

function formatRequirement(requirement: LabelRequirement): string {
  const { key } = requirement;
  switch (requirement.operator) {
    case 'exists':
      return key;
    case '!exists':
      return `!${key}`;
    case 'gt':
      return `${key}>${requirement.value}`;
    case 'lt':
      return `${key}<${requirement.value}`;
    case 'notin':
      return `${key} notin (${requirement.values.join(',')})`;
    case 'in':
      return requirement.values.length === 1
        ? `${key}=${requirement.values[0]}`
        : `${key} in (${requirement.values.join(',')})`;
  }
}

export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

/** Parses `?fieldSelector=`, rejecting fields the resource does not index, as the server does. */
export function parseFieldSelector(selector: string | undefined, type: ResourceType): FieldRequirement[] {
  if (!selector) return [];
  const supported = ['metadata.name', 'metadata.namespace', ...Object.keys(type.fieldSelectors)];
  return splitTopLevel(selector).map((part) => {
    const match = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!match) {
      throw apiErrors.badRequest(
        `invalid field selector "${part}": expected field=value, field==value or field!=value`,
      );
    }
    const fieldName = match[1]!.trim();
    if (!supported.includes(fieldName)) {
      throw apiErrors.badRequest(
        `field label not supported: "${fieldName}" is not a known field selector for ${type.plural}: only ${supported.map((name) => `"${name}"`).join(', ')}`,
      );
    }
    return { field: fieldName, value: match[3]!.trim(), negate: match[2] === '!=' };
  });
}

export function matchesFields(
  requirements: FieldRequirement[],
  object: KubeObject,
  type: ResourceType,
): boolean {
  return requirements.every((requirement) => {
    const actual =
      requirement.field === 'metadata.name'
        ? object.metadata.name
        : requirement.field === 'metadata.namespace'
          ? (object.metadata.namespace ?? '')
          : type.fieldSelectors[requirement.field]?.(object);
    return requirement.negate ? actual !== requirement.value : actual === requirement.value;
  });
}
