import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesApi } from '../../../functions/commons/kubernetes/api.ts';
import { horizontalPodAutoscalers } from '../../../functions/core/cost/rightsizing/workloads.ts';
import type { KubeObject } from '../../../local/kube-sim/index.ts';
import { type SimClients, startWithClients } from './fixtures.ts';

function autoscaler(name: string, resource: 'cpu' | 'memory'): V2HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'prefect' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        {
          type: 'Resource',
          resource: { name: resource, target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
  };
}

describe('kube-sim HorizontalPodAutoscalers', () => {
  let clients: SimClients;
  beforeAll(async () => {
    clients = await startWithClients();
    clients.sim.apply(autoscaler('worker', 'cpu') as KubeObject);
    clients.sim.apply(autoscaler('api', 'memory') as KubeObject);
  });
  afterAll(() => clients.sim.stop());

  const api = () => createKubernetesApi({ server: clients.sim.url, token: clients.sim.token });

  it('publishes autoscaling/v2 horizontalpodautoscalers in discovery, where client-node finds them', async () => {
    // KubernetesObjectApi resolves the kind through discovery before it lists.
    const listed = await clients.objects.list('autoscaling/v2', 'HorizontalPodAutoscaler', 'prefect');
    expect(listed.items.map((item) => item.metadata?.name).sort()).toEqual(['api', 'worker']);
  });

  it('lists autoscalers across namespaces with their metrics, as stored', async () => {
    const items = await api().list(horizontalPodAutoscalers.inAllNamespaces());
    expect(
      items.map((item) => [item.metadata?.name, item.spec?.metrics?.[0]?.resource?.name]).sort(),
    ).toEqual([
      ['api', 'memory'],
      ['worker', 'cpu'],
    ]);
  });

  it('answers 404 for an autoscaler that does not exist', async () => {
    expect(await api().get(horizontalPodAutoscalers.named('prefect', 'none'))).toBeUndefined();
  });
});
