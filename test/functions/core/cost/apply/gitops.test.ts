import { describe, expect, it } from 'vitest';
import { gitOpsManager } from '../../../../../functions/core/cost/apply/gitops.ts';

describe('gitOpsManager', () => {
  it('recognises our own annotation', () => {
    expect(gitOpsManager({ annotations: { 'lakehouse-ops.io/managed-by': 'gitops' } })).toBe(
      'GitOps (lakehouse-ops.io/managed-by: gitops)',
    );
  });

  it('recognises Argo CD by label or annotation', () => {
    expect(gitOpsManager({ labels: { 'argocd.argoproj.io/instance': 'lakehouse' } })).toBe(
      'Argo CD (argocd.argoproj.io/instance)',
    );
    expect(
      gitOpsManager({ annotations: { 'argocd.argoproj.io/tracking-id': 'lakehouse:apps/Deployment:x' } }),
    ).toBe('Argo CD (argocd.argoproj.io/tracking-id)');
  });

  it('recognises Flux kustomize and helm controllers', () => {
    expect(gitOpsManager({ labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps' } })).toBe(
      'Flux (kustomize.toolkit.fluxcd.io/name)',
    );
    expect(gitOpsManager({ labels: { 'helm.toolkit.fluxcd.io/name': 'prefect' } })).toBe(
      'Flux (helm.toolkit.fluxcd.io/name)',
    );
  });

  it('finds none on a workload managed by hand, or with another value of our annotation', () => {
    expect(
      gitOpsManager({ labels: { app: 'web' }, annotations: { 'lakehouse-ops.io/managed-by': 'manual' } }),
    ).toBe(undefined);
    expect(gitOpsManager({})).toBe(undefined);
  });
});
