import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PolicyV1Api,
  type V1Deployment,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { expect } from 'vitest';
import { type KubeSim, type KubeSimOptions, startKubeSim } from '../../../local/kube-sim/index.ts';

/** A started kube-sim with the real client-node API clients pointed at it. */
export interface SimClients {
  sim: KubeSim;
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  policy: PolicyV1Api;
  objects: KubernetesObjectApi;
}

export const THREE_NODES = [
  { name: 'node-a', zone: 'us-east-1a', nodeGroup: 'core' },
  { name: 'node-b', zone: 'us-east-1b', nodeGroup: 'core' },
  { name: 'node-c', zone: 'us-east-1c', nodeGroup: 'core' },
];

export async function startWithClients(
  options: KubeSimOptions = { nodes: THREE_NODES },
): Promise<SimClients> {
  const sim = await startKubeSim(options);
  const config = sim.kubeConfig();
  return {
    sim,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    batch: config.makeApiClient(BatchV1Api),
    policy: config.makeApiClient(PolicyV1Api),
    objects: KubernetesObjectApi.makeApiClient(config),
  };
}

export function deployment(
  name: string,
  replicas: number,
  image = 'nginx:1.27',
  labels: Record<string, string> = {},
): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, ...labels } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'main',
              image,
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
            },
          ],
        },
      },
    },
  };
}

export function statefulSet(
  name: string,
  replicas: number,
  image = 'minio/minio:RELEASE.2024-08-03',
): V1StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: name, image }] } },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
        },
      ],
    },
  };
}

/** Awaits a rejected client call and checks the HTTP code and the Status reason in its body. */
export async function expectApiError(
  call: Promise<unknown>,
  code: number,
  reason: string,
): Promise<Record<string, unknown>> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `expected the call to fail with ${code} ${reason}`).toBeInstanceOf(ApiException);
  const apiError = error as ApiException<unknown>;
  expect(apiError.code).toBe(code);
  const status = JSON.parse(String(apiError.body)) as Record<string, unknown>;
  expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
  return status;
}
