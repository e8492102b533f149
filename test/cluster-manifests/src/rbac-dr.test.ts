import { existsSync } from 'node:fs';
import { DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { Route53Client } from '@aws-sdk/client-route-53';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentManifests } from '../../../cluster-manifests/src/bundle.ts';
import { drEnvironmentManifests } from '../../../cluster-manifests/src/dr-bundle.ts';
import { drClusterEnvironment } from '../../../cluster-manifests/src/dr-environment.ts';
import { loadClusterEnvironment } from '../../../cluster-manifests/src/environments.ts';
import { platformIdentities, postgresLocation } from '../../../cluster-manifests/src/identities.ts';
import type { Manifest } from '../../../cluster-manifests/src/manifest.ts';
import { allFunctionGroups } from '../../../cluster-manifests/src/rbac.ts';
import {
  DR_CLUSTER_AUTHENTICATED_HANDLERS,
  DR_CLUSTER_GROUPS,
  DR_CLUSTER_KUBERNETES_GROUPS,
  drClusterFunctionGroups,
} from '../../../cluster-manifests/src/rbac-dr.ts';
import { createEksConnectionProvider } from '../../../functions/commons/kubernetes-client.ts';
import { createClusterReader } from '../../../functions/commons/kubernetes-cluster-reader.ts';
import { applyDrStage, drStages } from '../../../functions/core/dr/bring-up/manifests.ts';
import { restoreDrDatabase, restoreJobName } from '../../../functions/core/dr/bring-up/restore.ts';
import { scaleDrToStandby } from '../../../functions/core/dr/failback/standby.ts';
import { drClusterReachableGate } from '../../../functions/core/dr/failover/gates/dr-cluster-reachable.ts';
import { drFenceDependencies } from '../../../functions/core/dr/fence/wiring.ts';
import { fenceWriters } from '../../../functions/core/dr/fence/writers-step.ts';
import { route53TrafficDns } from '../../../functions/core/dr/traffic/route53-dns.ts';
import { validateDrPlatform } from '../../../functions/core/dr/validation/dr-platform.ts';
import { sidecarKeyFor } from '../../../functions/core/postgres/manifests.ts';
import type { StageResult } from '../../../functions/core/provision/apply.ts';
import { awaitRollouts } from '../../../functions/core/provision/rollout.ts';
import { createPrefectApi } from '../../../functions/core/validation/prefect-api.ts';
import { type AwsSim, startAwsSim } from '../../../local/aws-sim/server.ts';
import { FAULT_ANNOTATION, type KubeObject } from '../../../local/kube-sim/index.ts';
import { type S3Endpoint, startS3Endpoint } from '../../../local/lakehouse/s3-endpoint.ts';
import { KUBERNETES_VERSION } from '../../../local/lakehouse/seed/node-pools.ts';
import { DNS, localTrafficSettings } from '../../functions/core/dr/traffic/local-traffic.ts';
import {
  seedDeployment,
  seedStatefulSet,
} from '../../functions/core/remediation/playbooks/kube-sim-cluster.ts';
import { AWS_TEST_CREDENTIALS } from '../../functions/support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../../functions/support/local-dynamodb.ts';
import {
  applyAsAdmin,
  environmentNodePools,
  type RbacCluster,
  startRbacCluster,
} from '../support/rbac-cluster.ts';

/**
 * The DR functions' Kubernetes groups on the standby cluster (cluster-manifests/src/rbac-dr.ts)
 * against the calls their cores really make, in a failover's order: an administrator binds
 * bring-up once; bring-up applies the DR manifests (which bind every other DR group) and waits for
 * the rollouts; the restore fills the database; validation reads; failback's fence-dr scales the
 * writers down and scale-dr-to-standby resets the database. kube-sim authorizes with RBAC, EKS is
 * aws-sim's, the backup and replica buckets s3rver's, the ops table dynalite's. No call may be
 * refused, and every grant must be used, in every namespace it is granted in.
 */
