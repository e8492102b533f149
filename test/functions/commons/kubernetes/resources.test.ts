import { describe, expect, it } from 'vitest';
import {
  clusterResource,
  kubernetesResources,
  namespacedResource,
} from '../../../../functions/commons/kubernetes/resources.ts';

describe('kubernetesResources', () => {
  it.each([
    [kubernetesResources.pods.named('minio', 'minio-0'), '/api/v1/namespaces/minio/pods/minio-0'],
    [
      kubernetesResources.serviceAccounts.named('s5cmd', 'executor'),
      '/api/v1/namespaces/s5cmd/serviceaccounts/executor',
    ],
    [kubernetesResources.events.inNamespace('prefect'), '/api/v1/namespaces/prefect/events'],
    [kubernetesResources.nodes.named('ip-10-0-1-2'), '/api/v1/nodes/ip-10-0-1-2'],
    [kubernetesResources.namespaces.all(), '/api/v1/namespaces'],
    [
      kubernetesResources.deployments.named('prefect', 'prefect-server'),
      '/apis/apps/v1/namespaces/prefect/deployments/prefect-server',
    ],
    [kubernetesResources.statefulSets.inNamespace('minio'), '/apis/apps/v1/namespaces/minio/statefulsets'],
    [kubernetesResources.jobs.named('s5cmd', 'copy-1'), '/apis/batch/v1/namespaces/s5cmd/jobs/copy-1'],
    [kubernetesResources.cronJobs.inAllNamespaces(), '/apis/batch/v1/cronjobs'],
    [
      kubernetesResources.podDisruptionBudgets.named('minio', 'minio'),
      '/apis/policy/v1/namespaces/minio/poddisruptionbudgets/minio',
    ],
  ])('builds %o', (resourcePath, expected) => {
    expect(resourcePath.path).toBe(expected);
  });

  it('describes paths the way operation names in errors quote them', () => {
    expect(kubernetesResources.deployments.named('prefect', 'worker').description).toBe(
      'deployment prefect/worker',
    );
    expect(kubernetesResources.pods.inNamespace('minio').description).toBe('pods in minio');
    expect(kubernetesResources.nodes.all().description).toBe('nodes');
  });

  it('percent-encodes names so a name cannot reach another path', () => {
    expect(kubernetesResources.pods.named('minio', '../secrets/x').path).toBe(
      '/api/v1/namespaces/minio/pods/..%2Fsecrets%2Fx',
    );
  });

  it('refuses an empty name, which would address the whole collection', () => {
    expect(() => kubernetesResources.pods.named('minio', '')).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: 'the pod name must not be empty' }),
    );
    expect(() => kubernetesResources.jobs.inNamespace('')).toThrow(
      'the namespace of the job must not be empty',
    );
  });
});

describe('namespacedResource and clusterResource', () => {
  it('build paths for resources not in the table, under /api for core and /apis for groups', () => {
    expect(namespacedResource('networking.k8s.io/v1', 'ingresses', 'ingress').named('a', 'b').path).toBe(
      '/apis/networking.k8s.io/v1/namespaces/a/ingresses/b',
    );
    expect(clusterResource('v1', 'persistentvolumes', 'persistentvolume').all().path).toBe(
      '/api/v1/persistentvolumes',
    );
  });
});
