import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { KubernetesApi } from '../../../../functions/commons/kubernetes/api.ts';
import type { VolumeBackupJob, VolumeBackupPort } from '../../../../functions/core/volumes/aws-backup.ts';
import { ebsVolumeArn, ebsVolumeId } from '../../../../functions/core/volumes/persistent-volumes.ts';
import {
  checkVolumeBackups,
  startVolumeBackups,
  type VolumeBackupSettings,
} from '../../../../functions/core/volumes/volume-backup.ts';

function claim(namespace: string, name: string, volumeName?: string): V1PersistentVolumeClaim {
  return {
    metadata: { namespace, name },
    spec: { volumeName },
    status: { phase: volumeName ? 'Bound' : 'Pending' },
  };
}

const volumes: Record<string, V1PersistentVolume> = {
  'pv-minio-0': { spec: { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0aaa' } } },
  'pv-postgres': { spec: { awsElasticBlockStore: { volumeID: 'aws://eu-central-1a/vol-0bbb' } } },
  'pv-nfs': { spec: { csi: { driver: 'efs.csi.aws.com', volumeHandle: 'fs-123' } } },
};

/** Serves the two reads discovery makes: claims per namespace and volumes by name. */
const kubernetes = {
  list: async (path: { path: string }) => {
    if (path.path === '/api/v1/namespaces/minio/persistentvolumeclaims') {
      return [claim('minio', 'data-minio-0', 'pv-minio-0'), claim('minio', 'data-minio-1')];
    }
    if (path.path === '/api/v1/namespaces/prefect/persistentvolumeclaims') {
      return [claim('prefect', 'data-postgresql-0', 'pv-postgres'), claim('prefect', 'shared', 'pv-nfs')];
    }
    throw new Error(`unexpected list ${path.path}`);
  },
  get: async (path: { path: string }) => volumes[path.path.split('/').pop()!],
} as unknown as KubernetesApi;

class RecordingBackup implements VolumeBackupPort {
  started: { resourceArn: string; token?: string; days?: number }[] = [];
  states: Record<string, string[]> = {};

  async startBackupJob(
    resourceArn: string,
    _vault: string,
    _role: string,
    options = {} as { idempotencyToken?: string; deleteAfterDays?: number },
  ) {
    this.started.push({ resourceArn, token: options.idempotencyToken, days: options.deleteAfterDays });
    return {
      jobId: `job-${this.started.length}`,
      resourceArn,
      state: 'RUNNING' as const,
      awsState: 'CREATED',
    };
  }

  async describeBackupJob(jobId: string): Promise<VolumeBackupJob> {
    const awsState = this.states[jobId]?.shift() ?? 'RUNNING';
    const state = awsState === 'COMPLETED' ? 'COMPLETED' : awsState === 'RUNNING' ? 'RUNNING' : 'FAILED';
    return { jobId, resourceArn: '', state, awsState };
  }
}

const settings: VolumeBackupSettings = {
  vault: 'lakehouse-ops-test',
  role: 'arn:aws:iam::123456789012:role/backup',
  namespaces: ['minio', 'prefect'],
  retentionDays: 7,
  location: { partition: 'aws', region: 'eu-central-1', account: '123456789012' },
};
const clock = () => new Date('2026-03-01T03:00:00Z');

describe('startVolumeBackups', () => {
  it('starts one idempotent job per EBS volume behind a bound claim and says which claims it ignored', async () => {
    const backup = new RecordingBackup();
    const status = await startVolumeBackups({ kubernetes, backup, clock }, settings, {
      runId: 'run-1',
      dryRun: false,
    });
    expect(backup.started).toEqual([
      {
        resourceArn: 'arn:aws:ec2:eu-central-1:123456789012:volume/vol-0aaa',
        token: 'run-1/vol-0aaa',
        days: 7,
      },
      {
        resourceArn: 'arn:aws:ec2:eu-central-1:123456789012:volume/vol-0bbb',
        token: 'run-1/vol-0bbb',
        days: 7,
      },
    ]);
    expect(status).toMatchObject({ state: 'RUNNING', startedAt: '2026-03-01T03:00:00.000Z' });
    expect(status.jobs.map((job) => job.claim)).toEqual(['data-minio-0', 'data-postgresql-0']);
    expect(status.ignored).toEqual([
      { namespace: 'minio', claim: 'data-minio-1', reason: 'not bound (Pending)' },
      { namespace: 'prefect', claim: 'shared', reason: 'persistentvolume pv-nfs is not an EBS volume' },
    ]);
  });

  it('starts nothing in a dry run but lists the volumes it would back up', async () => {
    const backup = new RecordingBackup();
    const status = await startVolumeBackups({ kubernetes, backup, clock }, settings, {
      runId: 'run-1',
      dryRun: true,
    });
    expect(backup.started).toEqual([]);
    expect(status).toMatchObject({ state: 'SKIPPED', jobs: [] });
    expect(status.volumes.map((volume) => volume.volumeId)).toEqual(['vol-0aaa', 'vol-0bbb']);
  });

  it('fails when no volume is found, rather than reporting an empty success', async () => {
    const status = await startVolumeBackups(
      { kubernetes, backup: new RecordingBackup(), clock },
      { ...settings, namespaces: [] },
      { runId: 'run-1', dryRun: false },
    );
    expect(status).toMatchObject({ state: 'FAILED', detail: expect.stringContaining('no EBS-backed') });
  });
});

describe('checkVolumeBackups', () => {
  it('stays RUNNING while a job runs and ends COMPLETED or FAILED with the last states', async () => {
    const backup = new RecordingBackup();
    const started = await startVolumeBackups({ kubernetes, backup, clock }, settings, {
      runId: 'r',
      dryRun: false,
    });
    backup.states = { 'job-1': ['COMPLETED'], 'job-2': ['RUNNING', 'ABORTED'] };
    const first = await checkVolumeBackups({ backup, clock }, started, 60);
    expect(first.state).toBe('RUNNING');
    const second = await checkVolumeBackups({ backup, clock }, first, 60);
    expect(second.state).toBe('FAILED');
    expect(second.jobs.map((job) => [job.awsState, job.claim])).toEqual([
      ['COMPLETED', 'data-minio-0'],
      ['ABORTED', 'data-postgresql-0'],
    ]);
  });

  it('fails a job still running after the deadline so the wait loop ends', async () => {
    const backup = new RecordingBackup();
    const started = await startVolumeBackups({ kubernetes, backup, clock }, settings, {
      runId: 'r',
      dryRun: false,
    });
    const late = () => new Date('2026-03-01T04:01:00Z');
    const status = await checkVolumeBackups({ backup, clock: late }, started, 60);
    expect(status.state).toBe('FAILED');
    expect(status.jobs[0]).toMatchObject({
      state: 'FAILED',
      statusMessage: 'still RUNNING after 60 minutes',
    });
  });
});

describe('ebsVolumeId', () => {
  it('reads CSI and in-tree EBS volumes and nothing else', () => {
    expect(ebsVolumeId(volumes['pv-minio-0']!)).toBe('vol-0aaa');
    expect(ebsVolumeId(volumes['pv-postgres']!)).toBe('vol-0bbb');
    expect(ebsVolumeId(volumes['pv-nfs']!)).toBeUndefined();
    expect(ebsVolumeArn('vol-1', { partition: 'aws-cn', region: 'cn-north-1', account: '1' })).toBe(
      'arn:aws-cn:ec2:cn-north-1:1:volume/vol-1',
    );
  });
});
