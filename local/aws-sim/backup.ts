import { randomBytes, randomUUID } from 'node:crypto';
import {
  AwsServiceError,
  epochSeconds,
  jsonResponse,
  parseJsonBody,
  type SimRequest,
  type SimResponse,
} from './http.ts';

/**
 * AWS Backup (REST-JSON protocol): StartBackupJob (PUT /backup-jobs) and DescribeBackupJob
 * (GET /backup-jobs/{id}) for the on-demand volume backups the backup workflow starts. A job is
 * CREATED when started and moves on one state per DescribeBackupJob: RUNNING, then COMPLETED, or
 * FAILED while the failure switch is on (failNewJobs), so a workflow that polls sees the same
 * sequence as against AWS, only sooner. Vaults are seeded; a job in an unknown vault is refused.
 */

export interface BackupJobFailure {
  /** StatusMessage of the failed jobs, as AWS Backup reports the reason. */
  readonly message: string;
}

type JobState = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED';

interface BackupJob {
  readonly id: string;
  readonly vault: string;
  readonly resourceArn: string;
  readonly roleArn: string;
  readonly recoveryPointArn: string;
  readonly createdAt: Date;
  readonly deleteAfterDays?: number;
  readonly failure?: BackupJobFailure;
  state: JobState;
  completedAt?: Date;
}

/** Two polls to finish: CREATED -> RUNNING -> COMPLETED (or FAILED). */
const NEXT_STATE: Record<JobState, JobState> = {
  CREATED: 'RUNNING',
  RUNNING: 'COMPLETED',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
};
const PERCENT_DONE: Record<JobState, string> = {
  CREATED: '0.0',
  RUNNING: '50.0',
  COMPLETED: '100.0',
  FAILED: '50.0',
};
/** AWS Backup returns the first job for a repeated IdempotencyToken within this window. */
const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const ARN = /^arn:aws[a-z-]*:([a-z0-9-]+):[a-z0-9-]*:\d*:.+$/;