const PRIMARY = loadClusterEnvironment('development');
const DR_REGION = 'eu-west-1';
const BACKUP_BUCKET = 'lakehouse-backup';
const REPLICA_BUCKET = 'lakehouse-replica';
const FAILOVER = '20260301T050000Z-a1b2c3';
const environment = drClusterEnvironment(PRIMARY, {
  clusterName: `${PRIMARY.clusterName}-dr`,
  region: DR_REGION,
  replicaBucket: REPLICA_BUCKET,
});
const manifests = drEnvironmentManifests(environment).flatMap((file) => file.documents);
const { bringUp, restore, validate, fenceDr, standby } = DR_CLUSTER_GROUPS;
const database = postgresLocation(environment);
const databaseSet = platformIdentities(environment).postgresql.instance;

function boundGroups(objects: readonly Manifest[]): Set<string> {
  return new Set(
    objects
      .filter((object) => object.kind.endsWith('RoleBinding'))
      .flatMap((binding) => (binding as { subjects?: { name: string }[] }).subjects ?? [])
      .map((subject) => subject.name)
      .filter((name) => name.startsWith('lakehouse-ops:')),
  );
}

describe('DR cluster groups in the manifests', () => {
  it('binds the DR groups only in the DR bundle, and none of the primary cluster groups there', () => {
    expect([...boundGroups(manifests)].sort()).toEqual(drClusterFunctionGroups().sort());
    const primary = boundGroups(environmentManifests(PRIMARY).flatMap((file) => file.documents));
    for (const group of drClusterFunctionGroups()) expect(primary).not.toContain(group);
    for (const group of allFunctionGroups()) expect(drClusterFunctionGroups()).not.toContain(group);
  });

  it('maps every DR group to handlers that exist, each handler to one group', () => {
    const handlers = DR_CLUSTER_KUBERNETES_GROUPS.flatMap((entry) => entry.handlers);
    expect(DR_CLUSTER_KUBERNETES_GROUPS.map((entry) => entry.group).sort()).toEqual(
      drClusterFunctionGroups().sort(),
    );
    expect(new Set(handlers).size).toBe(handlers.length);
    for (const handler of [...handlers, ...DR_CLUSTER_AUTHENTICATED_HANDLERS]) {
      expect(existsSync(new URL(`../../../functions/${handler}.handler.ts`, import.meta.url))).toBe(true);
    }
  });
});

