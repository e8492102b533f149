import type {
  V1Container,
  V1LabelSelector,
  V1NetworkPolicy,
  V1PodDisruptionBudget,
  V1PodSpec,
  V1PodTemplateSpec,
} from '@kubernetes/client-node';
import { imagePinProblem } from '../../functions/core/validation/s5cmd-executor.ts';
import { describeManifest, type Manifest } from './manifest.ts';

/**
 * The rules every document of cluster-manifests/ must follow, checked by the generator before it
 * writes and by the tests on the committed files. Each violation names the object and what is
 * wrong, so the fix is obvious.
 */

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

interface PodTemplateOf {
  readonly template: V1PodTemplateSpec;
  readonly replicas: number;
}

/** The pod template of a workload kind, wherever the kind keeps it. */
export function podTemplateOf(document: Manifest): PodTemplateOf | undefined {
  const spec = (document as { spec?: Record<string, unknown> }).spec;
  if (!spec) return undefined;
  switch (document.kind) {
    case 'Deployment':
    case 'StatefulSet':
      return {
        template: spec.template as V1PodTemplateSpec,
        replicas: (spec.replicas as number | undefined) ?? 1,
      };
    case 'DaemonSet':
    case 'Job':
      return { template: spec.template as V1PodTemplateSpec, replicas: 1 };
    case 'CronJob': {
      const jobTemplate = spec.jobTemplate as { spec?: { template?: V1PodTemplateSpec } } | undefined;
      return jobTemplate?.spec?.template ? { template: jobTemplate.spec.template, replicas: 1 } : undefined;
    }
    default:
      return undefined;
  }
}

function containersOf(pod: V1PodSpec | undefined): V1Container[] {
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

function resourceProblems(container: V1Container): string[] {
  const problems: string[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory']) {
      if (!container.resources?.[kind]?.[resource]) problems.push(`has no ${resource} ${kind.slice(0, -1)}`);
    }
  }
  return problems;
}

/** The `restricted` Pod Security Standard's container rules, with the pod's context as default. */
function securityProblems(container: V1Container, pod: V1PodSpec): string[] {
  const context = container.securityContext ?? {};
  const podContext = pod.securityContext ?? {};
  const problems: string[] = [];
  if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true) problems.push('does not set runAsNonRoot');
  if ((context.runAsUser ?? podContext.runAsUser) === 0) problems.push('runs as uid 0');
  if (context.allowPrivilegeEscalation !== false) problems.push('allows privilege escalation');
  if (!context.capabilities?.drop?.includes('ALL')) problems.push('does not drop ALL capabilities');
  if (context.privileged === true) problems.push('is privileged');
  if ((context.seccompProfile ?? podContext.seccompProfile)?.type !== 'RuntimeDefault') {
    problems.push('has no RuntimeDefault seccomp profile');
  }
  return problems;
}

/** Pinned: a digest, or a tag that names a version (has a digit), never `latest`. */
export function imageProblem(image: string | undefined): string | undefined {
  const unpinned = imagePinProblem(image);
  if (unpinned || !image || image.includes('@sha256:')) return unpinned;
  const tag = image.slice(image.lastIndexOf(':') + 1);
  return /\d/.test(tag) ? undefined : `image ${image} uses the floating tag "${tag}", not a version`;
}

function workloadProblems(document: Manifest, template: V1PodTemplateSpec): string[] {
  const pod = template.spec;
  if (!pod) return ['has no pod spec'];
  const problems: string[] = [];
  for (const container of containersOf(pod)) {
    const found = [
      ...resourceProblems(container),
      ...securityProblems(container, pod),
      ...[imageProblem(container.image)].filter((problem): problem is string => problem !== undefined),
    ];
    const isInit = pod.initContainers?.includes(container) ?? false;
    if (LONG_RUNNING.has(document.kind) && !isInit) {
      if (!container.readinessProbe) found.push('has no readiness probe');
      if (!container.livenessProbe) found.push('has no liveness probe');
    }
    problems.push(...found.map((problem) => `container ${container.name} ${problem}`));
  }
  return problems;
}

