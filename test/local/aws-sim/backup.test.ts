import {
  BackupClient,
  DescribeBackupJobCommand,
  InvalidParameterValueException,
  MissingParameterValueException,
  ResourceNotFoundException,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsSim, startAwsSim } from '../../../local/aws-sim/server.ts';

const REGION = 'eu-central-1';
const VAULT = 'lakehouse-ops-local-vault';
const ROLE = 'arn:aws:iam::000000000000:role/lakehouse-ops-backup';
const VOLUME = `arn:aws:ec2:${REGION}:000000000000:volume/vol-0123456789abcdef0`;

describe('BackupSimulator', () => {
  let sim: AwsSim;
  let backup: BackupClient;

  beforeAll(async () => {
    sim = await startAwsSim({ region: REGION, backupVaults: [VAULT] });
    // The real SDK client, pointed at aws-sim the way AWS_ENDPOINT_URL_BACKUP points the handlers.
    backup = new BackupClient({
      region: REGION,
      endpoint: sim.url,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    backup?.destroy();
    await sim?.stop();
  });

  const start = (input: Partial<ConstructorParameters<typeof StartBackupJobCommand>[0]> = {}) =>
    backup.send(
      new StartBackupJobCommand({ BackupVaultName: VAULT, ResourceArn: VOLUME, IamRoleArn: ROLE, ...input }),
    );
  const states = async (jobId: string, polls: number) => {
    const seen: (string | undefined)[] = [];
    for (let poll = 0; poll < polls; poll += 1)
      seen.push((await backup.send(new DescribeBackupJobCommand({ BackupJobId: jobId }))).State);
    return seen;
  };

  it('starts a job that goes CREATED -> RUNNING -> COMPLETED over successive DescribeBackupJob calls', async () => {
    const started = await start({ Lifecycle: { DeleteAfterDays: 7 } });
    expect(started.BackupJobId).toMatch(/^[0-9A-F-]{36}$/);
    expect(started.RecoveryPointArn).toMatch(
      new RegExp(`^arn:aws:ec2:${REGION}::snapshot/snap-[0-9a-f]{17}$`),
    );
    expect(started.CreationDate).toBeInstanceOf(Date);

    expect(await states(started.BackupJobId!, 4)).toEqual(['CREATED', 'RUNNING', 'COMPLETED', 'COMPLETED']);
    const done = await backup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId }));
    expect(done).toMatchObject({
      ResourceArn: VOLUME,
      ResourceType: 'EBS',
      BackupVaultName: VAULT,
      BackupVaultArn: `arn:aws:backup:${REGION}:000000000000:backup-vault:${VAULT}`,
      RecoveryPointArn: started.RecoveryPointArn,
      PercentDone: '100.0',
      RecoveryPointLifecycle: { DeleteAfterDays: 7 },
    });
    expect(done.CompletionDate).toBeInstanceOf(Date);
  });

  it('ends jobs started while the failure switch is on in FAILED with the status message', async () => {
    sim.backup.failNewJobs({ message: 'Insufficient privileges to snapshot the volume' });
    const failing = await start();
    sim.backup.failNewJobs(undefined);
    const healthy = await start();

    expect(await states(failing.BackupJobId!, 3)).toEqual(['CREATED', 'RUNNING', 'FAILED']);
    const failed = await backup.send(new DescribeBackupJobCommand({ BackupJobId: failing.BackupJobId }));
    expect(failed.StatusMessage).toBe('Insufficient privileges to snapshot the volume');
    expect(await states(healthy.BackupJobId!, 3)).toEqual(['CREATED', 'RUNNING', 'COMPLETED']);
  });

  it('returns the first job again for a repeated IdempotencyToken', async () => {
    const first = await start({ IdempotencyToken: 'run-20250101T000000Z-1' });
    const again = await start({ IdempotencyToken: 'run-20250101T000000Z-1' });
    expect(again.BackupJobId).toBe(first.BackupJobId);
    expect(sim.backup.startedJobs.filter((job) => job.jobId === first.BackupJobId)).toHaveLength(1);
  });

  it('answers with the errors the SDK knows by name', async () => {
    await expect(start({ BackupVaultName: 'no-such-vault' })).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(start({ ResourceArn: 'vol-0123' })).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(start({ IamRoleArn: '' })).rejects.toBeInstanceOf(MissingParameterValueException);
    await expect(
      backup.send(new DescribeBackupJobCommand({ BackupJobId: '00000000-0000-0000-0000-000000000000' })),
    ).rejects.toThrow(/Backup job 00000000-0000-0000-0000-000000000000 not found/);
  });
});
