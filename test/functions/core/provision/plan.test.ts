import { describe, expect, it } from 'vitest';
import { expandComponents } from '../../../../functions/core/provision/components.ts';
import { planProvision, stageObjects } from '../../../../functions/core/provision/plan.ts';
import { DEVELOPMENT } from './provision-cluster.ts';

const request = (components: Parameters<typeof planProvision>[1]['components'], dryRun = false) => ({
  environment: 'development' as const,
  components,
  dryRun,
  requestedBy: 'test',
});

describe('planProvision', () => {
  it('plans every stage in apply order, node groups and buckets for all', () => {
    const plan = planProvision(DEVELOPMENT, request(['all']));

    expect(plan.stages.map((stage) => stage.name)).toEqual([
      '00-namespaces',
      '10-rbac',
      '20-network-policies',
      '30-storage',
      '40-external-secrets',
      '50-prefect',
      '60-minio',
      '70-s5cmd',
      '80-monitoring',
    ]);
    expect(plan).toMatchObject({
      nodeGroups: true,
      buckets: true,
      dryRun: false,
      environment: 'development',
    });
    expect(plan.components).toEqual(['infrastructure', 'prefect', 'minio', 's5cmd', 'monitoring']);
  });

  it('plans only the namespace-scoped objects of one application, its namespace first', () => {
    const plan = planProvision(DEVELOPMENT, request(['minio']));
    const objects = plan.stages.flatMap((stage) => stageObjects(DEVELOPMENT, plan.components, stage.name));

    expect(plan).toMatchObject({ nodeGroups: false, buckets: true });
    expect(objects[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'minio' } });
    expect(
      objects.every((object) => object.kind === 'Namespace' || object.metadata.namespace === 'minio'),
    ).toBe(true);
    expect(plan.stages.map((stage) => stage.name)).toContain('60-minio');
    expect(plan.stages.map((stage) => stage.name)).not.toContain('30-storage');
  });

  it('gives infrastructure the cluster-wide objects and the RBAC in default, no application namespace', () => {
    const plan = planProvision(DEVELOPMENT, request(['infrastructure']));
    const objects = plan.stages.flatMap((stage) => stageObjects(DEVELOPMENT, plan.components, stage.name));

    expect(new Set(objects.map((object) => object.kind))).toEqual(
      new Set([
        'ClusterRole',
        'ClusterRoleBinding',
        'StorageClass',
        'ClusterSecretStore',
        'Role',
        'RoleBinding',
      ]),
    );
    // Only remediation's read of Node events lives in a namespace: `default`, which every cluster has.
    expect(new Set(objects.flatMap((object) => object.metadata.namespace ?? []))).toEqual(
      new Set(['default']),
    );
    expect(plan).toMatchObject({ nodeGroups: true, buckets: false });
  });

  it('refuses an environment other than the one this deployment manages', () => {
    expect(() => planProvision(DEVELOPMENT, { ...request(['all']), environment: 'production' })).toThrow(
      'environment "production" is not the one this deployment manages: expected "development"',
    );
  });

  it('refuses a stage that the plan does not hold', () => {
    expect(() => stageObjects(DEVELOPMENT, ['s5cmd'], '60-minio')).toThrow(
      /stage "60-minio" has no objects for components s5cmd; planned stages: 00-namespaces, /,
    );
  });
});

describe('expandComponents', () => {
  it('orders the named components by dependency and drops repeats', () => {
    expect(expandComponents(['monitoring', 'infrastructure', 'monitoring'])).toEqual([
      'infrastructure',
      'monitoring',
    ]);
  });
});
