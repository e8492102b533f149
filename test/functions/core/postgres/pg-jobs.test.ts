import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesApi } from '../../../../functions/commons/kubernetes/api.ts';
import { checkDumpObject } from '../../../../functions/core/postgres/dump-objects.ts';
import {
  checkRestoreTarget,
  DumpChecksumMismatchError,
  DumpIncompleteError,
  type PgDumpJobSpec,
  type PgDumpResult,
  type PostgresJobDeps,
  PostgresJobFailedError,
  pgRestoreJobManifest,
  RestoreTargetExistsError,
  restoreDumpInto,
  runPgDumpJob,
  scratchDatabaseName,
} from '../../../../functions/core/postgres/index.ts';
import { parseJobSpec, pgRestoreJobSpecSchema } from '../../../../functions/core/postgres/job-spec.ts';
import { readRestorableDump } from '../../../../functions/core/postgres/restore.ts';
import { type KubeSim, startKubeSim } from '../../../../local/kube-sim/index.ts';
import { type S3Endpoint, startS3Endpoint } from '../../../../local/lakehouse/s3-endpoint.ts';
import {
  PREFECT_SEED_ROW_COUNTS,
  pgToolsJobExecutors,
  type RunningPostgres,
  seedPrefectDatabase,
  startPostgres,
} from '../../../../local/postgres/index.ts';
import { POSTGRES_BIN_DIRECTORY } from '../../../../local/system/debian-packages.ts';
import { rejectionOf } from '../../../functions/support/rejection.ts';
import { readObject, s3ClientFor } from '../backup/support/backup-endpoints.ts';

/**
 * End to end: the production Job specs, created through our REST client against kube-sim, whose
 * pg-tools executor runs the Jobs' own scripts with the real pg_dump / pg_restore against a real
 * PostgreSQL and the real AWS CLI against an s3rver endpoint.
 */
const BUCKET = 'lakehouse-backup';
const NAMESPACE = 'lakehouse-ops';
const CREDENTIALS = { accessKeyId: 'AKIAPGTOOLSTEST', secretAccessKey: 'pg-tools-test-secret' };
const WAIT = { timeoutMs: 60_000, pollIntervalMs: 100 };
/** What the pod identity adds on EKS and pgToolsJobExecutors adds under kube-sim. */
const CREDENTIALS_ENVIRONMENT = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_REGION: 'us-east-1',
  AWS_PAGER: '',
};

