import * as z from 'zod/mini';
import type { KubernetesApi } from '../../commons/kubernetes/api.ts';
import type { VolumeBackupJob, VolumeBackupPort } from './aws-backup.ts';
import { type BackupVolume, discoverBackupVolumes, ebsVolumeArn } from './persistent-volumes.ts';

/**
 * The volume part of the backup workflow: start one AWS Backup job per volume
 * (StartVolumeBackup), then poll them (CheckVolumeBackup) until none is RUNNING.
 */
export const volumeJobSchema = z.object({
  jobId: z.string(),
  resourceArn: z.string(),
  state: z.enum(['RUNNING', 'COMPLETED', 'FAILED']),
  awsState: z.string(),
  statusMessage: z.optional(z.string()),
  recoveryPointArn: z.optional(z.string()),
  percentDone: z.optional(z.string()),
  namespace: z.optional(z.string()),
  claim: z.optional(z.string()),
});

/** RUNNING while a job runs; SKIPPED for a dry run (nothing started). */
export const volumeBackupStatusSchema = z.object({
  state: z.enum(['RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED']),
  startedAt: z.string(),
  jobs: z.array(volumeJobSchema),
  volumes: z.array(z.object({ namespace: z.string(), claim: z.string(), volumeId: z.string() })),
  ignored: z.array(z.object({ namespace: z.string(), claim: z.string(), reason: z.string() })),
  detail: z.optional(z.string()),
});
export type VolumeBackupStatus = z.output<typeof volumeBackupStatusSchema>;
type Job = z.output<typeof volumeJobSchema>;

export interface VolumeBackupSettings {
  vault: string;
  role: string;
  namespaces: readonly string[];
  retentionDays: number;
  /** Where the volumes live, to build their ARNs. */
  location: { partition: string; region: string; account: string };
}

export async function startVolumeBackups(
  deps: { kubernetes: KubernetesApi; backup: VolumeBackupPort; clock?: () => Date },
  settings: VolumeBackupSettings,
  request: { runId: string; dryRun: boolean },
): Promise<VolumeBackupStatus> {
  const startedAt = (deps.clock?.() ?? new Date()).toISOString();
  const { volumes, ignored } = await discoverBackupVolumes(deps.kubernetes, settings.namespaces);
  const listed = volumes.map(({ namespace, claim, volumeId }) => ({ namespace, claim, volumeId }));
  if (request.dryRun) {
    return {
      state: 'SKIPPED',
      startedAt,
      jobs: [],
      volumes: listed,
      ignored,
      detail: 'dry run: no job started',
    };
  }
  const jobs: Job[] = [];
  for (const volume of volumes) jobs.push(await startOne(deps.backup, settings, request.runId, volume));
  return { state: summarize(jobs), startedAt, jobs, volumes: listed, ignored, detail: describeEmpty(jobs) };
}

async function startOne(
  backup: VolumeBackupPort,
  settings: VolumeBackupSettings,
  runId: string,
  volume: BackupVolume,
): Promise<Job> {
  const job = await backup.startBackupJob(
    ebsVolumeArn(volume.volumeId, settings.location),
    settings.vault,
    settings.role,
    {
      // A retried StartVolumeBackup finds the jobs it already started instead of doubling them.
      idempotencyToken: `${runId}/${volume.volumeId}`,
      deleteAfterDays: settings.retentionDays,
    },
  );
  return { ...job, namespace: volume.namespace, claim: volume.claim };
}

/**
 * Describes every job still RUNNING; after `deadlineMinutes` from the start, a job still running
 * counts as FAILED, so the workflow's wait loop always ends.
 */
export async function checkVolumeBackups(
  deps: { backup: VolumeBackupPort; clock?: () => Date },
  status: VolumeBackupStatus,
  deadlineMinutes: number,
): Promise<VolumeBackupStatus> {
  if (status.state !== 'RUNNING') return status;
  const now = deps.clock?.() ?? new Date();
  const overdue = now.getTime() - Date.parse(status.startedAt) > deadlineMinutes * 60_000;
  const jobs: Job[] = [];
  for (const job of status.jobs) {
    if (job.state !== 'RUNNING') {
      jobs.push(job);
      continue;
    }
    const described: VolumeBackupJob = await deps.backup.describeBackupJob(job.jobId);
    const current = { ...job, ...described, resourceArn: described.resourceArn || job.resourceArn };
    jobs.push(
      overdue && current.state === 'RUNNING'
        ? {
            ...current,
            state: 'FAILED',
            statusMessage: `still ${current.awsState} after ${deadlineMinutes} minutes`,
          }
        : current,
    );
  }
  return { ...status, state: summarize(jobs), jobs };
}

/** No volume at all is FAILED: a silent gap in the backup must never read as success. */
function summarize(jobs: readonly Job[]): VolumeBackupStatus['state'] {
  if (jobs.length === 0) return 'FAILED';
  if (jobs.some((job) => job.state === 'RUNNING')) return 'RUNNING';
  return jobs.some((job) => job.state === 'FAILED') ? 'FAILED' : 'COMPLETED';
}

function describeEmpty(jobs: readonly Job[]): string | undefined {
  return jobs.length === 0
    ? 'no EBS-backed PersistentVolumeClaim found in the backed-up namespaces'
    : undefined;
}
