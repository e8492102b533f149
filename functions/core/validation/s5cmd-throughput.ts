import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { KubernetesApi } from '../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../commons/kubernetes/resources.ts';
import { callAws } from '../../commons/transient-errors.ts';
import type { PlatformLayout } from '../platform/layout.ts';
import { readJsonObject } from '../postgres/dump-objects.ts';
import { DumpIncompleteError } from '../postgres/errors.ts';
import { JOB_NAME_LABEL } from '../postgres/manifests.ts';
import type { CheckResult } from './check-result.ts';
import { round1 } from './measurements.ts';
import { type CheckVerdict, runCheck, verdictFrom } from './run-check.ts';
import {
  resultKeyOf,
  type ThroughputResult,
  throughputJobManifest,
  throughputResultSchema,
} from './s5cmd-throughput-job.ts';

export interface S5cmdThroughputDependencies {
  kubernetes: KubernetesApi;
  /** MinIO, where the Job leaves its result.json. */
  s3: S3Client;
  layout: PlatformLayout;
  /** How much the Job writes and reads back. */
  sizeMiB: number;
  /** The environment's threshold; upload and download must each reach it. */
  minMiBPerSecond: number;
  /** How long the Lambda waits for the Job (default 4 minutes, below the function's timeout). */
  timeoutMs?: number;
  pollIntervalMs?: number;
  /** Injectable for tests. */
  now?: () => Date;
  clock?: () => number;
  sleep?: (milliseconds: number) => Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 240_000;
const DEFAULT_POLL_INTERVAL_MS = 1000;
const MIB = 1024 * 1024;
const defaultSleep = (milliseconds: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/**
 * Runs the s5cmd throughput Job (s5cmd-throughput-job.ts) in the s5cmd executor's namespace and
 * compares its measured upload and download MiB/s with the threshold. The data goes to the MinIO
 * probe bucket under performance/<job name>/, and is removed by the Job (payload) and by this
 * check (result.json). A Job that fails or does not finish is a FAILED verdict with its reason.
 */
export function checkS5cmdThroughput(deps: S5cmdThroughputDependencies): Promise<CheckResult> {
  return runCheck('s5cmd-throughput', () => measure(deps));
}

async function measure(deps: S5cmdThroughputDependencies): Promise<CheckVerdict> {
  const { kubernetes, layout, sizeMiB, now = () => new Date() } = deps;
  const { namespace, jobTemplateCronJob } = layout.s5cmd;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const template = await kubernetes.get(kubernetesResources.cronJobs.named(namespace, jobTemplateCronJob));
  if (!template) {
    return verdictFrom(
      [`CronJob ${namespace}/${jobTemplateCronJob} (the s5cmd Job template) not found`],
      '',
      {
        cronJob: jobTemplateCronJob,
        found: false,
      },
    );
  }
  const name = `s5cmd-throughput-${timestamp(now())}-${randomBytes(3).toString('hex')}`;
  const bucket = layout.minio.probeBucket;
  const prefix = `performance/${name}`;
  const job = throughputJobManifest({
    template,
    name,
    bucket,
    prefix,
    sizeMiB,
    activeDeadlineSeconds: Math.ceil(timeoutMs / 1000) + 60,
  });
  if (typeof job === 'string') return verdictFrom([job], '', { cronJob: jobTemplateCronJob });

  await kubernetes.create(kubernetesResources.jobs.inNamespace(namespace), job);
  const reference = { namespace, name, bucket, prefix };
  const ending = await waitForEnd(deps, namespace, name, timeoutMs);
  if (ending.outcome === 'timeout') {
    await kubernetes.delete(kubernetesResources.jobs.named(namespace, name), {
      propagationPolicy: 'Background',
    });
    return verdictFrom(
      [
        `s5cmd throughput Job ${namespace}/${name} did not finish within ${timeoutMs / 1000} s; it was deleted`,
      ],
      '',
      { job: reference },
    );
  }
  if (ending.outcome === 'failed') {
    return verdictFrom([`s5cmd throughput Job ${namespace}/${name} failed: ${ending.reason}`], '', {
      job: reference,
      logTail: ending.logTail,
    });
  }
  const result = await takeResult(deps.s3, bucket, resultKeyOf(prefix));
  if (typeof result === 'string') return verdictFrom([result], '', { job: reference });
  return throughputVerdict(result, deps.minMiBPerSecond, reference);
}

/** MiB/s of each direction against the threshold. */
export function throughputVerdict(
  result: ThroughputResult,
  minMiBPerSecond: number,
  job: Record<string, unknown>,
): CheckVerdict {
  const mib = result.bytes / MIB;
  // A copy faster than the clock's millisecond still took some time: count it as 1 ms.
  const rate = (milliseconds: number) => round1(mib / (Math.max(milliseconds, 1) / 1000));
  const upload = rate(result.uploadMs);
  const download = rate(result.downloadMs);
  const problems = [
    upload < minMiBPerSecond
      ? `upload ${upload} MiB/s is below the threshold of ${minMiBPerSecond} MiB/s`
      : '',
    download < minMiBPerSecond
      ? `download ${download} MiB/s is below the threshold of ${minMiBPerSecond} MiB/s`
      : '',
  ].filter(Boolean);
  return verdictFrom(
    problems,
    `s5cmd moved ${round1(mib)} MiB through MinIO at ${upload} MiB/s up and ${download} MiB/s down (threshold ${minMiBPerSecond} MiB/s)`,
    {
      job,
      bytes: result.bytes,
      uploadMs: result.uploadMs,
      downloadMs: result.downloadMs,
      uploadMiBPerSecond: upload,
      downloadMiBPerSecond: download,
      thresholdMiBPerSecond: minMiBPerSecond,
    },
  );
}

type JobEnding =
  | { outcome: 'complete' }
  | { outcome: 'timeout' }
  | { outcome: 'failed'; reason: string; logTail: string };

async function waitForEnd(
  deps: S5cmdThroughputDependencies,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<JobEnding> {
  const { kubernetes, clock = Date.now, sleep = defaultSleep } = deps;
  const deadline = clock() + timeoutMs;
  const path = kubernetesResources.jobs.named(namespace, name);
  for (;;) {
    const job = await kubernetes.get(path);
    if (!job) return { outcome: 'failed', reason: 'the Job disappeared before it finished', logTail: '' };
    if (hasCondition(job, 'Complete')) return { outcome: 'complete' };
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    if (failed) {
      const pods = await kubernetes.list(kubernetesResources.pods.inNamespace(namespace), {
        labelSelector: `${JOB_NAME_LABEL}=${name}`,
      });
      const terminated = failedContainer(pods);
      const exit = terminated?.exitCode === undefined ? '' : ` (exit code ${terminated.exitCode})`;
      return {
        outcome: 'failed',
        reason: `${failed.reason ?? 'Failed'}${exit}${terminated?.message ? `: ${terminated.message.trim()}` : ''}`,
        logTail: terminated?.message?.trim() ?? '',
      };
    }
    if (clock() >= deadline) return { outcome: 'timeout' };
    await sleep(deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
  }
}

function hasCondition(job: V1Job, type: string): boolean {
  return job.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

function failedContainer(pods: V1Pod[]) {
  return pods
    .filter((pod) => pod.status?.phase === 'Failed')
    .flatMap((pod) => pod.status?.containerStatuses ?? [])
    .map((status) => status.state?.terminated)
    .find((terminated) => terminated !== undefined);
}

/**
 * Reads and deletes the Job's result.json; a description of the problem when it is missing or
 * unusable. The reading is the pg-tools Jobs' (their DumpIncompleteError only carries the message).
 */
async function takeResult(s3: S3Client, bucket: string, key: string): Promise<ThroughputResult | string> {
  let result: ThroughputResult;
  try {
    result = await readJsonObject(s3, { bucket, key }, throughputResultSchema, 's5cmd throughput result');
  } catch (error) {
    if (error instanceof DumpIncompleteError) return `the Job completed but ${error.message}`;
    throw error;
  }
  const location = `s3://${bucket}/${key}`;
  await callAws(`s3:DeleteObject ${location}`, () =>
    s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
  );
  return result;
}

/** `2025-01-02T03:04:05.678Z` -> `20250102t030405`: sortable and valid in a Kubernetes name. */
function timestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]|\.\d+Z$/g, '')
    .replace('T', 't')
    .toLowerCase();
}
