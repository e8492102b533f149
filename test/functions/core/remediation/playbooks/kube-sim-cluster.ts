import type { V1Deployment, V1Pod, V1PodDisruptionBudget, V1StatefulSet } from '@kubernetes/client-node';
import { afterEach, beforeEach } from 'vitest';
import { createKubernetesApi, type KubernetesApi } from '../../../../../functions/commons/kubernetes/api.ts';
import type { AlertEvent } from '../../../../../functions/core/remediation/alert-event.ts';
import type { PlaybookEvent } from '../../../../../functions/core/remediation/playbooks/playbook.ts';
import type { Target } from '../../../../../functions/core/remediation/target.ts';
import { type KubeObject, type KubeSim, startKubeSim } from '../../../../../local/kube-sim/index.ts';
import { deployment, statefulSet, THREE_NODES } from '../../../../local/kube-sim/fixtures.ts';

/**
 * A fresh kube-sim per test (three Ready nodes), the functions' own Kubernetes client pointed at
 * it, and builders for the remediation events and the objects the playbooks meet.
 */
export const CLUSTER = 'lakehouse-test';

export interface KubeSimCluster {
  sim(): KubeSim;
  api(): KubernetesApi;
  /** Playbook dependencies for this cluster. */
  dependencies(): { kubernetes: KubernetesApi; clusterName: string };
}

export function useKubeSimCluster(): KubeSimCluster {
  let sim: KubeSim | undefined;
  let api: KubernetesApi | undefined;
  beforeEach(async () => {
    sim = await startKubeSim({ nodes: THREE_NODES });
    api = createKubernetesApi({ server: sim.url, token: sim.token });
  });
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });
  const started = <Value>(value: Value | undefined): Value => {
    if (value === undefined) throw new Error('kube-sim is used outside a test');
    return value;
  };
  return {
    sim: () => started(sim),
    api: () => started(api),
    dependencies: () => ({ kubernetes: started(api), clusterName: CLUSTER }),
  };
}

export function alertEvent(labels: Record<string, string> = {}): AlertEvent {
  return {
    alertname: labels.alertname ?? 'TestAlert',
    severity: 'warning',
    status: 'firing',
    fingerprint: '3f2a9c0d1e2b4a5f',
    startsAt: '2026-11-26T01:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    labels: { alertname: 'TestAlert', severity: 'warning', ...labels },
    annotations: {},
    generatorURL: 'http://prometheus/graph',
    receiver: 'lakehouse-ops',
    source: 'alertmanager',
    receivedAt: '2026-11-26T01:00:03.120Z',
  };
}

export function targetIn(kind: Target['kind'], name: string, namespace?: string): Target {
  return { cluster: CLUSTER, kind, name, ...(namespace ? { namespace } : {}) };
}

export function playbookEvent(
  target: Target,
  options: { params?: Record<string, unknown>; dryRun?: boolean; labels?: Record<string, string> } = {},
): PlaybookEvent {
  return {
    alert: alertEvent(options.labels),
    target,
    params: options.params ?? {},
    dryRun: options.dryRun ?? false,
    executionId: 'arn:aws:states:eu-west-1:123456789012:execution:remediate:test',
  };
}

/** A Deployment `name` in `namespace` with `replicas` pods (and their ReplicaSet) settled. */
export function seedDeployment(
  sim: KubeSim,
  name: string,
  namespace: string,
  replicas = 2,
  change: (object: V1Deployment) => void = () => undefined,
): V1Deployment {
  const object = deployment(name, replicas);
  object.metadata = { ...object.metadata, namespace };
  change(object);
  return sim.apply(object as KubeObject) as V1Deployment;
}

export function seedStatefulSet(
  sim: KubeSim,
  name: string,
  namespace: string,
  replicas = 4,
  change: (object: V1StatefulSet) => void = () => undefined,
): V1StatefulSet {
  const object = statefulSet(name, replicas);
  object.metadata = { ...object.metadata, namespace };
  change(object);
  return sim.apply(object as KubeObject) as V1StatefulSet;
}

/** An object as kube-sim stores it, typed as the client-node model (undefined when missing). */
export function stored<Resource>(
  sim: KubeSim,
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
): Resource | undefined {
  return sim.get(apiVersion, kind, name, namespace) as Resource | undefined;
}

export function podsOf(sim: KubeSim, namespace: string, selector: string): V1Pod[] {
  return sim.list('v1', 'Pod', namespace, selector) as V1Pod[];
}

/** A PodDisruptionBudget over `app=<app>`; kube-sim's disruption controller computes its status. */
export function seedBudget(
  sim: KubeSim,
  namespace: string,
  app: string,
  budget: { minAvailable?: number; maxUnavailable?: number },
): V1PodDisruptionBudget {
  return sim.apply({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: app, namespace },
    spec: { selector: { matchLabels: { app } }, ...budget },
  } as KubeObject) as V1PodDisruptionBudget;
}

/** Marks a pod crash-looping (or OOM-killed) and lets `restarts` restarts happen. */
export async function breakPod(
  sim: KubeSim,
  pod: V1Pod,
  fault: 'crash-loop' | 'oom-killed' | 'not-ready',
  restarts = 0,
): Promise<void> {
  sim.apply({
    ...pod,
    metadata: {
      ...pod.metadata,
      annotations: { ...pod.metadata?.annotations, 'kube-sim.lakehouse-ops.io/fault': fault },
    },
  } as KubeObject);
  await sim.tick(restarts);
}
