import { BackupClient, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/check-volume-backup.handler.ts';
import type { VolumeBackupStatus } from '../../functions/core/volumes/volume-backup.ts';
import { AWS_TEST_CREDENTIALS, lambdaContext, TEST_REGION, useHandlerEnvironment } from './support/lambda.ts';
import { expectFailure, itRefusesEnvironment } from './support/rejection.ts';
import { TEST_ACCOUNT, useAwsSim } from './support/simulators.ts';

const VAULT = 'lakehouse-ops-test-vault';
const VOLUME = `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:volume/vol-0123456789abcdef0`;

describe('check-volume-backup handler', () => {
  const awsSim = useAwsSim(() => ({ backupVaults: [VAULT] }));
  useHandlerEnvironment(() => ({
    AWS_ENDPOINT_URL_BACKUP: awsSim().url,
    BACKUP_VOLUME_DEADLINE_MINUTES: '60',
  }));

  /** A RUNNING status holding one job really started in aws-sim (the state StartVolumeBackup returns). */
  async function runningStatus(startedAt = new Date().toISOString()): Promise<VolumeBackupStatus> {
    const backup = new BackupClient({
      region: TEST_REGION,
      endpoint: awsSim().url,
      credentials: AWS_TEST_CREDENTIALS,
    });
    const { BackupJobId } = await backup.send(
      new StartBackupJobCommand({
        BackupVaultName: VAULT,
        ResourceArn: VOLUME,
        IamRoleArn: `arn:aws:iam::${TEST_ACCOUNT}:role/backup`,
      }),
    );
    backup.destroy();
    return {
      state: 'RUNNING',
      startedAt,
      jobs: [
        {
          jobId: BackupJobId!,
          resourceArn: VOLUME,
          state: 'RUNNING',
          awsState: 'CREATED',
          claim: 'data-minio-0',
        },
      ],
      volumes: [{ namespace: 'minio', claim: 'data-minio-0', volumeId: 'vol-0123456789abcdef0' }],
      ignored: [],
    };
  }

  /** Invokes the handler the way the workflow's wait loop does, until no job is RUNNING (at most 5 times). */
  async function pollUntilSettled(status: VolumeBackupStatus) {
    const seen: string[] = [];
    let current = status;
    for (let poll = 0; poll < 5 && current.state === 'RUNNING'; poll += 1) {
      current = await handler(current, lambdaContext());
      seen.push(current.jobs[0]!.awsState);
    }
    return { status: current, seen };
  }

  it('polls the running jobs until AWS Backup completes them', async () => {
    const { status, seen } = await pollUntilSettled(await runningStatus());

    expect(seen).toEqual(['CREATED', 'RUNNING', 'COMPLETED']);
    expect(status).toMatchObject({
      state: 'COMPLETED',
      jobs: [{ state: 'COMPLETED', percentDone: '100.0', claim: 'data-minio-0' }],
    });
  });

  it('reports FAILED with the reason AWS Backup gives for a failed job', async () => {
    awsSim().backup.failNewJobs({ message: 'Insufficient privileges to snapshot the volume' });
    const running = await runningStatus();
    awsSim().backup.failNewJobs(undefined);

    const { status } = await pollUntilSettled(running);

    expect(status).toMatchObject({
      state: 'FAILED',
      jobs: [{ state: 'FAILED', statusMessage: 'Insufficient privileges to snapshot the volume' }],
    });
  });

  it('counts a job still running after BACKUP_VOLUME_DEADLINE_MINUTES as FAILED, so the wait loop ends', async () => {
    const status = await runningStatus(new Date(Date.now() - 61 * 60_000).toISOString());

    const checked = await handler(status, lambdaContext());

    expect(checked).toMatchObject({
      state: 'FAILED',
      jobs: [{ state: 'FAILED', statusMessage: 'still CREATED after 60 minutes' }],
    });
  });

  it('passes a dry run status through without calling AWS Backup', async () => {
    const skipped: VolumeBackupStatus = {
      state: 'SKIPPED',
      startedAt: new Date().toISOString(),
      jobs: [],
      volumes: [],
      ignored: [],
      detail: 'dry run: no job started',
    };
    vi.stubEnv('AWS_ENDPOINT_URL_BACKUP', 'http://127.0.0.1:1');

    await expect(handler(skipped, lambdaContext())).resolves.toEqual(skipped);
  });

  it('fails with ConfigurationError for a job AWS Backup does not know', async () => {
    const status = await runningStatus();
    status.jobs[0]!.jobId = 'no-such-job';

    await expectFailure(handler(status, lambdaContext()), 'ConfigurationError', 'no-such-job');
  });

  it('refuses a status it does not know, naming the field', async () => {
    const status = await runningStatus();

    await expectFailure(
      handler({ ...status, state: 'DONE' }, lambdaContext()),
      'InvalidInputError',
      'state',
      '"DONE"',
    );
  });

  itRefusesEnvironment('BACKUP_VOLUME_DEADLINE_MINUTES', undefined, async () =>
    handler(await runningStatus(), lambdaContext()),
  );
});
