import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../../cluster-manifests/src/manifest.ts';
import {
  kubernetesResources,
  namespacedResource,
} from '../../../../functions/commons/kubernetes/resources.ts';
import { applyStage, FIELD_MANAGER } from '../../../../functions/core/provision/apply.ts';
import { stageObjects } from '../../../../functions/core/provision/plan.ts';
import { DEVELOPMENT, useProvisionCluster } from './provision-cluster.ts';

const everything = ['infrastructure', 'prefect', 'minio', 's5cmd', 'monitoring'] as const;
const configMaps = namespacedResource<V1ConfigMap>('v1', 'configmaps', 'configmap');

describe('applyStage', () => {
  const cluster = useProvisionCluster();
  const stage = (name: string) => stageObjects(DEVELOPMENT, everything, name);

  it('reports every object created when the cluster is empty, and stores them as applied by lakehouse-ops', async () => {
    const objects = stage('00-namespaces');
    const result = await applyStage({ kubernetes: cluster.api() }, '00-namespaces', objects, false);

    expect(result.objects.map((object) => object.action)).toEqual(objects.map(() => 'created'));
    const prefect = await cluster.api().get(kubernetesResources.namespaces.named('prefect'));
    expect(prefect?.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(prefect?.metadata?.managedFields).toContainEqual(
      expect.objectContaining({ manager: FIELD_MANAGER, operation: 'Apply' }),
    );
  });

  it('reports every object unchanged when the same stage is applied again, and changes no resourceVersion', async () => {
    await applyStage({ kubernetes: cluster.api() }, '00-namespaces', stage('00-namespaces'), false);
    const before = await cluster.api().get(kubernetesResources.namespaces.named('minio'));

    const again = await applyStage(
      { kubernetes: cluster.api() },
      '00-namespaces',
      stage('00-namespaces'),
      false,
    );

    expect(new Set(again.objects.map((object) => object.action))).toEqual(new Set(['unchanged']));
    const after = await cluster.api().get(kubernetesResources.namespaces.named('minio'));
    expect(after?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
  });

  it('lists the workloads of a stage for the rollout wait, and none in a dry run', async () => {
    await applyStage({ kubernetes: cluster.api() }, '10-rbac', stage('10-rbac'), false);
    const objects = stage('50-prefect');
    const dryRun = await applyStage({ kubernetes: cluster.api() }, '50-prefect', objects, true);
    const applied = await applyStage({ kubernetes: cluster.api() }, '50-prefect', objects, false);

    expect(dryRun.rollouts).toEqual([]);
    expect(applied.rollouts).toEqual([
      { kind: 'StatefulSet', namespace: 'prefect', name: 'prefect-postgresql' },
      { kind: 'Deployment', namespace: 'prefect', name: 'prefect-server' },
      { kind: 'Deployment', namespace: 'prefect', name: 'prefect-worker' },
    ]);
  });

  it('names the changed fields in a dry run and stores nothing', async () => {
    const objects = stage('50-prefect');
    await applyStage({ kubernetes: cluster.api() }, '50-prefect', objects, false);
    const server = objects.find(
      (object) => object.metadata.name === 'prefect-server' && object.kind === 'Deployment',
    );
    const scaled = structuredClone(server) as V1Deployment & Manifest;
    scaled.spec!.replicas = 4;

    const result = await applyStage({ kubernetes: cluster.api() }, '50-prefect', [scaled], true);

    expect(result.objects).toEqual([
      {
        object: 'Deployment prefect/prefect-server',
        action: 'changed',
        fields: ['spec.replicas'],
        fieldCount: 1,
      },
    ]);
    const stored = await cluster
      .api()
      .get(kubernetesResources.deployments.named('prefect', 'prefect-server'));
    expect(stored?.spec?.replicas).toBe(3);
  });

  it('takes back a field someone changed by hand, and reports it changed', async () => {
    const objects = stage('80-monitoring');
    await applyStage({ kubernetes: cluster.api() }, '80-monitoring', objects, false);
    const config = objects.find((object) => object.kind === 'ConfigMap')!;
    const path = configMaps.named(config.metadata.namespace!, config.metadata.name);
    const key = Object.keys((config as V1ConfigMap).data ?? {})[0]!;
    await cluster
      .api()
      .patch(
        path,
        { data: { [key]: 'edited by hand' } },
        { strategy: 'merge', fieldManager: 'kubectl-edit' },
      );

    const result = await applyStage({ kubernetes: cluster.api() }, '80-monitoring', [config], false);

    expect(result.objects[0]).toMatchObject({ action: 'changed', fields: [`data.${key}`] });
    expect((await cluster.api().get(path))?.data?.[key]).toBe((config as V1ConfigMap).data?.[key]);
  });

  it('reports an object in a namespace this run has yet to create as created, with a note, in a dry run', async () => {
    const config: Manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'not-yet-created' },
    };
    const result = await applyStage({ kubernetes: cluster.api() }, 'extra', [config], true);

    expect(result.objects).toEqual([
      {
        object: 'ConfigMap not-yet-created/settings',
        action: 'created',
        note: 'namespace not-yet-created is created by this run first',
      },
    ]);
  });

  it('fails, naming the object, when the API refuses an apply for real', async () => {
    const config: Manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'lost', namespace: 'nowhere' },
    };
    await expect(applyStage({ kubernetes: cluster.api() }, 'extra', [config], false)).rejects.toThrow(
      /configmap nowhere\/lost: Kubernetes API answered 404 NotFound/,
    );
  });
});
