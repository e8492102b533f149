import type { V1Job, V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import { buildEnvironment } from '../../../cluster-manifests/src/generate.ts';
import { postgresLocation } from '../../../cluster-manifests/src/identities.ts';
import type { Manifest } from '../../../cluster-manifests/src/manifest.ts';
import { FUNCTION_GROUPS, resourceOf } from '../../../cluster-manifests/src/rbac.ts';
import { createClusterReader } from '../../../functions/commons/kubernetes-cluster-reader.ts';
import { submitJob, waitForJob } from '../../../functions/core/postgres/job-run.ts';
import { applyStage } from '../../../functions/core/provision/apply.ts';
import { checkRollouts } from '../../../functions/core/provision/rollout.ts';
import { checkMinioStatefulSet } from '../../../functions/core/validation/minio-statefulset.ts';
import { checkMonitoring } from '../../../functions/core/validation/monitoring.ts';
import { checkNodes } from '../../../functions/core/validation/nodes.ts';
import { checkPrefect } from '../../../functions/core/validation/prefect.ts';
import { checkS5cmdExecutor } from '../../../functions/core/validation/s5cmd-executor.ts';
import { checkS5cmdThroughput } from '../../../functions/core/validation/s5cmd-throughput.ts';
import { discoverBackupVolumes } from '../../../functions/core/volumes/persistent-volumes.ts';
import { grantsOf, RbacEnforcingApi } from '../support/rbac-enforcing-api.ts';

const environment = loadClusterEnvironment('production');
const manifests = buildEnvironment('production').files.flatMap((file) => file.documents);

/** Where the API serves an object of the manifests. */
function pathOf(object: Manifest): string {
  const { apiGroup, resource } = resourceOf(object);
  const root = apiGroup === '' ? '/api/v1' : `/apis/${object.apiVersion}`;
  const namespace = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  return `${root}${namespace}/${resource}/${object.metadata.name}`;
}

function apiFor(group: string, afterCreate?: (object: Manifest) => void): RbacEnforcingApi {
  const api = new RbacEnforcingApi(grantsOf(manifests, group), group, afterCreate);
  for (const object of manifests) api.seed(pathOf(object), object);
  return api.seed('/api/v1/nodes/ip-10-0-10-10', { metadata: { name: 'ip-10-0-10-10' } });
}

describe('rbac', () => {
  it('binds every function group to its own Kubernetes group and nothing else', () => {
    const bindings = manifests.filter((object) => object.kind.endsWith('RoleBinding'));
    for (const group of Object.values(FUNCTION_GROUPS)) {
      const own = bindings.filter((binding) => binding.metadata.name === group);
      expect(own.length).toBeGreaterThan(0);
      for (const binding of own) {
        expect((binding as { subjects?: unknown[] }).subjects).toEqual([
          { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: group },
        ]);
      }
    }
  });

  it('lets validate-platform run every Kubernetes check with exactly the reads it makes', async () => {
    const api = apiFor(FUNCTION_GROUPS.validatePlatform);
    const dependencies = { reader: createClusterReader(api.asKubernetesApi()), layout: environment.layout };

    const [nodes, prefect, minio, s5cmd, monitoring] = await Promise.all([
      checkNodes(dependencies),
      checkPrefect(dependencies),
      checkMinioStatefulSet(dependencies),
      checkS5cmdExecutor(dependencies),
      checkMonitoring(dependencies),
    ]);

    // The objects are found by the names and labels the checks look for. (They have no status
    // outside a cluster, so the availability checks fail; the s5cmd check needs no status.)
    expect(s5cmd.status).toBe('PASSED');
    expect(prefect.observations.workers).toEqual([expect.objectContaining({ name: 'prefect-worker' })]);
    expect(prefect.detail).not.toMatch(/not found|no worker Deployments/);
    expect(minio.observations).toMatchObject({ expectedReplicas: 4, desired: 4 });
    expect(monitoring.detail).not.toMatch(/not found/);
    expect(nodes.name).toBe('nodes');

    // Performance mode: the s5cmd throughput Job, once failing (pods listed for the reason) and
    // once overrunning its time (deleted). MinIO is not reached on either path.
    const throughput = (timeoutMs: number) =>
      checkS5cmdThroughput({
        kubernetes: api.asKubernetesApi(),
        s3: undefined as never,
        layout: environment.layout,
        sizeMiB: 1,
        minMiBPerSecond: 1,
        timeoutMs,
        pollIntervalMs: 1,
        sleep: async () => {},
      });
    api.afterCreate = (object) => {
      (object as V1Job).status = {
        conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }],
      };
    };
    expect((await throughput(60_000)).detail).toMatch(/failed: .*BackoffLimitExceeded/);
    api.afterCreate = undefined;
    expect((await throughput(0)).detail).toMatch(/did not finish within 0 s; it was deleted/);
    expect([...api.used].sort()).toEqual([...grantsOf(manifests, FUNCTION_GROUPS.validatePlatform)].sort());
  });

  it('refuses validate-platform a write', async () => {
    const api = apiFor(FUNCTION_GROUPS.validatePlatform).asKubernetesApi();
    await expect(
      api.create(
        { kind: 'collection', path: '/apis/batch/v1/namespaces/prefect/jobs', description: 'jobs' },
        {},
      ),
    ).rejects.toThrow(
      'forbidden: group lakehouse-ops:validate-platform cannot create batch/jobs in namespace prefect',
    );
  });

  it('lets the backup Lambdas run their Jobs and find the volumes with exactly the calls they make', async () => {
    const failJob = (object: Manifest) => {
      (object as V1Job).status = {
        conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }],
      };
    };
    const api = apiFor(FUNCTION_GROUPS.backup, failJob);
    const claim: V1PersistentVolumeClaim = {
      metadata: { name: 'data0-minio-0', namespace: environment.layout.minio.namespace },
      spec: { volumeName: 'pv-data0' },
      status: { phase: 'Bound' },
    };
    const volume: V1PersistentVolume = {
      metadata: { name: 'pv-data0' },
      spec: { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0123456789abcdef0' } },
    };
    api
      .seed(
        `/api/v1/namespaces/${environment.layout.minio.namespace}/persistentvolumeclaims/data0-minio-0`,
        claim,
      )
      .seed('/api/v1/persistentvolumes/pv-data0', volume);
    const kubernetes = api.asKubernetesApi();

    const discovery = await discoverBackupVolumes(kubernetes, environment.backup.volumeNamespaces);
    expect(discovery.volumes).toEqual([
      {
        namespace: 'minio',
        claim: 'data0-minio-0',
        persistentVolume: 'pv-data0',
        volumeId: 'vol-0123456789abcdef0',
      },
    ]);

    const { namespace } = postgresLocation(environment);
    const reference = await submitJob(kubernetes, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pg-dump-1', namespace },
    });
    await expect(
      waitForJob(
        { kubernetes, sleep: async () => {} },
        reference,
        {},
        (failure) => new Error(failure.reason),
      ),
    ).rejects.toThrow('BackoffLimitExceeded');

    expect([...api.used].sort()).toEqual([...grantsOf(manifests, FUNCTION_GROUPS.backup)].sort());
  });

  it('lets provision apply the whole folder and wait for its rollouts with exactly the calls it makes', async () => {
    const api = new RbacEnforcingApi(
      grantsOf(manifests, FUNCTION_GROUPS.provision),
      FUNCTION_GROUPS.provision,
    );
    const kubernetes = api.asKubernetesApi();

    for (const file of buildEnvironment('production').files) {
      const result = await applyStage({ kubernetes }, file.file, file.documents, false);
      // Outside a cluster nothing rolls out: the check reads each workload and lists its pods.
      const rollouts = await checkRollouts(kubernetes, result.rollouts);
      expect(rollouts.complete).toBe(result.rollouts.length === 0);
    }

    // escalate and bind are checked by the RBAC authorizer itself, never requested as calls.
    const requested = [...grantsOf(manifests, FUNCTION_GROUPS.provision)].filter(
      (grant) => !/^(escalate|bind) /.test(grant),
    );
    expect([...api.used].sort()).toEqual(requested.sort());
  });

  it('lets provision create and patch every kind the folder holds, and delete nothing', () => {
    const grants = grantsOf(manifests, FUNCTION_GROUPS.provision);
    for (const object of manifests) {
      const { apiGroup, resource } = resourceOf(object);
      for (const verb of ['get', 'create', 'patch']) {
        expect(grants).toContain(`${verb} ${apiGroup || 'core'}/${resource} in *`);
      }
    }
    expect([...grants].filter((grant) => grant.startsWith('delete '))).toEqual([]);
  });

  it('gives remediation and cost the eviction API but never pod deletion outside the lakehouse namespaces', () => {
    for (const group of [FUNCTION_GROUPS.remediation, FUNCTION_GROUPS.cost]) {
      const grants = [...grantsOf(manifests, group)];
      expect(grants).toContain('create core/pods/eviction in *');
      expect(grants.filter((grant) => grant.startsWith('delete ') && grant.endsWith(' in *'))).toEqual([]);
    }
  });
});
