import type { V1Container, V1Deployment, V1NetworkPolicy } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildEnvironment } from '../../../cluster-manifests/src/generate.ts';
import type { Manifest } from '../../../cluster-manifests/src/manifest.ts';
import { imageProblem, policyViolations } from '../../../cluster-manifests/src/policy.ts';
import { ENVIRONMENT_NAMES } from '../../../infra/config/environment-config.ts';
import { committedDocuments } from '../support/committed-manifests.ts';

const generatedDevelopment = buildEnvironment('development').files.flatMap((file) => file.documents);

/** A copy of the generated development documents, to break one rule at a time. */
function developmentDocuments(): Manifest[] {
  return structuredClone(generatedDevelopment);
}

function find(documents: Manifest[], kind: string, name: string): Manifest {
  const found = documents.find((document) => document.kind === kind && document.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the development manifests`);
  return found;
}

function serverContainer(documents: Manifest[]): V1Container {
  return (find(documents, 'Deployment', 'prefect-server') as V1Deployment).spec!.template.spec!
    .containers[0]!;
}

describe('policy', () => {
  it.each(ENVIRONMENT_NAMES)('finds no violation in the committed %s manifests', (environment) => {
    expect(policyViolations(committedDocuments(environment))).toEqual([]);
  });

  it('reports a container without a memory limit or a cpu request', () => {
    const documents = developmentDocuments();
    const container = serverContainer(documents);
    delete container.resources!.limits!.memory;
    delete container.resources!.requests!.cpu;
    expect(policyViolations(documents)).toEqual([
      'Deployment prefect/prefect-server: container prefect-server has no cpu request',
      'Deployment prefect/prefect-server: container prefect-server has no memory limit',
    ]);
  });

  it('reports a container that may run as root or escalate', () => {
    const documents = developmentDocuments();
    const deployment = find(documents, 'Deployment', 'prefect-server') as V1Deployment;
    delete deployment.spec!.template.spec!.securityContext!.runAsNonRoot;
    const container = serverContainer(documents);
    delete container.securityContext!.runAsNonRoot;
    container.securityContext!.allowPrivilegeEscalation = true;
    expect(policyViolations(documents)).toEqual([
      'Deployment prefect/prefect-server: container prefect-server does not set runAsNonRoot',
      'Deployment prefect/prefect-server: container prefect-server allows privilege escalation',
    ]);
  });

  it('reports a latest, missing or floating image tag', () => {
    expect(imageProblem('grafana/grafana:latest')).toMatch(/mutable tag "latest"/);
    expect(imageProblem('grafana/grafana')).toMatch(/no tag or digest/);
    expect(imageProblem('postgres:bookworm')).toBe(
      'image postgres:bookworm uses the floating tag "bookworm", not a version',
    );
    expect(imageProblem('registry.local:5000/grafana/grafana:11.4.0')).toBeUndefined();
    expect(imageProblem(`grafana/grafana@sha256:${'a'.repeat(64)}`)).toBeUndefined();
  });

  it('reports a long-running container without probes', () => {
    const documents = developmentDocuments();
    const container = serverContainer(documents);
    delete container.readinessProbe;
    delete container.livenessProbe;
    expect(policyViolations(documents)).toEqual([
      'Deployment prefect/prefect-server: container prefect-server has no readiness probe',
      'Deployment prefect/prefect-server: container prefect-server has no liveness probe',
    ]);
  });

  it('reports a multi-replica workload without a PodDisruptionBudget', () => {
    const documents = developmentDocuments().filter(
      (document) => !(document.kind === 'PodDisruptionBudget' && document.metadata.name === 'minio'),
    );
    expect(policyViolations(documents)).toEqual([
      'StatefulSet minio/minio has 4 replicas and no PodDisruptionBudget selecting its pods',
    ]);
  });

  it('reports a namespace whose deny-all policy admits traffic', () => {
    const documents = developmentDocuments();
    const denyAll = documents.find(
      (document) => document.metadata.name === 'default-deny-all' && document.metadata.namespace === 's5cmd',
    ) as V1NetworkPolicy;
    denyAll.spec!.egress = [{}];
    expect(policyViolations(documents)).toEqual([
      'Namespace s5cmd has no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)',
    ]);
  });

  it('reports a Secret in the repository and an object in a namespace nobody creates', () => {
    const documents = developmentDocuments();
    documents.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leaked', namespace: 'prefect' } });
    documents.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lost', namespace: 'prefekt' } });
    expect(policyViolations(documents)).toEqual([
      'Secret prefect/leaked: Secrets are not kept in the repository; use an ExternalSecret',
      'ConfigMap prefekt/lost is in namespace prefekt, which the manifests do not create',
    ]);
  });

  it('reports a namespace without restricted Pod Security or STRICT mTLS', () => {
    const documents = developmentDocuments().filter(
      (document) => !(document.kind === 'PeerAuthentication' && document.metadata.namespace === 'minio'),
    );
    const minio = find(documents, 'Namespace', 'minio');
    minio.metadata.labels!['pod-security.kubernetes.io/enforce'] = 'baseline';
    expect(policyViolations(documents)).toEqual([
      'Namespace minio does not enforce the restricted Pod Security Standard',
      'Namespace minio has no namespace-wide STRICT PeerAuthentication',
    ]);
  });
});
