import { InvalidInputError } from '../../commons/errors.ts';

/**
 * What an alert is about, read from its labels (docs/remediation.md "The target"). The order
 * matters: a rule about a node's pods names both, and the most specific object wins.
 */
export const TARGET_KINDS = [
  'Node',
  'PersistentVolumeClaim',
  'Pod',
  'Deployment',
  'StatefulSet',
  'NodeGroup',
] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface Target {
  readonly cluster: string;
  /** Absent for cluster-scoped kinds (Node, NodeGroup). */
  readonly namespace?: string;
  readonly kind: TargetKind;
  readonly name: string;
}

const CLUSTER_SCOPED: ReadonlySet<TargetKind> = new Set(['Node', 'NodeGroup']);

/** Label -> kind, most specific first (kube-state-metrics' label names). */
const LABEL_KINDS: readonly (readonly [string, TargetKind])[] = [
  ['node', 'Node'],
  ['persistentvolumeclaim', 'PersistentVolumeClaim'],
  ['pod', 'Pod'],
  ['deployment', 'Deployment'],
  ['statefulset', 'StatefulSet'],
  ['nodegroup', 'NodeGroup'],
];

const WORKLOAD_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet']);

export function targetOfAlert(labels: Readonly<Record<string, string>>, cluster: string): Target {
  const found = LABEL_KINDS.find(([label]) => labels[label]);
  const [kind, name] = found ? [found[1], labels[found[0]]!] : (workloadTarget(labels) ?? noTarget(labels));
  if (CLUSTER_SCOPED.has(kind)) return { cluster, kind, name };
  const namespace = labels.namespace;
  if (!namespace) {
    throw new InvalidInputError(
      `alert ${labels.alertname ?? '(unnamed)'} names the ${kind} ${name} but no namespace label`,
      { labels },
    );
  }
  return { cluster, namespace, kind, name };
}

/** `workload` + `workload_kind` (Deployment when absent), the labels the platform's own rules set. */
function workloadTarget(labels: Readonly<Record<string, string>>): [TargetKind, string] | undefined {
  const name = labels.workload;
  if (!name) return undefined;
  const kind = labels.workload_kind ?? 'Deployment';
  if (!WORKLOAD_KINDS.has(kind)) {
    throw new InvalidInputError(
      `alert ${labels.alertname ?? '(unnamed)'} has workload_kind "${kind}": expected Deployment or StatefulSet`,
      { labels },
    );
  }
  return [kind as TargetKind, name];
}

function noTarget(labels: Readonly<Record<string, string>>): never {
  throw new InvalidInputError(
    `alert ${labels.alertname ?? '(unnamed)'} names no target: expected one of the labels ${LABEL_KINDS.map(([label]) => label).join(', ')}, or workload (+ workload_kind)`,
    { labels },
  );
}

/** `<cluster>/<namespace or _cluster>/<Kind>/<name>`: the lease and rate-limit key of a target. */
export function targetKey(target: Target): string {
  return `${target.cluster}/${target.namespace ?? '_cluster'}/${target.kind}/${target.name}`;
}
