import { afterAll, beforeAll } from 'vitest';
import { loadClusterEnvironment } from '../../../../cluster-manifests/src/environments.ts';
import { IMAGES } from '../../../../cluster-manifests/src/images.ts';
import { createKubernetesApi, type KubernetesApi } from '../../../../functions/commons/kubernetes/api.ts';
import { defaultPlatformLayout } from '../../../../functions/core/platform/layout.ts';
import { type KubeSim, startKubeSim } from '../../../../local/kube-sim/index.ts';
import { NODE_POOLS, poolNode } from '../../../../local/lakehouse/seed/node-pools.ts';

/**
 * An empty cluster the development manifests fit on: the node pools they select (3 system nodes
 * for the Prefect server's one-per-node replicas, 4 storage nodes for MinIO, compute for workers)
 * and a registry holding the manifests' images, unless a test leaves one out to break a rollout.
 */
export const DEVELOPMENT = loadClusterEnvironment('development');
export const POOL_SIZES: Readonly<Record<string, number>> = { system: 3, storage: 4, compute: 2 };

export interface ProvisionCluster {
  sim(): KubeSim;
  api(): KubernetesApi;
}

export function useProvisionCluster(options: { missingImages?: string[] } = {}): ProvisionCluster {
  let sim: KubeSim | undefined;
  let api: KubernetesApi | undefined;
  beforeAll(async () => {
    const images = Object.values(IMAGES).filter((image) => !options.missingImages?.includes(image));
    sim = await startKubeSim({ images, enforceImages: true });
    for (const pool of NODE_POOLS) {
      for (let ordinal = 0; ordinal < (POOL_SIZES[pool.name] ?? 0); ordinal += 1)
        sim.addNode(poolNode(pool, ordinal, DEVELOPMENT.region, defaultPlatformLayout));
    }
    api = createKubernetesApi({ server: sim.url, token: sim.token });
  }, 60_000);
  afterAll(() => sim?.stop());
  const started = <T>(value: T | undefined): T => {
    if (!value) throw new Error('the provision cluster is used before its beforeAll hook ran');
    return value;
  };
  return { sim: () => started(sim), api: () => started(api) };
}
