import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { KubernetesConflictError } from '../../commons/errors.ts';
import type { KubernetesApi } from '../../commons/kubernetes/api.ts';
import { kubernetesResources } from '../../commons/kubernetes/resources.ts';
import { PostgresJobFailedError, PostgresJobTimeoutError } from './errors.ts';
import { JOB_NAME_LABEL, TARGET_ANNOTATION } from './manifests.ts';

/**
 * Creates a Job and waits for it by polling its conditions: the Lambda (or the bench) that started
 * the Job learns how it ended, and why from the failed pod's termination message. The wait is
 * bounded; the Job's own activeDeadlineSeconds bounds the work.
 */

export interface JobWait {
  /** How long to wait for Complete or Failed (default 10 minutes, below the Lambda's 15). */
  timeoutMs?: number;
  /** Between two reads of the Job (default 5 s). */
  pollIntervalMs?: number;
}

export interface JobRunDeps {
  kubernetes: KubernetesApi;
  /** Injectable for tests; setTimeout by default. */
  sleep?: (milliseconds: number) => Promise<void>;
  now?: () => number;
}

export interface JobReference {
  namespace: string;
  name: string;
}

/** Why a Job failed, from its Failed condition and its last failed pod. */
export interface JobFailure {
  reason: string;
  message: string;
  exitCode?: number;
  /** The failed container's last log lines (its termination message). */
  logTail: string;
}

const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_POLL_INTERVAL_MS = 5_000;

const defaultSleep = (milliseconds: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

function conditionOf(job: V1Job, type: string) {
  return job.status?.conditions?.find((condition) => condition.type === type && condition.status === 'True');
}

/**
 * Creates the Job; if one of that name exists already and writes to the same target (a retried
 * Lambda), adopts it instead. A same-named Job with another target is a conflict.
 */
export async function submitJob(kubernetes: KubernetesApi, job: V1Job): Promise<JobReference> {
  const namespace = job.metadata?.namespace ?? '';
  const name = job.metadata?.name ?? '';
  const path = kubernetesResources.jobs.inNamespace(namespace);
  try {
    await kubernetes.create(path, job);
  } catch (error) {
    if (!(error instanceof KubernetesConflictError)) throw error;
    const existing = await kubernetes.get(kubernetesResources.jobs.named(namespace, name));
    const target = job.metadata?.annotations?.[TARGET_ANNOTATION];
    if (existing?.metadata?.annotations?.[TARGET_ANNOTATION] !== target) {
      throw new KubernetesConflictError(
        `job ${namespace}/${name} exists already and does not write to ${target}: choose another Job name`,
        { namespace, name, target },
        { cause: error },
      );
    }
  }
  return { namespace, name };
}

async function failureOf(
  kubernetes: KubernetesApi,
  job: V1Job,
  reference: JobReference,
): Promise<JobFailure> {
  const condition = conditionOf(job, 'Failed');
  const pods = await kubernetes.list(kubernetesResources.pods.inNamespace(reference.namespace), {
    labelSelector: `${JOB_NAME_LABEL}=${reference.name}`,
  });
  const terminated = lastFailedPod(pods)?.status?.containerStatuses?.[0]?.state?.terminated;
  return {
    reason: condition?.reason ?? 'Failed',
    message: condition?.message ?? '',
    ...(terminated ? { exitCode: terminated.exitCode } : {}),
    logTail: terminated?.message?.trim() ?? '',
  };
}

function lastFailedPod(pods: V1Pod[]): V1Pod | undefined {
  return pods
    .filter((pod) => pod.status?.phase === 'Failed')
    .sort((a, b) =>
      String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? '')),
    )
    .at(-1);
}

/** Resolves when the Job is Complete; throws what `failed` builds from a JobFailure, or a timeout. */
export async function waitForJob(
  deps: JobRunDeps,
  reference: JobReference,
  wait: JobWait,
  failed: (failure: JobFailure) => Error,
): Promise<void> {
  const { kubernetes } = deps;
  const sleep = deps.sleep ?? defaultSleep;
  const now = deps.now ?? Date.now;
  const timeoutMs = wait.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = now() + timeoutMs;
  const path = kubernetesResources.jobs.named(reference.namespace, reference.name);
  for (;;) {
    const job = await kubernetes.get(path);
    if (!job) {
      throw new PostgresJobFailedError(`${path.description} disappeared before it finished`, {
        ...reference,
      });
    }
    if (conditionOf(job, 'Complete')) return;
    if (conditionOf(job, 'Failed')) throw failed(await failureOf(kubernetes, job, reference));
    if (now() >= deadline) {
      throw new PostgresJobTimeoutError(
        `${path.description} did not finish within ${timeoutMs} ms; it keeps running until its activeDeadlineSeconds`,
        { ...reference, timeoutMs },
      );
    }
    await sleep(wait.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
  }
}

/**
 * The error of a failed Job: PostgresJobFailedError, or the subclass that names what the script's
 * exit code means (scripts.ts), with the failure and the Job in its details.
 */
export function jobFailedError(
  reference: JobReference,
  failure: JobFailure,
  errorClass: typeof PostgresJobFailedError = PostgresJobFailedError,
): PostgresJobFailedError {
  return new errorClass(describeFailure(reference, failure), { ...reference, ...failure });
}

function describeFailure(reference: JobReference, failure: JobFailure): string {
  const exit = failure.exitCode === undefined ? '' : ` (exit code ${failure.exitCode})`;
  const tail = failure.logTail ? `; last log lines:\n${failure.logTail}` : '';
  return `job ${reference.namespace}/${reference.name} failed: ${failure.reason}${exit}${tail}`;
}
