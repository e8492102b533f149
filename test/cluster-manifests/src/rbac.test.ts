import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import { buildEnvironment } from '../../../cluster-manifests/src/generate.ts';
import { postgresLocation } from '../../../cluster-manifests/src/identities.ts';
import {
  allFunctionGroups,
  COST_GROUPS,
  FUNCTION_GROUPS,
  resourceOf,
} from '../../../cluster-manifests/src/rbac.ts';
import { kubernetesResources } from '../../../functions/commons/kubernetes/resources.ts';
import { createClusterReader } from '../../../functions/commons/kubernetes-cluster-reader.ts';
import { submitJob, waitForJob } from '../../../functions/core/postgres/job-run.ts';
import { pgDumpJobManifest } from '../../../functions/core/postgres/manifests.ts';
import { applyStage } from '../../../functions/core/provision/apply.ts';
import { checkRollouts } from '../../../functions/core/provision/rollout.ts';
import { checkMinioStatefulSet } from '../../../functions/core/validation/minio-statefulset.ts';
import { checkMonitoring } from '../../../functions/core/validation/monitoring.ts';
import { checkNodes } from '../../../functions/core/validation/nodes.ts';
import { checkPrefect } from '../../../functions/core/validation/prefect.ts';
import { checkS5cmdExecutor } from '../../../functions/core/validation/s5cmd-executor.ts';
import { checkS5cmdThroughput } from '../../../functions/core/validation/s5cmd-throughput.ts';
import { discoverBackupVolumes } from '../../../functions/core/volumes/persistent-volumes.ts';
import { FAULT_ANNOTATION, type PodFault } from '../../../local/kube-sim/index.ts';
import { applyAsAdmin, type RbacCluster, startRbacCluster } from '../support/rbac-cluster.ts';

/**
 * The RBAC of the production manifests against the calls the functions really make: kube-sim
 * authorizes with the roles and bindings applied into it, the functions' own client calls as each
 * function group's Kubernetes group, and every grant must be used by the run (no wider than needed)
 * while every call succeeds (wide enough).
 */
const environment = loadClusterEnvironment('production');
const files = buildEnvironment('production').files;
const manifests = files.flatMap((file) => file.documents);
const { validatePlatform, backup, provision } = FUNCTION_GROUPS;

/** Marks a pod (or a pod template) to misbehave the way kube-sim's kubelet simulates (`fail`, `not-ready`). */
function withFault<T extends { metadata?: { annotations?: Record<string, string> } }>(
  pod: T,
  fault: PodFault,
): T {
  return {
    ...pod,
    metadata: { ...pod.metadata, annotations: { ...pod.metadata?.annotations, [FAULT_ANNOTATION]: fault } },
  };
}

