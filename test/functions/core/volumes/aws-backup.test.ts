import {
  BackupClient,
  DescribeBackupJobCommand,
  InvalidParameterValueException,
  LimitExceededException,
  ResourceNotFoundException,
  ServiceUnavailableException,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  InvalidInputError,
  TransientError,
} from '../../../../functions/commons/errors.ts';
import { createAwsBackupPort, volumeBackupState } from '../../../../functions/core/volumes/aws-backup.ts';

const VOLUME = 'arn:aws:ec2:eu-central-1:123456789012:volume/vol-0123456789abcdef0';
const ROLE = 'arn:aws:iam::123456789012:role/backup';

describe('createAwsBackupPort', () => {
  const client = new BackupClient({ region: 'eu-central-1' });
  const backup = mockClient(client);
  const port = createAwsBackupPort(client);

  beforeEach(() => backup.reset());

  it('starts an on-demand job into the vault with the idempotency token and retention', async () => {
    backup.on(StartBackupJobCommand).resolves({ BackupJobId: 'job-1', RecoveryPointArn: 'arn:rp' });
    const job = await port.startBackupJob(VOLUME, 'lakehouse-ops-test', ROLE, {
      idempotencyToken: 'execution-1/vol-0123456789abcdef0',
      deleteAfterDays: 7,
    });
    expect(job).toEqual({
      jobId: 'job-1',
      resourceArn: VOLUME,
      state: 'RUNNING',
      awsState: 'CREATED',
      recoveryPointArn: 'arn:rp',
    });
    expect(backup.commandCalls(StartBackupJobCommand)[0]!.args[0].input).toEqual({
      ResourceArn: VOLUME,
      BackupVaultName: 'lakehouse-ops-test',
      IamRoleArn: ROLE,
      IdempotencyToken: 'execution-1/vol-0123456789abcdef0',
      Lifecycle: { DeleteAfterDays: 7 },
    });
  });

  it('describes a job and folds AWS Backup states into RUNNING, COMPLETED and FAILED', async () => {
    backup.on(DescribeBackupJobCommand).resolves({
      ResourceArn: VOLUME,
      State: 'EXPIRED',
      StatusMessage: 'the start window passed',
      PercentDone: '0.0',
    });
    expect(await port.describeBackupJob('job-1')).toEqual({
      jobId: 'job-1',
      resourceArn: VOLUME,
      state: 'FAILED',
      awsState: 'EXPIRED',
      statusMessage: 'the start window passed',
      recoveryPointArn: undefined,
      percentDone: '0.0',
    });
    expect(['CREATED', 'PENDING', 'RUNNING', 'ABORTING', undefined].map(volumeBackupState)).toEqual(
      Array(5).fill('RUNNING'),
    );
    expect(volumeBackupState('COMPLETED')).toBe('COMPLETED');
    expect(['ABORTED', 'FAILED', 'PARTIAL'].map(volumeBackupState)).toEqual(Array(3).fill('FAILED'));
  });

  it('reports a missing vault as ConfigurationError', async () => {
    backup
      .on(StartBackupJobCommand)
      .rejects(new ResourceNotFoundException({ message: 'Backup vault not found', $metadata: {} }));
    const failure = port.startBackupJob(VOLUME, 'missing-vault', ROLE);
    await expect(failure).rejects.toBeInstanceOf(ConfigurationError);
    await expect(failure).rejects.toThrow(/missing-vault/);
  });

  it('reports a refused parameter as InvalidInputError', async () => {
    backup
      .on(StartBackupJobCommand)
      .rejects(new InvalidParameterValueException({ message: 'bad ARN', $metadata: {} }));
    await expect(port.startBackupJob('arn:bad', 'vault', ROLE)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('turns ServiceUnavailable into TransientError and leaves other errors as they are', async () => {
    backup
      .on(DescribeBackupJobCommand)
      .rejectsOnce(new ServiceUnavailableException({ message: 'try later', $metadata: {} }))
      .rejectsOnce(new LimitExceededException({ message: 'too many jobs', $metadata: {} }));
    await expect(port.describeBackupJob('job-1')).rejects.toBeInstanceOf(TransientError);
    await expect(port.describeBackupJob('job-1')).rejects.toMatchObject({ name: 'LimitExceededException' });
  });

  it('refuses a start answer without a job id', async () => {
    backup.on(StartBackupJobCommand).resolves({});
    await expect(port.startBackupJob(VOLUME, 'vault', ROLE)).rejects.toThrow(/returned no job id/);
  });
});