function selects(selector: V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  const matchLabels = Object.entries(selector?.matchLabels ?? {});
  return (
    matchLabels.length > 0 &&
    (selector?.matchExpressions ?? []).length === 0 &&
    matchLabels.every(([key, value]) => labels[key] === value)
  );
}

function isDefaultDeny(document: Manifest): boolean {
  if (document.kind !== 'NetworkPolicy') return false;
  const spec = (document as V1NetworkPolicy).spec;
  return (
    spec !== undefined &&
    Object.keys(spec.podSelector?.matchLabels ?? {}).length === 0 &&
    (spec.podSelector?.matchExpressions ?? []).length === 0 &&
    ['Ingress', 'Egress'].every((type) => spec.policyTypes?.includes(type)) &&
    (spec.ingress ?? []).length === 0 &&
    (spec.egress ?? []).length === 0
  );
}

function namespaceProblems(documents: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const namespaces = documents.filter((document) => document.kind === 'Namespace');
  const names = new Set(namespaces.map((namespace) => namespace.metadata.name));
  for (const namespace of namespaces) {
    const name = namespace.metadata.name;
    const inside = documents.filter((document) => document.metadata.namespace === name);
    if (namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') {
      problems.push(`${describeManifest(namespace)} does not enforce the restricted Pod Security Standard`);
    }
    if (!inside.some(isDefaultDeny)) {
      problems.push(
        `${describeManifest(namespace)} has no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)`,
      );
    }
    const strict = inside.some(
      (document) =>
        document.kind === 'PeerAuthentication' &&
        (document as { spec?: { selector?: unknown; mtls?: { mode?: string } } }).spec?.selector ===
          undefined &&
        (document as { spec?: { mtls?: { mode?: string } } }).spec?.mtls?.mode === 'STRICT',
    );
    if (!strict)
      problems.push(`${describeManifest(namespace)} has no namespace-wide STRICT PeerAuthentication`);
  }
  for (const document of documents) {
    const namespace = document.metadata.namespace;
    // Only RBAC may reach into `default`, which every cluster has (Node events are recorded there).
    const builtIn = namespace === 'default' && document.kind.startsWith('Role');
    if (namespace && !names.has(namespace) && !builtIn) {
      problems.push(
        `${describeManifest(document)} is in namespace ${namespace}, which the manifests do not create`,
      );
    }
  }
  return problems;
}

function disruptionBudgetProblems(
  documents: readonly Manifest[],
  document: Manifest,
  workload: PodTemplateOf,
): string[] {
  if (workload.replicas <= 1 || !LONG_RUNNING.has(document.kind)) return [];
  const labels = workload.template.metadata?.labels ?? {};
  const covered = documents.some(
    (candidate) =>
      candidate.kind === 'PodDisruptionBudget' &&
      candidate.metadata.namespace === document.metadata.namespace &&
      selects((candidate as V1PodDisruptionBudget).spec?.selector, labels),
  );
  return covered
    ? []
    : [
        `${describeManifest(document)} has ${workload.replicas} replicas and no PodDisruptionBudget selecting its pods`,
      ];
}

/** Every policy violation in the documents of one environment; empty when they comply. */
export function policyViolations(documents: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const document of documents) {
    if (document.kind === 'Secret') {
      problems.push(
        `${describeManifest(document)}: Secrets are not kept in the repository; use an ExternalSecret`,
      );
    }
    const workload = podTemplateOf(document);
    if (!workload) continue;
    problems.push(
      ...workloadProblems(document, workload.template).map(
        (problem) => `${describeManifest(document)}: ${problem}`,
      ),
    );
    problems.push(...disruptionBudgetProblems(documents, document, workload));
  }
  return [...problems, ...namespaceProblems(documents)];
}
