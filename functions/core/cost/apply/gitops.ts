import type { V1ObjectMeta } from '@kubernetes/client-node';

/**
 * Workloads whose desired state lives in a Git repository: patching them in the cluster would be
 * reverted by the next sync (or, worse, hide the drift), so right-sizing writes the patch for the
 * repository instead. Recognised:
 *
 * - our own annotation `lakehouse-ops.io/managed-by: gitops` (for any tool, set by the platform team);
 * - Argo CD: any `argocd.argoproj.io/*` label or annotation (`argocd.argoproj.io/instance`,
 *   `argocd.argoproj.io/tracking-id`);
 * - Flux: any `kustomize.toolkit.fluxcd.io/*` or `helm.toolkit.fluxcd.io/*` label.
 */
export const GITOPS_ANNOTATION = 'lakehouse-ops.io/managed-by';
export const GITOPS_ANNOTATION_VALUE = 'gitops';

const TOOL_PREFIXES: readonly (readonly [string, string])[] = [
  ['argocd.argoproj.io/', 'Argo CD'],
  ['kustomize.toolkit.fluxcd.io/', 'Flux'],
  ['helm.toolkit.fluxcd.io/', 'Flux'],
];

/** Who manages the workload from Git (`Argo CD (argocd.argoproj.io/instance)`), or undefined. */
export function gitOpsManager(metadata: Pick<V1ObjectMeta, 'labels' | 'annotations'>): string | undefined {
  const annotations = metadata.annotations ?? {};
  if (annotations[GITOPS_ANNOTATION] === GITOPS_ANNOTATION_VALUE) {
    return `GitOps (${GITOPS_ANNOTATION}: ${GITOPS_ANNOTATION_VALUE})`;
  }
  const keys = [...Object.keys(metadata.labels ?? {}), ...Object.keys(annotations)];
  for (const [prefix, tool] of TOOL_PREFIXES) {
    const key = keys.find((candidate) => candidate.startsWith(prefix));
    if (key) return `${tool} (${key})`;
  }
  return undefined;
}
