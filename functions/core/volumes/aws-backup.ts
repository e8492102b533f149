import {
  type BackupClient,
  type BackupJobState,
  DescribeBackupJobCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import { ConfigurationError, InvalidInputError } from '../../commons/errors.ts';
import { callAws } from '../../commons/transient-errors.ts';

/**
 * The port to AWS Backup for the EBS volumes behind MinIO and PostgreSQL. The scheduled AWS Backup
 * plan (infra) covers them anyway; the backup workflow starts an on-demand job as well, so that a
 * run's report says the volumes were captured at the same time as the objects and the dump.
 */
export type VolumeBackupState = 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface VolumeBackupJob {
  jobId: string;
  resourceArn: string;
  /** RUNNING until AWS Backup reaches a final state; every unsuccessful final state is FAILED. */
  state: VolumeBackupState;
  /** AWS Backup's own state (CREATED, PENDING, RUNNING, ABORTED, EXPIRED, PARTIAL, ...). */
  awsState: string;
  statusMessage?: string;
  recoveryPointArn?: string;
  percentDone?: string;
}

export interface StartBackupJobOptions {
  /** The same token within 24 hours returns the first job instead of starting a second one. */
  idempotencyToken?: string;
  /** How long the recovery point is kept; by default the vault's (AWS Backup: forever). */
  deleteAfterDays?: number;
}

export interface VolumeBackupPort {
  startBackupJob(
    resourceArn: string,
    vault: string,
    role: string,
    options?: StartBackupJobOptions,
  ): Promise<VolumeBackupJob>;
  describeBackupJob(jobId: string): Promise<VolumeBackupJob>;
}

const FINAL_STATES: Partial<Record<BackupJobState, VolumeBackupState>> = {
  COMPLETED: 'COMPLETED',
  ABORTED: 'FAILED',
  EXPIRED: 'FAILED',
  FAILED: 'FAILED',
  PARTIAL: 'FAILED',
};

export function volumeBackupState(awsState: string | undefined): VolumeBackupState {
  return FINAL_STATES[awsState as BackupJobState] ?? 'RUNNING';
}

/** The AWS adapter. Locally the same code talks to aws-sim through AWS_ENDPOINT_URL_BACKUP. */
export function createAwsBackupPort(backup: BackupClient): VolumeBackupPort {
  return {
    async startBackupJob(resourceArn, vault, role, options = {}) {
      const started = await callAws(`backup:StartBackupJob ${resourceArn}`, () =>
        backup
          .send(
            new StartBackupJobCommand({
              ResourceArn: resourceArn,
              BackupVaultName: vault,
              IamRoleArn: role,
              IdempotencyToken: options.idempotencyToken,
              Lifecycle:
                options.deleteAfterDays === undefined
                  ? undefined
                  : { DeleteAfterDays: options.deleteAfterDays },
            }),
          )
          .catch((error: unknown) => {
            throw mapBackupError(error, { resourceArn, vault });
          }),
      );
      if (!started.BackupJobId) {
        throw new ConfigurationError(`backup:StartBackupJob for ${resourceArn} returned no job id`, {
          resourceArn,
        });
      }
      return {
        jobId: started.BackupJobId,
        resourceArn,
        state: 'RUNNING',
        awsState: 'CREATED',
        recoveryPointArn: started.RecoveryPointArn,
      };
    },

    async describeBackupJob(jobId) {
      const job = await callAws(`backup:DescribeBackupJob ${jobId}`, () =>
        backup.send(new DescribeBackupJobCommand({ BackupJobId: jobId })).catch((error: unknown) => {
          throw mapBackupError(error, { jobId });
        }),
      );
      return {
        jobId,
        resourceArn: job.ResourceArn ?? '',
        state: volumeBackupState(job.State),
        awsState: job.State ?? 'UNKNOWN',
        statusMessage: job.StatusMessage,
        recoveryPointArn: job.RecoveryPointArn,
        percentDone: job.PercentDone,
      };
    },
  };
}

/** Throttling and ServiceUnavailable stay transient (callAws); the rest will fail again the same way. */
function mapBackupError(error: unknown, details: Record<string, string>): unknown {
  const { name, message } = error as Error;
  switch (name) {
    case 'ResourceNotFoundException':
      return new ConfigurationError(`AWS Backup: ${message} (${describe(details)})`, details, {
        cause: error,
      });
    case 'InvalidParameterValueException':
    case 'MissingParameterValueException':
    case 'InvalidRequestException':
      return new InvalidInputError(
        `AWS Backup refused the request: ${message} (${describe(details)})`,
        details,
        {
          cause: error,
        },
      );
    default:
      return error;
  }
}

function describe(details: Record<string, string>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
}