describe('PostgreSQL dump and restore Jobs', { timeout: 60_000 }, () => {
  let postgres: RunningPostgres;
  let endpoint: S3Endpoint;
  let sim: KubeSim;
  let deps: PostgresJobDeps;
  let s3: S3Client;
  let dump: PgDumpResult;

  const connection = () => ({
    host: postgres.host,
    port: postgres.port,
    user: postgres.user,
    passwordSecret: { name: 'prefect-postgresql', key: 'postgres-password' },
  });
  const dumpSpec = (name: string, database: string, key: string): PgDumpJobSpec => ({
    namespace: NAMESPACE,
    name,
    connection: connection(),
    database,
    destination: { bucket: BUCKET, key },
  });
  const restoreSpec = (name: string, key: string, targetDatabase: string, dropAfterCounting = false) => ({
    namespace: NAMESPACE,
    name,
    connection: connection(),
    source: { bucket: BUCKET, key },
    targetDatabase,
    dropAfterCounting,
  });
  const objectBytes = (key: string) => readObject(s3, BUCKET, key);
  const databaseExists = async (name: string) =>
    (await postgres.query(`SELECT 1 FROM pg_database WHERE datname = '${name}'`)).length === 1;

  beforeAll(async () => {
    [postgres, endpoint] = await Promise.all([
      startPostgres({ databases: ['prefect'] }),
      startS3Endpoint({ name: 'pg-jobs', buckets: [BUCKET], credentials: CREDENTIALS }),
    ]);
    await seedPrefectDatabase(postgres, 'prefect');
    sim = await startKubeSim({
      nodes: [{ name: 'node-a', nodeGroup: 'core' }],
      namespaces: ['default', NAMESPACE],
      jobExecutors: pgToolsJobExecutors({ s3: { endpoint: endpoint.url, ...CREDENTIALS } }),
    });
    sim.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'prefect-postgresql', namespace: NAMESPACE },
      stringData: { 'postgres-password': 'unused-with-trust-auth' },
    });
    s3 = s3ClientFor(endpoint.url, { credentials: CREDENTIALS });
    deps = { kubernetes: createKubernetesApi({ server: sim.url, token: sim.token }), s3 };
    dump = await runPgDumpJob(
      deps,
      dumpSpec('pg-dump-run-1', 'prefect', 'postgres/prefect/run-1.dump'),
      WAIT,
    );
  }, 60_000);

  afterAll(async () => {
    s3?.destroy();
    await sim?.stop();
    await Promise.all([endpoint?.stop(), postgres?.stop()]);
  });

  describe('runPgDumpJob', () => {
    it("uploads a custom-format dump whose sha256 and size are the sidecar's", async () => {
      const bytes = await objectBytes('postgres/prefect/run-1.dump');
      expect(bytes.subarray(0, 5).toString()).toBe('PGDMP');
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(dump.sha256);
      expect(bytes.length).toBe(dump.bytes);
      expect(dump).toMatchObject({
        job: { namespace: NAMESPACE, name: 'pg-dump-run-1' },
        sidecarKey: 'postgres/prefect/run-1.dump.json',
        database: 'prefect',
        bucket: BUCKET,
        key: 'postgres/prefect/run-1.dump',
      });
      expect(dump.pgDumpVersion).toMatch(/^15\./);
    });

    it('records the row count of every table at dump time', () => {
      expect(dump.rowCounts).toEqual(PREFECT_SEED_ROW_COUNTS);
    });

    it('fails with the container log tail when the dump cannot be taken', async () => {
      const error = await rejectionOf(
        runPgDumpJob(
          deps,
          { ...dumpSpec('pg-dump-missing', 'no_such_db', 'postgres/x/1.dump'), backoffLimit: 0 },
          WAIT,
        ),
      );
      expect(error).toBeInstanceOf(PostgresJobFailedError);
      expect(error).toMatchObject({
        name: 'PostgresJobFailedError',
        details: { reason: 'BackoffLimitExceeded' },
      });
      expect((error as PostgresJobFailedError).details.exitCode).not.toBe(0);
      expect((error as Error).message).toMatch(/database "no_such_db" does not exist/);
    });
  });

  describe('restoreDumpInto', () => {
    it('restores into a scratch database, finds the same row counts and drops it', async () => {
      const scratch = scratchDatabaseName('20260101T000000Z-abcdef12');
      const result = await restoreDumpInto(
        deps,
        restoreSpec('pg-verify-run-1', dump.key, scratch, true),
        WAIT,
      );
      expect(result.comparison).toEqual({ verdict: 'MATCH', tables: 6, reasons: [] });
      expect(result.restored).toMatchObject({
        targetDatabase: scratch,
        sha256: dump.sha256,
        rowCounts: PREFECT_SEED_ROW_COUNTS,
        droppedAfterCounting: true,
      });
      expect(result.reportKey).toBe('postgres/prefect/run-1.dump.restore-pg-verify-run-1.json');
      expect(await databaseExists(scratch)).toBe(false);
    });

    it('restores into a named database and refuses to restore over it again', async () => {
      const result = await restoreDumpInto(
        deps,
        restoreSpec('pg-restore-1', dump.key, 'prefect_restored'),
        WAIT,
      );
      expect(result.comparison.verdict).toBe('MATCH');
      expect(await postgres.query('SELECT count(*) FROM flow_run', 'prefect_restored')).toEqual([['240']]);

      const error = await rejectionOf(
        restoreDumpInto(deps, restoreSpec('pg-restore-2', dump.key, 'prefect_restored'), WAIT),
      );
      expect(error).toBeInstanceOf(RestoreTargetExistsError);
      expect(error).toMatchObject({ details: { exitCode: 73 } });
      expect((error as Error).message).toMatch(/database prefect_restored already exists/);
      // The refused Job never touches a database it did not create.
      expect(await postgres.query('SELECT count(*) FROM flow_run', 'prefect_restored')).toEqual([['240']]);
    });

    it('drops the database it created when pg_restore fails, so a re-run can restore into it', async () => {
      const whole = await objectBytes(dump.key);
      const truncated = whole.subarray(0, Math.floor(whole.length / 2));
      const key = 'postgres/prefect/truncated.dump';
      const sidecar = JSON.parse((await objectBytes(dump.sidecarKey)).toString('utf8'));
      const sha256 = createHash('sha256').update(truncated).digest('hex');
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: truncated }));
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `${key}.json`,
          Body: JSON.stringify({ ...sidecar, key, sha256, bytes: truncated.length }),
        }),
      );

      const error = await rejectionOf(
        restoreDumpInto(deps, restoreSpec('pg-restore-truncated', key, 'prefect_again'), WAIT),
      );
      expect(error).toBeInstanceOf(PostgresJobFailedError);
      expect(error).not.toBeInstanceOf(RestoreTargetExistsError);
      expect((error as Error).message).toContain('pg_restore: dropped prefect_again');
      expect(await databaseExists('prefect_again')).toBe(false);

      const rerun = await restoreDumpInto(
        deps,
        restoreSpec('pg-restore-rerun', dump.key, 'prefect_again'),
        WAIT,
      );
      expect(rerun.comparison.verdict).toBe('MATCH');
      expect(await databaseExists('prefect_again')).toBe(true);
    });

    it('detects a dump changed in S3 after it was taken', async () => {
      const tampered = await objectBytes(dump.key);
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0x01;
      await s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: 'postgres/prefect/tampered.dump', Body: tampered }),
      );
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'postgres/prefect/tampered.dump.json',
          Body: await objectBytes(dump.sidecarKey),
        }),
      );

      const scratch = 'verify_tampered';
      const error = await rejectionOf(
        restoreDumpInto(
          deps,
          restoreSpec('pg-verify-tampered', 'postgres/prefect/tampered.dump', scratch, true),
          WAIT,
        ),
      );
      expect(error).toBeInstanceOf(DumpChecksumMismatchError);
      expect(error).toMatchObject({ name: 'DumpChecksumMismatchError', details: { exitCode: 65 } });
      expect((error as Error).message).toContain(`its sidecar says ${dump.sha256}`);
      expect(await databaseExists(scratch)).toBe(false);
    });

    it('refuses a dump without a sidecar before creating any Job', async () => {
      const error = await rejectionOf(
        restoreDumpInto(
          deps,
          restoreSpec('pg-restore-nothing', 'postgres/prefect/never.dump', 'nothing'),
          WAIT,
        ),
      );
      expect(error).toBeInstanceOf(DumpIncompleteError);
      expect((error as Error).message).toBe(
        `the dump sidecar s3://${BUCKET}/postgres/prefect/never.dump.json does not exist`,
      );
      expect(sim.get('batch/v1', 'Job', 'pg-restore-nothing', NAMESPACE)).toBeUndefined();
    });
  });

  describe('checkRestoreTarget', () => {
    it('says whether the target database exists with the restore Job in check-only mode, creating nothing', async () => {
      const taken = await checkRestoreTarget(deps, restoreSpec('pg-check-taken', dump.key, 'prefect'), WAIT);
      expect(taken).toEqual({
        job: { namespace: NAMESPACE, name: 'pg-check-taken' },
        targetDatabase: 'prefect',
        exists: true,
      });
      const free = await checkRestoreTarget(
        deps,
        restoreSpec('pg-check-free', dump.key, 'prefect_free'),
        WAIT,
      );
      expect(free.exists).toBe(false);
      expect(await databaseExists('prefect_free')).toBe(false);
      const job = sim.get('batch/v1', 'Job', 'pg-check-free', NAMESPACE) as V1Job | undefined;
      expect(job?.spec?.template.spec?.containers[0]?.env).toContainEqual({
        name: 'CHECK_TARGET_ONLY',
        value: 'true',
      });
    });

    it('fails with the Job failure, not an answer, when the database cannot be asked', async () => {
      const unreachable = {
        ...restoreSpec('pg-check-unreachable', dump.key, 'prefect'),
        connection: { ...connection(), port: 1 },
      };
      const error = await rejectionOf(checkRestoreTarget(deps, unreachable, WAIT));
      expect(error).toBeInstanceOf(PostgresJobFailedError);
      expect(error).not.toBeInstanceOf(RestoreTargetExistsError);
    });
  });

  describe('readRestorableDump', () => {
    it("returns the sidecar of a dump whose size and sha256 metadata are the sidecar's", async () => {
      const { job: _job, sidecarKey: _sidecarKey, ...sidecar } = dump;
      expect(await readRestorableDump(s3, { bucket: BUCKET, key: dump.key })).toEqual(sidecar);
    });

    it('refuses a dump without a sidecar, naming the missing key', async () => {
      const error = await rejectionOf(
        readRestorableDump(s3, { bucket: BUCKET, key: 'postgres/prefect/gone.dump' }),
      );
      expect(error).toBeInstanceOf(DumpIncompleteError);
      expect((error as Error).message).toBe(
        `the dump sidecar s3://${BUCKET}/postgres/prefect/gone.dump.json does not exist`,
      );
    });

    it('refuses a dump whose size is not the one its sidecar recorded', async () => {
      const key = 'postgres/prefect/grown.dump';
      const bytes = Buffer.concat([await objectBytes(dump.key), Buffer.from('x')]);
      await s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes, Metadata: { sha256: dump.sha256 } }),
      );
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `${key}.json`,
          Body: await objectBytes(dump.sidecarKey),
        }),
      );
      const error = await rejectionOf(readRestorableDump(s3, { bucket: BUCKET, key }));
      expect(error).toBeInstanceOf(DumpIncompleteError);
      expect((error as Error).message).toBe(
        `the dump s3://${BUCKET}/${key} disagrees with its sidecar: it has ${dump.bytes + 1} bytes, the sidecar says ${dump.bytes}`,
      );
    });
  });

  describe('the restore script stopped at the Job deadline', () => {
    /**
     * A dump whose restore blocks in the server: its table's CHECK calls pg_sleep in any database
     * but the source, so pg_restore's COPY waits there, as a long restore would.
     */
    const SLOW_SOURCE = 'slow_source';
    const SLOW_TABLE_SQL = `CREATE FUNCTION public.slow_outside_source() RETURNS boolean LANGUAGE sql
      AS $$ SELECT pg_sleep(CASE WHEN current_database() = '${SLOW_SOURCE}' THEN 0 ELSE 300 END) IS NOT NULL $$;
      CREATE TABLE public.slow (id integer CHECK (public.slow_outside_source()));
      INSERT INTO public.slow VALUES (1);`;

    /** The restore Job's container (its script and env) run directly, as the pod's PID 1 would run it. */
    async function startRestoreContainer(key: string, sha256: string, targetDatabase: string) {
      const manifest = pgRestoreJobManifest(
        parseJobSpec(pgRestoreJobSpecSchema, restoreSpec('pg-restore-slow', key, targetDatabase), 'spec'),
        sha256,
      );
      const container = manifest.spec?.template.spec?.containers[0];
      const env = Object.fromEntries(
        (container?.env ?? []).flatMap((variable) =>
          variable.value === undefined ? [] : [[variable.name, variable.value]],
        ),
      );
      const scratch = await mkdtemp(join(tmpdir(), 'pg-restore-slow-'));
      const [command, ...args] = [...(container?.command ?? []), ...(container?.args ?? [])];
      const shell = spawn(command ?? '/bin/sh', args, {
        env: {
          ...env,
          ...CREDENTIALS_ENVIRONMENT,
          S3_ENDPOINT_URL: endpoint.url,
          PATH: [POSTGRES_BIN_DIRECTORY, '/usr/bin', '/bin'].join(':'),
          TMPDIR: scratch,
        },
        // Its own process group: the test signals the shell alone, as Kubernetes signals PID 1.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let log = '';
      shell.stdout.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
      shell.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => shell.on('close', (code) => resolve(code)));
      const cleanUp = async () => {
        if (shell.exitCode === null && shell.pid) process.kill(-shell.pid, 'SIGKILL');
        await exited;
        await rm(scratch, { recursive: true, force: true });
      };
      return { shell, exited, log: () => log, cleanUp };
    }

    const sessionsIn = async (database: string) =>
      (await postgres.query(`SELECT wait_event FROM pg_stat_activity WHERE datname = '${database}'`)).flat();

    async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    it('stops pg_restore and drops the database it created as soon as its shell gets TERM', async () => {
      await postgres.createDatabase(SLOW_SOURCE);
      await postgres.query(SLOW_TABLE_SQL, SLOW_SOURCE);
      const slow = await runPgDumpJob(
        deps,
        dumpSpec('pg-dump-slow', SLOW_SOURCE, 'postgres/slow_source/run-1.dump'),
        WAIT,
      );
      const target = 'slow_restored';
      const container = await startRestoreContainer(slow.key, slow.sha256, target);
      try {
        await until(
          async () => (await sessionsIn(target)).includes('PgSleep'),
          'pg_restore to block in pg_sleep',
        );

        container.shell.kill('SIGTERM');
        // Long before pg_sleep's 300 s ends: the trap ran while pg_restore was still blocked.
        const exitCode = await Promise.race([
          container.exited,
          new Promise((resolve) => setTimeout(() => resolve('still running 15 s after TERM'), 15_000)),
        ]);

        expect(exitCode).toBe(143);
        expect(container.log()).toContain(`pg_restore: dropped ${target}`);
        expect(await databaseExists(target)).toBe(false);
        expect(await sessionsIn(target)).toEqual([]);
      } finally {
        await container.cleanUp();
      }
    });
  });

  describe('checkDumpObject', () => {
    it("rejects a dump whose size and sha256 metadata are not the sidecar's", async () => {
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'postgres/prefect/short.dump',
          Body: 'PGDMP',
          Metadata: { sha256: '0'.repeat(64) },
        }),
      );
      const error = await rejectionOf(checkDumpObject(s3, { ...dump, key: 'postgres/prefect/short.dump' }));
      expect(error).toBeInstanceOf(DumpIncompleteError);
      expect((error as Error).message).toBe(
        `the dump s3://${BUCKET}/postgres/prefect/short.dump disagrees with its sidecar: it has 5 bytes, the sidecar says ${dump.bytes}; its sha256 metadata is ${'0'.repeat(64)}, the sidecar says ${dump.sha256}`,
      );
    });
  });
});
