import type { V1EnvVar, V1Job } from '@kubernetes/client-node';
import { PG_TOOLS_UID } from './image.ts';
import {
  type ParsedPgDumpJobSpec,
  type ParsedPgRestoreJobSpec,
  type PgDumpJobSpec,
  type PgRestoreJobSpec,
  parseJobSpec,
  pgDumpJobSpecSchema,
  pgRestoreJobSpecSchema,
  type S3Location,
} from './job-spec.ts';
import { PG_DUMP_SCRIPT, PG_RESTORE_SCRIPT } from './scripts.ts';

/**
 * The batch/v1 Jobs that dump and restore the Prefect database (see image.ts for the image and
 * scripts.ts for what the container runs). Built by the Lambdas and created through the Kubernetes
 * API; kube-sim runs the very same objects locally.
 */

/** Selects a Job's pods (kube-sim and EKS alike; the built-in job-name label is not relied on). */
export const JOB_NAME_LABEL = 'lakehouse-ops.io/job-name';
/** Where a Job writes, so that a retried create can tell its own Job from another's. */
export const TARGET_ANNOTATION = 'lakehouse-ops.io/target';

export type PgToolsComponent = 'pg-dump' | 'pg-restore';

type JobSettings = ParsedPgDumpJobSpec | ParsedPgRestoreJobSpec;

/** The sidecar (sha256, bytes, row counts) is stored next to its dump. */
export function sidecarKeyFor(dumpKey: string): string {
  return `${dumpKey}.json`;
}

export function restoreReportKeyFor(spec: ParsedPgRestoreJobSpec): string {
  return spec.reportKey ?? `${spec.source.key}.restore-${spec.name}.json`;
}

function connectionEnvironment(settings: JobSettings): V1EnvVar[] {
  const { connection } = settings;
  return [
    { name: 'PGHOST', value: connection.host },
    { name: 'PGPORT', value: String(connection.port) },
    { name: 'PGUSER', value: connection.user },
    { name: 'PGCONNECT_TIMEOUT', value: '15' },
    ...(connection.passwordSecret
      ? [{ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { ...connection.passwordSecret } } }]
      : []),
    ...(settings.region ? [{ name: 'AWS_REGION', value: settings.region }] : []),
    ...(settings.s3EndpointUrl ? [{ name: 'S3_ENDPOINT_URL', value: settings.s3EndpointUrl }] : []),
  ];
}

function dumpLocationEnvironment({ bucket, key }: S3Location): V1EnvVar[] {
  return [
    { name: 'DUMP_BUCKET', value: bucket },
    { name: 'DUMP_KEY', value: key },
  ];
}

function pgToolsJob(
  settings: JobSettings,
  component: PgToolsComponent,
  script: string,
  environment: V1EnvVar[],
  target: string,
): V1Job {
  const labels = {
    'app.kubernetes.io/name': 'pg-tools',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': 'lakehouse-ops',
    [JOB_NAME_LABEL]: settings.name,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: settings.name,
      namespace: settings.namespace,
      labels,
      annotations: { [TARGET_ANNOTATION]: target },
    },
    spec: {
      backoffLimit: settings.backoffLimit,
      activeDeadlineSeconds: settings.activeDeadlineSeconds,
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...(settings.serviceAccountName ? { serviceAccountName: settings.serviceAccountName } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: PG_TOOLS_UID,
            runAsGroup: PG_TOOLS_UID,
            fsGroup: PG_TOOLS_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: component,
              image: settings.image,
              command: ['/bin/sh', '-c', script],
              env: [...connectionEnvironment(settings), ...environment],
              resources: settings.resources,
              // A failed container's last log lines become its termination message, so the
              // workflow reads why it failed from the pod's status alone.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'scratch', emptyDir: { sizeLimit: settings.scratchSizeLimit } }],
        },
      },
    },
  };
}

/** The Job that dumps `database` (pg_dump -Fc) to `destination` with its sidecar. Validates the spec. */
export function pgDumpJobManifest(input: PgDumpJobSpec): V1Job {
  const spec = parseJobSpec(pgDumpJobSpecSchema, input, 'pg_dump Job');
  const { bucket, key } = spec.destination;
  return pgToolsJob(
    spec,
    'pg-dump',
    PG_DUMP_SCRIPT,
    [
      { name: 'PGDATABASE', value: spec.database },
      ...dumpLocationEnvironment(spec.destination),
      { name: 'SIDECAR_KEY', value: sidecarKeyFor(key) },
    ],
    `s3://${bucket}/${key}`,
  );
}

/**
 * The Job that restores the dump at `source` into the new database `targetDatabase`, after proving
 * the download's SHA-256 is `expectedSha256` (the sidecar's). Validates the spec.
 */
export function pgRestoreJobManifest(input: PgRestoreJobSpec, expectedSha256: string): V1Job {
  const spec = parseJobSpec(pgRestoreJobSpecSchema, input, 'pg_restore Job');
  return pgToolsJob(
    spec,
    'pg-restore',
    PG_RESTORE_SCRIPT,
    [
      { name: 'PGDATABASE', value: 'postgres' },
      ...dumpLocationEnvironment(spec.source),
      { name: 'EXPECTED_SHA256', value: expectedSha256 },
      { name: 'TARGET_DATABASE', value: spec.targetDatabase },
      { name: 'REPORT_KEY', value: restoreReportKeyFor(spec) },
      { name: 'DROP_AFTER_COUNTING', value: String(spec.dropAfterCounting) },
      { name: 'CHECK_TARGET_ONLY', value: String(spec.checkTargetOnly) },
    ],
    `postgres://${spec.connection.host}/${spec.targetDatabase}`,
  );
}
