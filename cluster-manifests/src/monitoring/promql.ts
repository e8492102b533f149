import { HOST_LABEL } from './alert-rule.ts';

/**
 * PromQL building blocks shared by the alert rules. The expressions read kube-state-metrics v2
 * series (and the subset local/kube-sim exports under the same names), so the rules evaluate
 * unchanged on EKS and in the e2e test.
 */

/** A label matcher for any of `names`; Kubernetes names are DNS labels, so nothing needs escaping. */
export function anyOf(label: string, names: readonly string[]): string {
  if (names.length === 0) throw new Error(`no values to match ${label} against`);
  return `${label}=~"${names.join('|')}"`;
}

/**
 * Adds HOST_LABEL, the node `expr`'s pod runs on (empty, so absent, while the pod is unscheduled),
 * from kube_pod_info. `expr` must have one series per pod, labelled by namespace and pod.
 */
export function withHost(expr: string): string {
  return [
    `(${expr})`,
    `* on (namespace, pod) group_left (${HOST_LABEL})`,
    `max by (namespace, pod, ${HOST_LABEL}) (label_replace(kube_pod_info, "${HOST_LABEL}", "$1", "node", "(.*)"))`,
  ].join('\n');
}

/**
 * Adds `deployment`, the Deployment that owns `expr`'s pod (through its ReplicaSet, named as in
 * podOwners), and keeps the pods of other owners unchanged. A pod alert carrying it lets
 * Alertmanager inhibit the alert its Deployment raises for the same cause. `expr` must have one
 * series per pod, labelled by namespace and pod.
 */
export function withOwningDeployment(expr: string): string {
  const owners = `max by (namespace, pod, deployment) (label_replace(kube_pod_info{created_by_kind="ReplicaSet"}, "deployment", "$1", "created_by_name", "(.+)-[^-]+"))`;
  return [
    `(${expr})`,
    '* on (namespace, pod) group_left (deployment)',
    owners,
    `or on (namespace, pod) (${expr})`,
  ].join('\n');
}

/**
 * The Deployment or StatefulSet that owns each pod, as `workload` and `workload_kind` with one
 * series per (namespace, pod). kube_pod_info names the direct controller; a Deployment's pods
 * belong to its ReplicaSet `<deployment>-<pod-template-hash>`, and the hash never contains a dash,
 * so the Deployment is the name without its last segment. kube-state-metrics' kube_replicaset_owner
 * would say it directly, but kube-sim does not export it and the suffix is exact for ReplicaSets a
 * Deployment created (the platform creates no other). Pods without such an owner (Jobs, bare pods)
 * have no series: no playbook could change their template.
 */
export function podOwners(podSelector: string): string {
  const owner = (createdBy: string, kind: string, nameRegex: string) =>
    `label_replace(label_replace(kube_pod_info{${podSelector}, created_by_kind="${createdBy}"}, "workload", "$1", "created_by_name", "${nameRegex}"), "workload_kind", "${kind}", "", "")`;
  return `max by (namespace, pod, workload, workload_kind) (\n  ${owner('ReplicaSet', 'Deployment', '(.+)-[^-]+')}\n  or\n  ${owner('StatefulSet', 'StatefulSet', '(.+)')}\n)`;
}

/**
 * A regex that matches the decimal integers >= `minimum`, for a count that an exporter exposes only
 * as a label value (PromQL cannot compare a label numerically). For 25: `[3-9][0-9]|2[5-9]|[1-9][0-9]{2,}`.
 */
export function atLeastRegex(minimum: number): string {
  if (!Number.isSafeInteger(minimum) || minimum < 0) {
    throw new Error(`atLeastRegex needs a non-negative integer, got ${minimum}`);
  }
  const digits = String(minimum);
  const alternatives = [...digits].flatMap((digit, index) => {
    const rest = digits.length - index - 1;
    const anyDigits = rest === 0 ? '' : rest === 1 ? '[0-9]' : `[0-9]{${rest}}`;
    // Same length, equal up to `index`, larger at `index` (the last position may also be equal).
    const lowest = Number(digit) + (rest === 0 ? 0 : 1);
    if (lowest > 9) return [];
    const range = lowest === 9 ? '9' : `[${lowest}-9]`;
    return [`${digits.slice(0, index)}${range}${anyDigits}`];
  });
  // Every longer number (no leading zeros) is larger.
  alternatives.push(`[1-9][0-9]{${digits.length},}`);
  return alternatives.join('|');
}
