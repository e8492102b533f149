import type { S3Client } from '@aws-sdk/client-s3';
import { checkDumpObject, type DumpSidecar, dumpSidecarSchema, readJsonObject } from './dump-objects.ts';
import {
  type JobReference,
  type JobRunDeps,
  type JobWait,
  jobFailedError,
  submitJob,
  waitForJob,
} from './job-run.ts';
import { type PgDumpJobSpec, parseJobSpec, pgDumpJobSpecSchema } from './job-spec.ts';
import { pgDumpJobManifest, sidecarKeyFor } from './manifests.ts';

/** What the backup workflow needs: the Kubernetes API of the cluster and S3 for the backup bucket. */
export interface PostgresJobDeps extends JobRunDeps {
  s3: S3Client;
}

export interface PgDumpResult extends DumpSidecar {
  job: JobReference;
  sidecarKey: string;
}

/**
 * Runs the pg_dump Job and returns its sidecar (sha256, bytes, row counts) once the dump and the
 * sidecar are in S3 and agree (size and sha256 metadata). A failed Job is a PostgresJobFailedError
 * with the container's last log lines; a Job still running after `wait` a PostgresJobTimeoutError.
 */
export async function runPgDumpJob(
  deps: PostgresJobDeps,
  spec: PgDumpJobSpec,
  wait: JobWait = {},
): Promise<PgDumpResult> {
  const parsed = parseJobSpec(pgDumpJobSpecSchema, spec, 'pg_dump Job');
  const job = await submitJob(deps.kubernetes, pgDumpJobManifest(parsed));
  await waitForJob(deps, job, wait, (failure) => jobFailedError(job, failure));
  const sidecarKey = sidecarKeyFor(parsed.destination.key);
  const sidecar = await readJsonObject(
    deps.s3,
    { bucket: parsed.destination.bucket, key: sidecarKey },
    dumpSidecarSchema,
    'dump sidecar',
  );
  await checkDumpObject(deps.s3, sidecar);
  return { job, sidecarKey, ...sidecar };
}