export class BackupSimulator {
  private readonly vaults: Set<string>;
  private readonly jobs = new Map<string, BackupJob>();
  private readonly byIdempotencyToken = new Map<string, BackupJob>();
  private failure: BackupJobFailure | undefined;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    vaults: readonly string[],
  ) {
    this.vaults = new Set(vaults);
  }

  handles(request: SimRequest): boolean {
    return request.path === '/backup-jobs' || request.path.startsWith('/backup-jobs/');
  }

  handle(request: SimRequest): SimResponse {
    const [, jobId, extra] = request.path.split('/').filter((segment) => segment !== '');
    if (request.method === 'PUT' && jobId === undefined)
      return jsonResponse(200, this.start(parseJsonBody(request)));
    if (request.method === 'GET' && jobId !== undefined && extra === undefined) {
      return jsonResponse(200, this.describe(jobId));
    }
    throw new AwsServiceError(
      'InvalidRequestException',
      `aws-sim AWS Backup does not implement ${request.method} ${request.path}`,
      400,
    );
  }

  /** While set, jobs started from now on end FAILED with this message; undefined turns it off. */
  failNewJobs(failure: BackupJobFailure | undefined): void {
    this.failure = failure;
  }

  /** Every job started so far, oldest first. */
  get startedJobs(): readonly { jobId: string; resourceArn: string; vault: string; state: string }[] {
    return [...this.jobs.values()].map((job) => ({
      jobId: job.id,
      resourceArn: job.resourceArn,
      vault: job.vault,
      state: job.state,
    }));
  }

  private start(body: Record<string, unknown>): Record<string, unknown> {
    const vault = requireField(body, 'BackupVaultName');
    const resourceArn = requireField(body, 'ResourceArn');
    const roleArn = requireField(body, 'IamRoleArn');
    for (const [field, value] of [
      ['ResourceArn', resourceArn],
      ['IamRoleArn', roleArn],
    ] as const) {
      if (!ARN.test(value))
        throw new AwsServiceError(
          'InvalidParameterValueException',
          `${field} ${value} is not a valid ARN`,
          400,
        );
    }
    if (!this.vaults.has(vault)) {
      throw new AwsServiceError(
        'ResourceNotFoundException',
        `Backup vault ${vault} does not exist in ${this.region} (account ${this.accountId})`,
        400,
      );
    }
    const token = typeof body.IdempotencyToken === 'string' ? body.IdempotencyToken : undefined;
    const previous = token === undefined ? undefined : this.byIdempotencyToken.get(token);
    if (previous && Date.now() - previous.createdAt.getTime() < IDEMPOTENCY_WINDOW_MS) {
      return this.startOutput(previous);
    }
    const job: BackupJob = {
      id: randomUUID().toUpperCase(),
      vault,
      resourceArn,
      roleArn,
      recoveryPointArn: this.recoveryPointArn(resourceArn),
      createdAt: new Date(),
      deleteAfterDays: deleteAfterDaysOf(body.Lifecycle),
      failure: this.failure,
      state: 'CREATED',
    };
    this.jobs.set(job.id, job);
    if (token !== undefined) this.byIdempotencyToken.set(token, job);
    return this.startOutput(job);
  }

  private startOutput(job: BackupJob): Record<string, unknown> {
    return {
      BackupJobId: job.id,
      RecoveryPointArn: job.recoveryPointArn,
      CreationDate: epochSeconds(job.createdAt),
      IsParent: false,
    };
  }

  private describe(jobId: string): Record<string, unknown> {
    const job = this.jobs.get(jobId);
    if (!job) throw new AwsServiceError('ResourceNotFoundException', `Backup job ${jobId} not found`, 400);
    const answered = { ...job };
    this.advance(job);
    return {
      AccountId: this.accountId,
      BackupJobId: job.id,
      BackupVaultName: job.vault,
      BackupVaultArn: `arn:aws:backup:${this.region}:${this.accountId}:backup-vault:${job.vault}`,
      ResourceArn: job.resourceArn,
      ResourceType: resourceTypeOf(job.resourceArn),
      IamRoleArn: job.roleArn,
      CreationDate: epochSeconds(job.createdAt),
      State: answered.state,
      PercentDone: PERCENT_DONE[answered.state],
      CreatedBy: {},
      IsParent: false,
      ...(answered.state === 'FAILED' ? { StatusMessage: job.failure?.message } : {}),
      ...(answered.state === 'COMPLETED'
        ? { RecoveryPointArn: job.recoveryPointArn, BackupSizeInBytes: 0, BytesTransferred: 0 }
        : {}),
      ...(answered.completedAt ? { CompletionDate: epochSeconds(answered.completedAt) } : {}),
      ...(job.deleteAfterDays === undefined
        ? {}
        : { RecoveryPointLifecycle: { DeleteAfterDays: job.deleteAfterDays } }),
    };
  }

  /** The state the next DescribeBackupJob reports. */
  private advance(job: BackupJob): void {
    const next = job.state === 'RUNNING' && job.failure ? 'FAILED' : NEXT_STATE[job.state];
    if (next !== job.state && (next === 'COMPLETED' || next === 'FAILED')) job.completedAt = new Date();
    job.state = next;
  }

  private recoveryPointArn(resourceArn: string): string {
    // An EBS volume's recovery point is an EBS snapshot; other resources get a vault recovery point.
    if (resourceTypeOf(resourceArn) === 'EBS')
      return `arn:aws:ec2:${this.region}::snapshot/snap-${randomBytes(9).toString('hex').slice(0, 17)}`;
    return `arn:aws:backup:${this.region}:${this.accountId}:recovery-point:${randomUUID()}`;
  }
}

function requireField(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '')
    throw new AwsServiceError('MissingParameterValueException', `${field} is required`, 400);
  return value;
}

function deleteAfterDaysOf(lifecycle: unknown): number | undefined {
  const days = (lifecycle as { DeleteAfterDays?: unknown } | undefined)?.DeleteAfterDays;
  if (days === undefined) return undefined;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1) {
    throw new AwsServiceError(
      'InvalidParameterValueException',
      'Lifecycle.DeleteAfterDays must be a positive integer',
      400,
    );
  }
  return days;
}

function resourceTypeOf(resourceArn: string): string {
  const service = ARN.exec(resourceArn)?.[1];
  if (service === 'ec2' && resourceArn.includes(':volume/')) return 'EBS';
  return service?.toUpperCase() ?? 'UNKNOWN';
}
