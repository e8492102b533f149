import type { V1ConfigMap, V1CronJob, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { handler as applyDrManifests } from '../../../../../functions/apply-dr-manifests.handler.ts';
import { handler as checkDrRollout } from '../../../../../functions/check-dr-rollout.handler.ts';
import { pathOfObject } from '../../../../../functions/commons/kubernetes/resources.ts';
import { drStages } from '../../../../../functions/core/dr/bring-up/manifests.ts';
import { newestCompleteDump } from '../../../../../functions/core/dr/bring-up/newest-dump.ts';
import { drEnvironmentFrom } from '../../../../../functions/core/dr/bring-up/settings.ts';
import { defaultPlatformLayout } from '../../../../../functions/core/platform/layout.ts';
import type { StageResult } from '../../../../../functions/core/provision/apply.ts';
import { handler as restoreDrDatabase } from '../../../../../functions/restore-dr-database.handler.ts';
import { handler as scaleDrNodeGroups } from '../../../../../functions/scale-dr-node-groups.handler.ts';
import { POOL_LABEL } from '../../../../../local/lakehouse/seed/node-pools.ts';
import { postgresAccessObjects } from '../../../../../local/lakehouse/seed/postgres-access.ts';
import { lambdaContext, useHandlerEnvironment } from '../../../support/lambda.ts';
import { expectFailure, itRefusesEnvironment } from '../../../support/rejection.ts';
import { TEST_ACCOUNT } from '../../../support/simulators.ts';
import { BACKUP_BUCKET } from '../../backup/support/backup-endpoints.ts';
import { NEWER_RUN, names, OLDER_RUN, REPLICA_BUCKET, useDrSide } from './dr-side.ts';

/**
 * Failover step 5 through its four handlers, as dr-failover runs them against the standby cluster:
 * node groups up, the platform phase of the DR manifests stage by stage with its rollouts, the
 * Prefect database from the newest complete dump, then Prefect. Every step is run twice: the
 * second run changes nothing and starts no second restore.
 */
const FAILOVER = '20260301T050000Z-a1b2c3';
const OTHER_FAILOVER = '20260302T050000Z-d4e5f6';
const RESUMED_FAILOVER = '20260303T050000Z-0f0f0f';
const context = lambdaContext();

type Progress = {
  stages: StageResult[];
  current: { stage: string; rollouts: unknown[]; rolloutDeadline: string };
  next: number;
  done: boolean;
};

describe('DR bring-up (handlers against the standby cluster)', { timeout: 180_000 }, () => {
  const dr = useDrSide();
  useHandlerEnvironment(() => dr.environment());

  /** Every stage of a phase, each followed by its rollout check (past the deadline: it must be complete). */
  async function applyPhase(phase: 'platform' | 'prefect'): Promise<StageResult[]> {
    let event: Record<string, unknown> = { failoverId: FAILOVER, phase };
    for (;;) {
      const progress = (await applyDrManifests(event, context)) as Progress;
      await checkDrRollout(
        { ...progress.current, rolloutDeadline: new Date(Date.now() - 1000).toISOString() },
        context,
      );
      if (progress.done) return progress.stages;
      event = { failoverId: FAILOVER, phase, next: progress.next, applied: progress.stages };
    }
  }
  const nodesOf = (pool: string) =>
    dr
      .kube()
      .list('v1', 'Node')
      .filter((node) => node.metadata.labels?.[POOL_LABEL] === pool).length;
  const restoreJobs = () =>
    dr
      .kube()
      .list('batch/v1', 'Job', names.namespace)
      .map((job) => job.metadata.name);

  it('scales the standby node groups to the primary sizes and waits until they are ready', async () => {
    expect([nodesOf('system'), nodesOf('storage'), nodesOf('compute')]).toEqual([2, 4, 0]);

    let progress = await scaleDrNodeGroups({}, context);
    expect(progress.changes.map(({ name, action }) => [name, action])).toEqual([
      ['system', 'scaled'],
      ['storage', 'unchanged'],
      ['compute', 'scaled'],
    ]);
    for (let look = 0; !progress.readiness.ready && look < 5; look += 1)
      progress = await scaleDrNodeGroups({ deadline: progress.deadline }, context);

    expect(progress.readiness.ready).toBe(true);
    expect([nodesOf('system'), nodesOf('storage'), nodesOf('compute')]).toEqual([3, 4, 2]);
    const again = await scaleDrNodeGroups({ deadline: progress.deadline }, context);
    expect(again.changes.every((change) => change.action === 'unchanged')).toBe(true);
  });

  it('refuses the restore while the DR PostgreSQL is not rolled out, and Prefect before the restore', async () => {
    await expectFailure(
      restoreDrDatabase({ failoverId: FAILOVER }, context),
      'DrDatabaseNotReadyError',
      'the DR PostgreSQL is not rolled out',
    );
    await expectFailure(
      applyDrManifests({ failoverId: FAILOVER, phase: 'prefect' }, context),
      'DrDatabaseNotRestoredError',
      'none is recorded',
    );
    expect(dr.kube().list('apps/v1', 'Deployment', 'prefect')).toEqual([]);
  });

  it('applies the platform phase without MinIO, the workloads pointed at the replica bucket', async () => {
    const stages = await applyPhase('platform');

    expect(stages.map((stage) => stage.stage)).toEqual([
      '00-namespaces.yaml',
      '10-rbac.yaml',
      '20-network-policies.yaml',
      '30-storage.yaml',
      '40-external-secrets.yaml',
      '50-postgresql.yaml',
      '70-s5cmd.yaml',
      '80-monitoring.yaml',
    ]);
    const kube = dr.kube();
    expect(kube.get('v1', 'Namespace', 'minio')).toBeUndefined();
    expect(kube.list('apps/v1', 'StatefulSet').map((set) => set.metadata.name)).not.toContain('minio');
    const store = kube.get('v1', 'ConfigMap', 'object-store', 's5cmd') as unknown as V1ConfigMap | undefined;
    expect(store?.data).toEqual({
      OBJECT_STORE_ENDPOINT_URL: dr.s3Endpoint().url,
      OBJECT_STORE_REGION: 'eu-west-1',
      OBJECT_STORE_CREDENTIALS: 'pod-identity',
      OBJECT_STORE_BUCKET_MAP: JSON.stringify({
        'lakehouse-raw': `s3://${REPLICA_BUCKET}/lakehouse-raw/`,
        'lakehouse-curated': `s3://${REPLICA_BUCKET}/lakehouse-curated/`,
      }),
    });
    const executor = kube.get('batch/v1', 'CronJob', 's5cmd-executor', 's5cmd') as unknown as
      | V1CronJob
      | undefined;
    const container = executor?.spec?.jobTemplate.spec?.template.spec?.containers[0];
    expect(container?.envFrom).toEqual([{ configMapRef: { name: 'object-store' } }]);
    expect(container?.env?.map((variable) => variable.name)).toEqual(['AWS_REGION']);
    const database = kube.get('apps/v1', 'StatefulSet', 'prefect-postgresql', 'prefect') as unknown as
      | V1StatefulSet
      | undefined;
    expect(database?.spec?.template.spec?.containers[0]?.env?.map((variable) => variable.name)).not.toContain(
      'POSTGRES_DB',
    );
  });

  it('restores the newest complete dump into the DR database, once', async () => {
    // External Secrets writes the password Secret on EKS; kube-sim runs no operator. (The service
    // account is the manifests'.)
    for (const object of postgresAccessObjects(names, TEST_ACCOUNT, 'unused-with-trust-auth')) {
      if (object.kind === 'Secret') dr.kube().apply(object);
    }
    const dumpKey = `postgres/prefect/${NEWER_RUN}.dump`;

    const outcome = await restoreDrDatabase({ failoverId: FAILOVER }, context);

    expect(outcome).toMatchObject({
      action: 'restored',
      dump: { bucket: BACKUP_BUCKET, key: dumpKey },
      job: `pg-restore-dr-${FAILOVER.toLowerCase()}`,
      comparison: { verdict: 'MATCH', reasons: [] },
    });
    const [[flowRuns] = []] = await dr.postgres().server.query('SELECT count(*) FROM flow_run', 'prefect');
    expect(Number(flowRuns)).toBe(dr.newerFlowRuns());
    expect(
      (
        dr.kube().get('v1', 'ConfigMap', 'lakehouse-ops-dr-restore', 'prefect') as unknown as
          | V1ConfigMap
          | undefined
      )?.data,
    ).toMatchObject({
      failoverId: FAILOVER,
      state: 'RESTORED',
      dumpKey,
      verdict: 'MATCH',
    });

    const again = await restoreDrDatabase({ failoverId: FAILOVER }, context);
    expect(again).toEqual({
      action: 'already-restored',
      dump: { bucket: BACKUP_BUCKET, key: dumpKey },
      job: outcome.job,
    });
    expect(restoreJobs()).toEqual([outcome.job]);
  });

  it('refuses to restore for another failover over the database this one restored', async () => {
    await expectFailure(
      restoreDrDatabase({ failoverId: OTHER_FAILOVER }, context),
      'DrDatabaseInUseError',
      `by failover ${FAILOVER}, not ${OTHER_FAILOVER}`,
    );
  });

  it('applies Prefect after the restore, and a re-run of both phases changes nothing', async () => {
    const [prefect] = await applyPhase('prefect');
    expect(prefect?.stage).toBe('55-prefect.yaml');
    expect(prefect?.rollouts.map((workload) => workload.name)).toEqual(['prefect-server', 'prefect-worker']);

    const rerun = [...(await applyPhase('platform')), ...(await applyPhase('prefect'))];
    const changed = rerun.flatMap((stage) => stage.objects).filter((object) => object.action !== 'unchanged');
    expect(changed).toEqual([]);
  });

  it('resumes a restore a stopped run began with the dump it recorded, not a newer one', async () => {
    // The DR database as a stopped run left it: the record written, the Job never started.
    await dr.postgres().server.query('DROP DATABASE prefect WITH (FORCE)', 'postgres');
    const olderKey = `postgres/prefect/${OLDER_RUN}.dump`;
    dr.kube().apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'lakehouse-ops-dr-restore', namespace: 'prefect' },
      data: {
        failoverId: RESUMED_FAILOVER,
        state: 'RESTORING',
        dumpBucket: BACKUP_BUCKET,
        dumpKey: olderKey,
      },
    });

    const outcome = await restoreDrDatabase({ failoverId: RESUMED_FAILOVER }, context);

    expect(outcome).toMatchObject({
      action: 'restored',
      dump: { key: olderKey },
      comparison: { verdict: 'MATCH' },
    });
    const [[flowRuns] = []] = await dr.postgres().server.query('SELECT count(*) FROM flow_run', 'prefect');
    expect(Number(flowRuns)).toBe(dr.newerFlowRuns() - 1);
  });

  it('names the bucket and prefix when no complete dump exists', async () => {
    await expect(newestCompleteDump(dr.s3(), BACKUP_BUCKET, 'prefect_absent')).rejects.toMatchObject({
      name: 'NoPostgresDumpError',
      message: `s3://${BACKUP_BUCKET}/postgres/prefect_absent/ holds no complete dump of prefect_absent (0 without a sidecar): the backup workflow's DumpPostgres has not completed one`,
    });
  });

  itRefusesEnvironment('REPLICA_BUCKET_NAME', undefined, () =>
    applyDrManifests({ failoverId: FAILOVER, phase: 'platform' }, context),
  );
  itRefusesEnvironment('DR_OBJECT_STORE_ENDPOINT', 'not a url', () =>
    applyDrManifests({ failoverId: FAILOVER, phase: 'platform' }, context),
  );

  it('refuses a failover id that is not one, naming the field', async () => {
    await expectFailure(
      restoreDrDatabase({ failoverId: 'latest' }, context),
      'InvalidInputError',
      'failoverId',
    );
  });

  it('made only the Kubernetes calls the DR RBAC must grant', () => {
    const calls = new Set(dr.kube().audit.map(({ method, path }) => `${method} ${resourceOf(path)}`));
    // Server-side apply reads and patches every object of the DR manifests, nothing else.
    const applied = drStages(drEnvironment(), 'platform')
      .concat(drStages(drEnvironment(), 'prefect'))
      .flatMap((stage) => stage.documents)
      .flatMap((document) => {
        const resource = resourceOf(pathOfObject(document).path);
        return [`GET ${resource}`, `PATCH ${resource}`];
      });
    const bringUp = [
      // The restore record.
      'GET v1 configmaps (prefect)',
      'PATCH v1 configmaps (prefect)',
      // The restore Job, and its wait.
      'POST batch/v1 jobs (prefect)',
      'GET batch/v1 jobs (prefect)',
      // The restore's look at the database's rollout. (A rollout still progressing or a failed Job
      // also lists pods: not on this run's path.)
      'GET apps/v1 statefulsets (prefect)',
    ];
    expect([...calls].sort()).toEqual([...new Set([...applied, ...bringUp])].sort());
  });
});

function drEnvironment() {
  const env = { ...process.env } as Record<string, string> & Parameters<typeof drEnvironmentFrom>[0];
  return drEnvironmentFrom(env, defaultPlatformLayout);
}

/** `/apis/apps/v1/namespaces/prefect/deployments/x?fieldManager=...` -> `apps/v1 deployments (prefect)`. */
function resourceOf(path: string): string {
  const [route = ''] = path.split('?');
  const match = /^\/(?:api|apis\/([^/]+))\/(v1)(?:\/namespaces\/([^/]+))?\/([^/]+)/.exec(route);
  if (!match) return route;
  const [, group, version, namespace, resource] = match;
  const scope = namespace && resource !== 'namespaces' ? ` (${namespace})` : '';
  return `${group ? `${group}/` : ''}${version} ${resource === 'namespaces' && namespace ? 'namespaces' : resource}${scope}`;
}
