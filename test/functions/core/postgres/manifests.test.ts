import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../../functions/commons/errors.ts';
import { PG_TOOLS_IMAGE } from '../../../../functions/core/postgres/image.ts';
import { pgDumpJobManifest, pgRestoreJobManifest } from '../../../../functions/core/postgres/manifests.ts';
import { PG_DUMP_SCRIPT, PG_RESTORE_SCRIPT } from '../../../../functions/core/postgres/scripts.ts';

const connection = {
  host: 'prefect-postgresql.prefect.svc',
  user: 'prefect',
  passwordSecret: { name: 'prefect-postgresql', key: 'postgres-password' },
};
const dumpSpec = {
  namespace: 'lakehouse-ops',
  name: 'pg-dump-20260101t000000z-abcdef12',
  serviceAccountName: 'lakehouse-ops-backup',
  connection,
  database: 'prefect',
  destination: { bucket: 'lakehouse-backup', key: 'postgres/prefect/20260101T000000Z-abcdef12.dump' },
  region: 'eu-west-1',
};

describe('pgDumpJobManifest', () => {
  const job = pgDumpJobManifest(dumpSpec);
  const pod = job.spec?.template.spec;
  const container = pod?.containers[0];

  it('runs the dump script in the pinned pg-tools image as a non-root, read-only container', () => {
    expect(container?.image).toBe(PG_TOOLS_IMAGE);
    expect(container?.command).toEqual(['/bin/sh', '-c', PG_DUMP_SCRIPT]);
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 999,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.volumeMounts).toEqual([{ name: 'scratch', mountPath: '/tmp' }]);
    expect(pod?.volumes).toEqual([{ name: 'scratch', emptyDir: { sizeLimit: '20Gi' } }]);
    expect(container?.resources?.limits).toEqual({ memory: '1Gi' });
    expect(container?.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });

  it('bounds the Job in time and retries a failed dump once', () => {
    expect(job.spec).toMatchObject({
      backoffLimit: 1,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 86_400,
    });
    expect(pod?.restartPolicy).toBe('Never');
    expect(pod?.serviceAccountName).toBe('lakehouse-ops-backup');
  });

  it('passes the connection and the destination through the environment, the password from its Secret', () => {
    expect(container?.env).toEqual([
      { name: 'PGHOST', value: 'prefect-postgresql.prefect.svc' },
      { name: 'PGPORT', value: '5432' },
      { name: 'PGUSER', value: 'prefect' },
      { name: 'PGCONNECT_TIMEOUT', value: '15' },
      {
        name: 'PGPASSWORD',
        valueFrom: { secretKeyRef: { name: 'prefect-postgresql', key: 'postgres-password' } },
      },
      { name: 'AWS_REGION', value: 'eu-west-1' },
      { name: 'PGDATABASE', value: 'prefect' },
      { name: 'DUMP_BUCKET', value: 'lakehouse-backup' },
      { name: 'DUMP_KEY', value: 'postgres/prefect/20260101T000000Z-abcdef12.dump' },
      { name: 'SIDECAR_KEY', value: 'postgres/prefect/20260101T000000Z-abcdef12.dump.json' },
    ]);
  });

  it('labels the pods with the Job name and records the target', () => {
    expect(job.spec?.template.metadata?.labels?.['lakehouse-ops.io/job-name']).toBe(dumpSpec.name);
    expect(job.metadata?.annotations?.['lakehouse-ops.io/target']).toBe(
      's3://lakehouse-backup/postgres/prefect/20260101T000000Z-abcdef12.dump',
    );
  });

  it('names every invalid field with what was expected', () => {
    const invalid = {
      ...dumpSpec,
      name: 'Pg_Dump',
      database: 'prefect"; DROP',
      destination: { bucket: 'lakehouse-backup', key: 'postgres/a b.dump' },
    };
    expect(() => pgDumpJobManifest(invalid)).toThrow(InvalidInputError);
    expect(() => pgDumpJobManifest(invalid)).toThrow(
      /the pg_dump Job spec is invalid: name: must be a DNS label .*; database: must be letters, digits and _ .*; destination\.key: must be an S3 key of safe characters/,
    );
  });
});

describe('pgRestoreJobManifest', () => {
  it('runs the restore script with the expected checksum, never retrying by default', () => {
    const job = pgRestoreJobManifest(
      {
        namespace: 'lakehouse-ops',
        name: 'pg-verify-1',
        connection,
        source: { bucket: 'lakehouse-backup', key: 'postgres/prefect/1.dump' },
        targetDatabase: 'verify_1',
        dropAfterCounting: true,
      },
      'a'.repeat(64),
    );
    const container = job.spec?.template.spec?.containers[0];
    expect(job.spec?.backoffLimit).toBe(0);
    expect(container?.name).toBe('pg-restore');
    expect(container?.command).toEqual(['/bin/sh', '-c', PG_RESTORE_SCRIPT]);
    expect(container?.env?.slice(5)).toEqual([
      { name: 'PGDATABASE', value: 'postgres' },
      { name: 'DUMP_BUCKET', value: 'lakehouse-backup' },
      { name: 'DUMP_KEY', value: 'postgres/prefect/1.dump' },
      { name: 'EXPECTED_SHA256', value: 'a'.repeat(64) },
      { name: 'TARGET_DATABASE', value: 'verify_1' },
      { name: 'REPORT_KEY', value: 'postgres/prefect/1.dump.restore-pg-verify-1.json' },
      { name: 'DROP_AFTER_COUNTING', value: 'true' },
      // A restore, not the target check that restore workflows run before writing anything.
      { name: 'CHECK_TARGET_ONLY', value: 'false' },
    ]);
  });
});
