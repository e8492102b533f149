import { beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/start-volume-backup.handler.ts';
import { lambdaContext, TEST_REGION, useHandlerEnvironment } from './support/lambda.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';
import { TEST_ACCOUNT, useSimulatedCluster } from './support/simulators.ts';

const VAULT = 'lakehouse-ops-test-vault';
const ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/lakehouse-ops-test-backup`;

function claim(namespace: string, name: string) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
  };
}

describe('start-volume-backup handler', () => {
  const cluster = useSimulatedCluster(
    () => ({ namespaces: ['minio', 'prefect', 'scratch'] }),
    () => ({ backupVaults: [VAULT] }),
  );
  useHandlerEnvironment(() => ({
    ...cluster.environment(),
    BACKUP_VAULT_NAME: VAULT,
    BACKUP_ROLE_ARN: ROLE,
    BACKUP_VOLUME_NAMESPACES: 'minio, prefect',
    BACKUP_VOLUME_RETENTION_DAYS: '14',
    BACKUP_VOLUME_DEADLINE_MINUTES: '60',
  }));
  /** The EBS volume ARN of each claim, from the volumes kube-sim's EBS provisioner bound them to. */
  const volumeArns: Record<string, string> = {};

  beforeAll(async () => {
    const kube = cluster.kube();
    for (const [namespace, name] of [
      ['minio', 'data-minio-0'],
      ['minio', 'data-minio-1'],
      ['prefect', 'data-prefect-postgresql-0'],
    ] as const) {
      kube.apply(claim(namespace, name));
    }
    await kube.settle();
    for (const namespace of ['minio', 'prefect']) {
      for (const pvc of kube.list('v1', 'PersistentVolumeClaim', namespace)) {
        const { volumeName } = pvc.spec as { volumeName: string };
        const volume = kube.get('v1', 'PersistentVolume', volumeName);
        const { volumeHandle } = (volume?.spec as { csi: { volumeHandle: string } } | undefined)?.csi ?? {};
        volumeArns[pvc.metadata.name ?? ''] =
          `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:volume/${volumeHandle}`;
      }
    }
  });

  it('starts one AWS Backup job per EBS volume of the configured namespaces, in this account and region', async () => {
    const status = await handler({ runId: '20260301T020000Z-0123abcd', dryRun: false }, lambdaContext());

    expect(status.state).toBe('RUNNING');
    expect(status.jobs.map((job) => [job.claim, job.resourceArn]).sort()).toEqual(
      Object.entries(volumeArns).sort(),
    );
    const started = cluster.awsSim().backup.startedJobs;
    expect(started.map((job) => job.resourceArn).sort()).toEqual(Object.values(volumeArns).sort());
    expect(started.every((job) => job.vault === VAULT)).toBe(true);
  });

  it('returns the jobs it started already when the same run is retried', async () => {
    const request = { runId: '20260301T030000Z-0123abcd', dryRun: false };
    const first = await handler(request, lambdaContext());
    const startedBefore = cluster.awsSim().backup.startedJobs.length;

    const retried = await handler(request, lambdaContext());

    expect(retried.jobs.map((job) => job.jobId)).toEqual(first.jobs.map((job) => job.jobId));
    expect(cluster.awsSim().backup.startedJobs).toHaveLength(startedBefore);
  });

  it('lists the volumes and starts nothing on a dry run', async () => {
    const startedBefore = cluster.awsSim().backup.startedJobs.length;

    const status = await handler({ runId: '20260301T040000Z-0123abcd', dryRun: true }, lambdaContext());

    expect(status).toMatchObject({ state: 'SKIPPED', jobs: [], detail: 'dry run: no job started' });
    expect(status.volumes).toHaveLength(3);
    expect(cluster.awsSim().backup.startedJobs).toHaveLength(startedBefore);
  });

  it('reports FAILED when the namespaces hold no EBS-backed claim', async () => {
    vi.stubEnv('BACKUP_VOLUME_NAMESPACES', 'scratch');

    const status = await handler({ runId: '20260301T050000Z-0123abcd', dryRun: false }, lambdaContext());

    expect(status).toMatchObject({
      state: 'FAILED',
      jobs: [],
      detail: expect.stringContaining('no EBS-backed'),
    });
  });

  it('fails with ConfigurationError naming the vault when it does not exist', async () => {
    vi.stubEnv('BACKUP_VAULT_NAME', 'no-such-vault');

    await expectFailure(
      handler({ runId: '20260301T060000Z-0123abcd', dryRun: false }, lambdaContext()),
      'ConfigurationError',
      'no-such-vault',
    );
  });

  it('refuses an event without dryRun, naming the field', async () => {
    await expectFailure(
      handler({ runId: '20260301T070000Z-0123abcd' }, lambdaContext()),
      'InvalidInputError',
      'dryRun',
    );
  });

  itRefusesEnvironment('BACKUP_VOLUME_RETENTION_DAYS', 'two weeks', () =>
    handler({ runId: '20260301T080000Z-0123abcd', dryRun: false }, lambdaContext()),
  );
});