describe('rbac of the DR functions on the standby cluster', () => {
  const dynamo = useLocalDynamoDb();
  const state: {
    cluster?: RbacCluster;
    aws?: AwsSim;
    s3Endpoint?: S3Endpoint;
    s3?: S3Client;
    eks?: EKSClient;
  } = {};
  beforeAll(async () => {
    const [cluster, s3Endpoint] = await Promise.all([
      startRbacCluster(environment, []),
      startS3Endpoint({
        name: 'rbac-dr',
        buckets: [BACKUP_BUCKET, REPLICA_BUCKET],
        credentials: AWS_TEST_CREDENTIALS,
      }),
    ]);
    // The bootstrap an administrator does once on the standby cluster: bring-up's own ClusterRole
    // and binding. Everything else bring-up applies.
    await applyAsAdmin(
      cluster.sim,
      manifests.filter((object) => object.metadata.name === bringUp && object.kind.startsWith('ClusterRole')),
    );
    const aws = await startAwsSim({
      region: DR_REGION,
      clusters: [
        {
          name: environment.clusterName,
          version: KUBERNETES_VERSION,
          endpoint: cluster.sim.url,
          nodeGroups: environmentNodePools(environment).map((pool) => ({
            ...pool,
            desiredSize: pool.maxSize,
          })),
        },
      ],
    });
    const s3 = new S3Client({
      endpoint: s3Endpoint.url,
      region: DR_REGION,
      credentials: AWS_TEST_CREDENTIALS,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const eks = new EKSClient({ endpoint: aws.url, region: DR_REGION, credentials: AWS_TEST_CREDENTIALS });
    Object.assign(state, { cluster, aws, s3Endpoint, s3, eks });
  }, 120_000);
  afterAll(async () => {
    state.s3?.destroy();
    state.eks?.destroy();
    await Promise.all([state.aws?.stop(), state.s3Endpoint?.stop(), state.cluster?.sim.stop()]);
  });
  const started = () => {
    const { cluster, aws, s3, eks } = state;
    if (!cluster || !aws || !s3 || !eks)
      throw new Error('the DR cluster is used before its beforeAll hook ran');
    return { cluster, aws, s3, eks };
  };
  const expectExactly = (group: string, from: number) => {
    const { cluster } = started();
    expect(cluster.denialsOf(group, from)).toEqual([]);
    expect(cluster.unusedGrantsOf(group)).toEqual([]);
  };
  const timePasses = async () => {
    await started().cluster.sim.settle();
  };

  /** apply-dr-manifests and check-dr-rollout over a phase: a look while the rollouts progress, one after. */
  async function bringUpPhase(phase: 'platform' | 'prefect'): Promise<StageResult[]> {
    const kubernetes = started().cluster.kubernetesAs(bringUp);
    let applied: StageResult[] = [];
    for (let next = 0; next < drStages(environment, phase).length; next += 1) {
      const progress = await applyDrStage(
        { kubernetes },
        environment,
        { failoverId: FAILOVER, phase, next, applied },
        600,
      );
      applied = progress.stages;
      const { stage, rollouts, rolloutDeadline } = progress.current;
      const deadline = new Date(rolloutDeadline);
      const first = await awaitRollouts(kubernetes, stage, rollouts, deadline);
      expect(first.complete).toBe(rollouts.length === 0);
      await timePasses();
      expect((await awaitRollouts(kubernetes, stage, rollouts, deadline)).complete).toBe(true);
    }
    return applied;
  }

  it('lets bring-up apply the platform phase and wait for its rollouts, and refuses Prefect before the restore', async () => {
    const stages = await bringUpPhase('platform');
    expect(stages.map((stage) => stage.stage)).toContain('10-rbac.yaml');
    await expect(
      applyDrStage(
        { kubernetes: started().cluster.kubernetesAs(bringUp) },
        environment,
        { failoverId: FAILOVER, phase: 'prefect', next: 0, applied: [] },
        600,
      ),
    ).rejects.toMatchObject({ name: 'DrDatabaseNotRestoredError' });
    expect(started().cluster.denialsOf(bringUp)).toEqual([]);
  });

  it('lets restore-dr-database wait for the database, restore the newest dump once, and no more', async () => {
    const { cluster, s3 } = started();
    const from = cluster.sim.rbac.decisions.length;
    const dumpKey = `postgres/${environment.backup.postgres.database}/20260301T030000Z-0b0b0b0b.dump`;
    await seedDumpAndRestoreReport(s3, dumpKey);
    // External Secrets writes the password Secret on EKS; kube-sim runs no operator.
    cluster.sim.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: database.passwordSecret.name, namespace: database.namespace },
      stringData: { [database.passwordSecret.key]: 'unused' },
    } as KubeObject);
    const deps = { kubernetes: cluster.kubernetesAs(restore), s3, sleep: timePasses };
    const settings = {
      backupBucket: BACKUP_BUCKET,
      backupBucketRegion: DR_REGION,
      wait: { pollIntervalMs: 1 },
    };

    // A database pod that is not ready: the rollout check lists the set's pods to say which.
    const [pod] = cluster.sim.list(
      'v1',
      'Pod',
      database.namespace,
      `app.kubernetes.io/instance=${databaseSet}`,
    );
    const podName = pod?.metadata.name;
    if (!pod || !podName) throw new Error(`the StatefulSet ${databaseSet} has no pods`);
    cluster.sim.apply({
      ...pod,
      metadata: {
        ...pod.metadata,
        annotations: { ...pod.metadata.annotations, [FAULT_ANNOTATION]: 'not-ready' },
      },
    });
    await timePasses();
    await expect(restoreDrDatabase(deps, environment, settings, FAILOVER)).rejects.toMatchObject({
      name: 'DrDatabaseNotReadyError',
    });
    cluster.sim.delete('v1', 'Pod', podName, database.namespace);
    await timePasses();

    const outcome = await restoreDrDatabase(deps, environment, settings, FAILOVER);
    expect(outcome).toMatchObject({
      action: 'restored',
      dump: { key: dumpKey },
      job: restoreJobName(FAILOVER),
      comparison: { verdict: 'MATCH' },
    });
    expect((await restoreDrDatabase(deps, environment, settings, FAILOVER)).action).toBe('already-restored');
    expectExactly(restore, from);
  });

  it('lets bring-up apply Prefect after the restore, with exactly the calls of both phases', async () => {
    const [prefect] = await bringUpPhase('prefect');
    expect(prefect?.rollouts.map((workload) => workload.name)).toEqual(['prefect-server', 'prefect-worker']);
    // Including escalate and bind: the DR groups' Roles grant what bring-up does not hold.
    expectExactly(bringUp, 0);
  });

  it('lets validate-dr-platform run its Kubernetes checks read-only, and no more', async () => {
    const { cluster, aws, s3 } = started();
    const from = cluster.sim.rbac.decisions.length;
    const route53 = new Route53Client({
      endpoint: aws.url,
      region: DR_REGION,
      credentials: AWS_TEST_CREDENTIALS,
    });
    const report = await validateDrPlatform(
      {
        reader: createClusterReader(cluster.kubernetesAs(validate)),
        layout: environment.layout,
        database: { namespace: database.namespace, statefulSet: database.service },
        // Nothing serves the DR Prefect API here: that check fails without a Kubernetes call.
        prefect: {
          api: createPrefectApi({ baseUrl: 'http://127.0.0.1:9/api', timeoutMs: 1_000 }),
          url: 'none',
        },
        replica: { s3, bucket: REPLICA_BUCKET },
        traffic: {
          dns: route53TrafficDns(route53),
          table: { dynamoDb: dynamo.client(), tableName: OPS_TABLE },
          settings: localTrafficSettings(DNS, 'ZLOCAL'),
        },
      },
      { environment: environment.name, failoverId: FAILOVER },
    );
    route53.destroy();
    expect(Object.fromEntries(report.checks.map((check) => [check.name, check.passed]))).toEqual({
      'dr-nodes': true,
      'dr-prefect-rollout': true,
      'dr-prefect-api': false,
      'dr-postgresql': true,
      'dr-object-store': true,
      'dr-traffic': false,
    });
    expectExactly(validate, from);
  });

  it('lets fence-dr scale every writer namespace down through the handler wiring, and no more', async () => {
    const { cluster } = started();
    const writers = [environment.layout.prefect.namespace, environment.layout.s5cmd.namespace];
    for (const namespace of writers) seedWriters(cluster, namespace);
    await timePasses();
    const from = cluster.sim.rbac.decisions.length;
    const kubernetes = cluster.kubernetesAs(fenceDr);
    const { writers: dependencies } = drFenceDependencies(
      { OPS_TABLE_NAME: OPS_TABLE, DR_PREFECT_API_URL: 'http://127.0.0.1:9/api' },
      { dynamoDb: dynamo.client(), kubernetes, kubernetesProbe: kubernetes },
    );
    const fenced = await fenceWriters(
      { environment: environment.name, failoverId: FAILOVER, side: 'dr' },
      dependencies,
    );
    expect(fenced.status).toBe('fenced');
    const targets = fenced.changes.map((change) => change.target);
    for (const namespace of writers) {
      expect(targets).toEqual(
        expect.arrayContaining([
          `Deployment ${namespace}/rbac-web`,
          `StatefulSet ${namespace}/rbac-db`,
          `CronJob ${namespace}/rbac-cron`,
        ]),
      );
    }
    expectExactly(fenceDr, from);
  });

  it('lets scale-dr-to-standby stop Prefect and the database and reset it, and no more', async () => {
    const { cluster, eks } = started();
    const from = cluster.sim.rbac.decisions.length;
    // The stack's minimum: the failover raised every group (here to its maxSize, minSize the primary's).
    const standbySizes = { system: 1, storage: 0, compute: 0 };
    const deps = {
      kubernetes: cluster.kubernetesAs(standby),
      eks,
      clusterName: environment.clusterName,
      standbySizes,
    };
    // The controllers have not run since the scale-down: the database pods are still there.
    expect((await scaleDrToStandby(deps, environment)).state).toBe('waiting');
    await timePasses();
    const done = await scaleDrToStandby(deps, environment);
    expect(done.state).toBe('standby');
    expect(done.changes.map((change) => change.target)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^PersistentVolumeClaim ${database.namespace}/.*-${databaseSet}-0$`),
        ),
        `ConfigMap ${database.namespace}/lakehouse-ops-dr-restore`,
      ]),
    );
    for (const [pool, size] of Object.entries(standbySizes)) {
      const { nodegroup } = await eks.send(
        new DescribeNodegroupCommand({ clusterName: environment.clusterName, nodegroupName: pool }),
      );
      expect(nodegroup?.scalingConfig, pool).toMatchObject({ minSize: size, desiredSize: size });
    }
    expectExactly(standby, from);
  });

  it('lets check-failover-gates see the DR cluster reachable with an access entry and no group', async () => {
    const { cluster, eks } = started();
    const from = cluster.sim.rbac.decisions.length;
    const verdict = await drClusterReachableGate({
      eks,
      clusterName: environment.clusterName,
      connections: createEksConnectionProvider({ eks, region: DR_REGION }),
    });
    expect(verdict).toMatchObject({ passed: true, evidence: { apiStatusCode: 200 } });
    const gateDecisions = cluster.sim.rbac.decisions.slice(from);
    expect(gateDecisions.length).toBeGreaterThan(0);
    expect(gateDecisions.every((decision) => decision.allowed)).toBe(true);
  });
});

/** What the backup's pg_dump Job leaves (the dump, then its sidecar) and what the pg_restore Job reports. */
async function seedDumpAndRestoreReport(s3: S3Client, dumpKey: string): Promise<void> {
  const sha256 = 'a'.repeat(64);
  const rowCounts = { 'public.flow_run': 3 };
  const times = { startedAt: '2026-03-01T03:00:00.000Z', completedAt: '2026-03-01T03:00:05.000Z' };
  const job = { bucket: BACKUP_BUCKET, key: dumpKey, sha256, rowCounts, ...times };
  const put = (Key: string, body: string) =>
    s3.send(new PutObjectCommand({ Bucket: BACKUP_BUCKET, Key, Body: body }));
  await put(dumpKey, 'dump bytes');
  await put(
    sidecarKeyFor(dumpKey),
    JSON.stringify({
      ...job,
      format: 'lakehouse-ops/pg-dump@1',
      database: environment.backup.postgres.database,
      bytes: 10,
      pgDumpVersion: '15',
    }),
  );
  await put(
    `${dumpKey}.restore-${restoreJobName(FAILOVER)}.json`,
    JSON.stringify({
      ...job,
      format: 'lakehouse-ops/pg-restore@1',
      targetDatabase: environment.backup.postgres.database,
      droppedAfterCounting: false,
    }),
  );
}

/** A Deployment, a StatefulSet and a CronJob that write: something for the fence in each namespace. */
function seedWriters(cluster: RbacCluster, namespace: string): void {
  seedDeployment(cluster.sim, 'rbac-web', namespace, 1);
  seedStatefulSet(cluster.sim, 'rbac-db', namespace, 1);
  cluster.sim.apply({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'rbac-cron', namespace },
    spec: {
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36' }] },
          },
        },
      },
    },
  } as KubeObject);
}