describe('rbac', () => {
  let cluster: RbacCluster;
  beforeAll(async () => {
    cluster = await startRbacCluster(environment, manifests);
  }, 120_000);
  afterAll(() => cluster?.sim.stop());
  /** A poll's sleep: time passes, so the controllers run (the Job's pods start and fail). */
  const timePasses = async () => {
    await cluster.sim.settle();
  };

  it('binds every function group to its own Kubernetes group and nothing else', () => {
    const bindings = manifests.filter((object) => object.kind.endsWith('RoleBinding'));
    // Production never sleeps: off-hours is bound only where it runs (rbac-cost.test.ts).
    const neverBound: string[] = [COST_GROUPS.offHours, COST_GROUPS.offHoursScale];
    for (const group of allFunctionGroups().filter((candidate) => !neverBound.includes(candidate))) {
      const own = bindings.filter((binding) => binding.metadata.name === group);
      expect(own.length).toBeGreaterThan(0);
      for (const binding of own) {
        expect((binding as { subjects?: unknown[] }).subjects).toEqual([
          { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: group },
        ]);
      }
    }
  });

  it('lets validate-platform run every Kubernetes check with exactly the calls it makes', async () => {
    const from = cluster.sim.rbac.decisions.length;
    const kubernetes = cluster.kubernetesAs(validatePlatform);
    const dependencies = { reader: createClusterReader(kubernetes), layout: environment.layout };

    const checks = await Promise.all([
      checkNodes(dependencies),
      checkPrefect(dependencies),
      checkMinioStatefulSet(dependencies),
      checkS5cmdExecutor(dependencies),
      checkMonitoring(dependencies),
    ]);
    // The platform is up on the production node groups, so every check passes on what it read.
    expect(checks.map(({ name, status }) => `${name} ${status}`)).toEqual([
      'nodes PASSED',
      'prefect PASSED',
      'minio-statefulset PASSED',
      's5cmd-executor PASSED',
      'monitoring PASSED',
    ]);

    // A MinIO pod that is not ready: the check lists the set's pods to name it.
    const [minioPod] = cluster.sim.list('v1', 'Pod', environment.layout.minio.namespace);
    if (!minioPod) throw new Error('the MinIO StatefulSet has no pods');
    cluster.sim.apply(withFault(minioPod, 'not-ready'));
    await cluster.sim.settle();
    expect((await checkMinioStatefulSet(dependencies)).detail).toContain(minioPod.metadata.name);

    // Performance mode: the s5cmd throughput Job, once failing (its pods listed for the reason) and
    // once overrunning its time (deleted). MinIO is not reached on either path.
    const throughput = (timeoutMs: number) =>
      checkS5cmdThroughput({
        kubernetes,
        s3: undefined as never,
        layout: environment.layout,
        sizeMiB: 1,
        minMiBPerSecond: 1,
        timeoutMs,
        pollIntervalMs: 1,
        sleep: timePasses,
      });
    const { namespace, jobTemplateCronJob } = environment.layout.s5cmd;
    const stored = cluster.sim.get('batch/v1', 'CronJob', jobTemplateCronJob, namespace);
    const jobSpec = (stored as V1CronJob | undefined)?.spec?.jobTemplate.spec;
    if (!stored || !jobSpec) throw new Error(`CronJob ${namespace}/${jobTemplateCronJob} was not applied`);
    const spec = stored.spec as NonNullable<V1CronJob['spec']>;
    cluster.sim.apply({
      ...stored,
      spec: { ...spec, jobTemplate: { spec: { ...jobSpec, template: withFault(jobSpec.template, 'fail') } } },
    });
    expect((await throughput(60_000)).detail).toMatch(/failed: .*BackoffLimitExceeded/);
    expect((await throughput(0)).detail).toMatch(/did not finish within 0 s; it was deleted/);

    expect(cluster.denialsOf(validatePlatform, from)).toEqual([]);
    expect(cluster.unusedGrantsOf(validatePlatform)).toEqual([]);
  });

  it('refuses validate-platform a write it was not granted, as the API server words it', async () => {
    const jobs = kubernetesResources.jobs.inNamespace('prefect');
    await expect(cluster.kubernetesAs(validatePlatform).create(jobs, {})).rejects.toThrow(
      'Kubernetes API answered 403 Forbidden: jobs.batch is forbidden: User "lambda-validate-platform" cannot create resource "jobs" in API group "batch" in the namespace "prefect"',
    );
  });

  it('lets the backup Lambdas run their Jobs and find the volumes with exactly the calls they make', async () => {
    const from = cluster.sim.rbac.decisions.length;
    const kubernetes = cluster.kubernetesAs(backup);

    const discovery = await discoverBackupVolumes(kubernetes, environment.backup.volumeNamespaces);
    const claims = environment.backup.volumeNamespaces.flatMap((namespace) =>
      cluster.sim.list('v1', 'PersistentVolumeClaim', namespace),
    );
    expect(claims.length).toBeGreaterThan(0);
    expect(discovery.volumes.map((volume) => volume.claim).sort()).toEqual(
      claims.map((claim) => claim.metadata.name).sort(),
    );
    expect(discovery.volumes.every((volume) => /^vol-[0-9a-f]{17}$/.test(volume.volumeId))).toBe(true);

    const { namespace } = postgresLocation(environment);
    const dump = pgDumpJobManifest({
      namespace,
      name: 'pg-dump-rbac',
      connection: { host: 'prefect-postgresql', user: 'prefect' },
      database: 'prefect',
      destination: { bucket: 'lakehouse-backup', key: 'postgres/prefect/rbac.dump' },
    });
    const template = dump.spec?.template;
    if (!dump.spec || !template) throw new Error('the pg_dump Job has no pod template');
    const reference = await submitJob(kubernetes, {
      ...dump,
      spec: { ...dump.spec, template: withFault(template, 'fail') },
    } as V1Job);
    await expect(
      waitForJob({ kubernetes, sleep: timePasses }, reference, {}, (failure) => new Error(failure.reason)),
    ).rejects.toThrow('BackoffLimitExceeded');

    expect(cluster.denialsOf(backup, from)).toEqual([]);
    expect(cluster.unusedGrantsOf(backup)).toEqual([]);
  });

  it('lets provision create and patch every kind the folder holds, and delete nothing', () => {
    const grants = cluster.grantsOf(provision);
    for (const object of manifests) {
      const { apiGroup, resource } = resourceOf(object);
      for (const verb of ['get', 'create', 'patch']) {
        expect(grants).toContain(`${verb} ${apiGroup || 'core'}/${resource} in *`);
      }
    }
    expect(grants.filter((grant) => grant.startsWith('delete '))).toEqual([]);
  });
});

describe('rbac of provision', () => {
  // The bootstrap an administrator does once: provision's own ClusterRole and binding, nothing else.
  let cluster: RbacCluster;
  beforeAll(async () => {
    cluster = await startRbacCluster(environment, []);
    await applyAsAdmin(
      cluster.sim,
      manifests.filter(
        (object) => object.metadata.name === provision && object.kind.startsWith('ClusterRole'),
      ),
    );
  }, 120_000);
  afterAll(() => cluster?.sim.stop());

  it('lets provision apply the whole folder and wait for its rollouts with exactly the calls it makes', async () => {
    const kubernetes = cluster.kubernetesAs(provision);
    for (const file of files) {
      const result = await applyStage({ kubernetes }, file.file, file.documents, false);
      // The controllers have not run since the apply: nothing has rolled out yet.
      const rollouts = await checkRollouts(kubernetes, result.rollouts);
      expect(rollouts.complete).toBe(result.rollouts.length === 0);
    }
    expect(cluster.denialsOf(provision)).toEqual([]);
    // Including escalate and bind: its Roles grant what provision does not hold, so RBAC asks for them.
    expect(cluster.unusedGrantsOf(provision)).toEqual([]);
  });
});
