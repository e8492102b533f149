import { apiErrors, forbiddenField, invalidField, requiredField, type StatusCause } from './errors.ts';
import {
  isPlainObject,
  jsonEqual,
  type KubeObject,
  type LabelSelector,
  type PodSpec,
  type PodTemplate,
} from './model.ts';
import type { ResourceType } from './resources.ts';
import { selectorMatches } from './selectors.ts';

/**
 * Validation the real strategies apply and that callers of this project can trip over: names,
 * labels, pod specs, workload selectors, and the fields that are immutable after creation.
 */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Kinds whose names must be DNS-1123 labels rather than subdomains. */
const LABEL_NAMED_KINDS = new Set(['Namespace', 'Service']);

/**
 * RBAC objects are named by path segment only (ValidatePathSegmentName), so names such as
 * `lakehouse-ops:provision` or `system:controller:foo` are valid there.
 */
const PATH_SEGMENT_NAMED_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

function pathSegmentProblem(name: string): string | undefined {
  if (name === '.' || name === '..') return `may not be '${name}'`;
  const illegal = ['/', '%'].find((character) => name.includes(character));
  return illegal ? `may not contain '${illegal}'` : undefined;
}

function validateName(object: KubeObject): StatusCause[] {
  const name = object.metadata.name;
  if (!name) return [requiredField('metadata.name')];
  if (PATH_SEGMENT_NAMED_KINDS.has(object.kind)) {
    const problem = pathSegmentProblem(name);
    return problem ? [invalidField('metadata.name', name, problem)] : [];
  }
  if (LABEL_NAMED_KINDS.has(object.kind)) {
    return DNS_LABEL.test(name) && name.length <= 63
      ? []
      : [
          invalidField(
            'metadata.name',
            name,
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
          ),
        ];
  }
  return DNS_SUBDOMAIN.test(name) && name.length <= 253
    ? []
    : [
        invalidField(
          'metadata.name',
          name,
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        ),
      ];
}

function validateLabels(labels: Record<string, string> | undefined, field: string): StatusCause[] {
  return Object.entries(labels ?? {}).flatMap(([key, value]) => {
    const causes: StatusCause[] = [];
    if (!LABEL_KEY.test(key))
      causes.push(
        invalidField(field, key, "name part must consist of alphanumeric characters, '-', '_' or '.'"),
      );
    if (typeof value !== 'string' || !LABEL_VALUE.test(value) || value.length > 63) {
      causes.push(
        invalidField(
          `${field}.${key}`,
          value,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.' (at most 63 characters)",
        ),
      );
    }
    return causes;
  });
}

export function validatePodSpec(spec: PodSpec | undefined, field: string): StatusCause[] {
  if (!isPlainObject(spec)) return [requiredField(field)];
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) return [requiredField(`${field}.containers`)];
  const names = new Set<string>();
  return containers.flatMap((container, index) => {
    const path = `${field}.containers[${index}]`;
    const causes: StatusCause[] = [];
    if (!container.name) causes.push(requiredField(`${path}.name`));
    else if (!DNS_LABEL.test(container.name))
      causes.push(invalidField(`${path}.name`, container.name, 'must be a DNS-1123 label'));
    else if (names.has(container.name))
      causes.push({
        reason: 'FieldValueDuplicate',
        field: `${path}.name`,
        message: `Duplicate value: "${container.name}"`,
      });
    names.add(container.name);
    if (!container.image) causes.push(requiredField(`${path}.image`));
    return causes;
  });
}

function validateTemplate(spec: Record<string, unknown>, field: string): StatusCause[] {
  const template = spec.template as PodTemplate | undefined;
  const selector = spec.selector as LabelSelector | undefined;
  const causes: StatusCause[] = [];
  if (!isPlainObject(selector) || (!selector.matchLabels && !selector.matchExpressions)) {
    causes.push(requiredField(`${field}.selector`));
  }
  if (!isPlainObject(template)) return [...causes, requiredField(`${field}.template`)];
  causes.push(...validateLabels(template.metadata?.labels, `${field}.template.metadata.labels`));
  if (isPlainObject(selector) && !selectorMatches(selector, template.metadata?.labels)) {
    causes.push(
      invalidField(
        `${field}.template.metadata.labels`,
        template.metadata?.labels ?? {},
        '`selector` does not match template `labels`',
      ),
    );
  }
  causes.push(...validatePodSpec(template.spec, `${field}.template.spec`));
  return causes;
}

function validateReplicas(spec: Record<string, unknown>, field: string): StatusCause[] {
  const replicas = spec.replicas;
  if (replicas === undefined) return [];
  return Number.isInteger(replicas) && (replicas as number) >= 0
    ? []
    : [invalidField(`${field}.replicas`, replicas, 'must be greater than or equal to 0')];
}

type SpecValidator = (spec: Record<string, unknown>) => StatusCause[];

const SPEC_VALIDATORS: Record<string, SpecValidator> = {
  Pod: (spec) => validatePodSpec(spec as PodSpec, 'spec'),
  Deployment: (spec) => [...validateReplicas(spec, 'spec'), ...validateTemplate(spec, 'spec')],
  ReplicaSet: (spec) => [...validateReplicas(spec, 'spec'), ...validateTemplate(spec, 'spec')],
  StatefulSet: (spec) => [...validateReplicas(spec, 'spec'), ...validateTemplate(spec, 'spec')],
  DaemonSet: (spec) => validateTemplate(spec, 'spec'),
  Job: (spec) => {
    const template = spec.template as PodTemplate | undefined;
    const restartPolicy = template?.spec?.restartPolicy;
    const causes = validatePodSpec(template?.spec, 'spec.template.spec');
    if (restartPolicy !== 'Never' && restartPolicy !== 'OnFailure') {
      causes.push({
        reason: 'FieldValueNotSupported',
        field: 'spec.template.spec.restartPolicy',
        message: `Unsupported value: "${restartPolicy}": supported values: "OnFailure", "Never"`,
      });
    }
    return causes;
  },
  CronJob: (spec) =>
    typeof spec.schedule === 'string' && spec.schedule.trim() ? [] : [requiredField('spec.schedule')],
  PodDisruptionBudget: (spec) =>
    spec.minAvailable !== undefined && spec.maxUnavailable !== undefined
      ? [invalidField('spec', spec, 'minAvailable and maxUnavailable cannot be both set')]
      : [],
};

/** Fields that may not change after creation, per kind (the spec's top-level keys). */
const IMMUTABLE_SPEC_FIELDS: Record<string, string[]> = {
  Deployment: ['selector'],
  ReplicaSet: ['selector'],
  DaemonSet: ['selector'],
  StatefulSet: ['selector', 'serviceName', 'volumeClaimTemplates', 'podManagementPolicy'],
  Job: ['selector', 'template', 'completions', 'completionMode'],
  PodDisruptionBudget: [],
};

/** Pods may only change their container images (and a few scheduling hints we do not model). */
function podUpdateCauses(before: PodSpec, after: PodSpec): StatusCause[] {
  const withoutImages = (spec: PodSpec) => ({
    ...spec,
    containers: spec.containers?.map(({ image: _image, ...rest }) => rest),
    initContainers: spec.initContainers?.map(({ image: _image, ...rest }) => rest),
    activeDeadlineSeconds: undefined,
    tolerations: undefined,
  });
  return jsonEqual(withoutImages(before), withoutImages(after))
    ? []
    : [
        forbiddenField(
          'spec',
          'pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds` or `spec.tolerations` (only additions to existing tolerations)',
        ),
      ];
}

export function validateObject(type: ResourceType, object: KubeObject): void {
  const causes = [
    ...validateName(object),
    ...validateLabels(object.metadata.labels, 'metadata.labels'),
    ...(SPEC_VALIDATORS[type.kind]?.((object.spec ?? {}) as Record<string, unknown>) ?? []),
  ];
  if (causes.length > 0) throw apiErrors.invalid(type, object.metadata.name ?? '', causes);
}

export function validateUpdate(type: ResourceType, before: KubeObject, after: KubeObject): void {
  validateObject(type, after);
  const beforeSpec = (before.spec ?? {}) as Record<string, unknown>;
  const afterSpec = (after.spec ?? {}) as Record<string, unknown>;
  const causes =
    type.kind === 'Pod'
      ? podUpdateCauses(beforeSpec as PodSpec, afterSpec as PodSpec)
      : (IMMUTABLE_SPEC_FIELDS[type.kind] ?? [])
          .filter((field) => !jsonEqual(beforeSpec[field], afterSpec[field]))
          .map((field) => invalidField(`spec.${field}`, afterSpec[field], 'field is immutable'));
  if (causes.length > 0) throw apiErrors.invalid(type, after.metadata.name ?? '', causes);
}
