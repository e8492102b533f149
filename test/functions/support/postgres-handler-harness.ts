import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { createKubernetesApi } from '../../../functions/commons/kubernetes/api.ts';
import type { DumpLocation } from '../../../functions/core/backup/verify/postgres.ts';
import { defaultPlatformLayout } from '../../../functions/core/platform/layout.ts';
import { PG_TOOLS_IMAGE, type PgDumpResult, runPgDumpJob } from '../../../functions/core/postgres/index.ts';
import { type LakehousePostgres, startLakehousePostgres } from '../../../local/lakehouse/postgres.ts';
import { type S3Endpoint, startS3Endpoint } from '../../../local/lakehouse/s3-endpoint.ts';
import {
  type LocalPostgresNames,
  localPostgresNames,
  postgresAccessObjects,
  postgresHandlerEnvironment,
} from '../../../local/lakehouse/seed/postgres-access.ts';
import type { RunningPostgres } from '../../../local/postgres/index.ts';
import { BACKUP_BUCKET, credentials, s3ClientFor } from '../core/backup/support/backup-endpoints.ts';
import { TEST_REGION, useHandlerEnvironment } from './lambda.ts';
import { TEST_ACCOUNT, useSimulatedCluster } from './simulators.ts';

export interface PostgresHandlerHarness {
  postgres(): RunningPostgres;
  names: LocalPostgresNames;
  /** The DR-region S3 with the backup bucket, where dumps and their sidecars go. */
  s3(): S3Client;
  /** Takes a dump of `database` with the production pg_dump Job (polled every 100 ms, not 5 s). */
  dump(runId: string, database?: string): Promise<PgDumpResult>;
  /** Whether the server holds this database. */
  databaseExists(name: string): Promise<boolean>;
  /** The Jobs kube-sim holds in the PostgreSQL namespace, by name. */
  jobNames(): string[];
  /** The dump `dumpBeforeAll` took of the Prefect database before the tests. */
  takenDump(): DumpLocation;
}

/**
 * What the PostgreSQL handlers (dump, verify, restore) meet on EKS, locally as in the drill: a real
 * PostgreSQL seeded with the Prefect schema, kube-sim whose pg-tools Job executor runs the Jobs'
 * scripts with Debian's pg_dump / pg_restore and AWS CLI, the cluster behind aws-sim's EKS, the
 * password Secret and the dump service account, and the DR-region S3 with the backup bucket.
 * Fails (never skips) when PostgreSQL or the AWS CLI is not installed.
 */
export function usePostgresHandlerHarness({
  dumpBeforeAll,
}: {
  dumpBeforeAll?: string;
} = {}): PostgresHandlerHarness {
  const names = localPostgresNames(defaultPlatformLayout);
  let drS3: S3Endpoint | undefined;
  let lakehousePostgres: LakehousePostgres | undefined;
  let s3: S3Client | undefined;
  beforeAll(async () => {
    drS3 = await startS3Endpoint({ name: 'pg-handlers-dr-s3', buckets: [BACKUP_BUCKET], credentials });
    s3 = s3ClientFor(drS3.url);
    lakehousePostgres = await startLakehousePostgres({
      names,
      s3: { endpoint: drS3.url, ...credentials, region: TEST_REGION },
    });
    if (!lakehousePostgres) {
      throw new Error('PostgreSQL 15 and the AWS CLI must be installed (apt-get install postgresql awscli)');
    }
  }, 60_000);
  afterAll(async () => {
    s3?.destroy();
    await Promise.all([lakehousePostgres?.stop(), drS3?.stop()]);
  });
  const running = () => {
    if (!lakehousePostgres || !drS3 || !s3)
      throw new Error('PostgreSQL is used before its beforeAll hook ran');
    return { postgres: lakehousePostgres, drS3, s3 };
  };

  const cluster = useSimulatedCluster(() => ({
    namespaces: ['default', names.namespace],
    nodes: [{ name: 'node-a', nodeGroup: 'core' }],
    images: [PG_TOOLS_IMAGE],
    enforceImages: true,
    jobExecutors: running().postgres.jobExecutors,
  }));
  beforeAll(async () => {
    for (const object of postgresAccessObjects(names, TEST_ACCOUNT, 'unused-with-trust-auth')) {
      cluster.kube().apply(object);
    }
    await cluster.kube().settle();
  });
  useHandlerEnvironment(() => ({
    ...cluster.environment(),
    ...postgresHandlerEnvironment(names),
    AWS_ENDPOINT_URL_S3: running().drS3.url,
    BACKUP_BUCKET_NAME: BACKUP_BUCKET,
    BACKUP_BUCKET_REGION: TEST_REGION,
    BACKUP_RETENTION_DAYS: '30',
  }));

  let taken: DumpLocation | undefined;
  const harness: PostgresHandlerHarness = {
    names,
    postgres: () => running().postgres.server,
    s3: () => running().s3,
    dump: (runId, database = names.database) =>
      runPgDumpJob(
        {
          kubernetes: createKubernetesApi({ server: cluster.kube().url, token: cluster.kube().token }),
          s3: running().s3,
        },
        {
          namespace: names.namespace,
          name: `pg-dump-${runId.toLowerCase()}`,
          serviceAccountName: names.dumpServiceAccount,
          connection: { host: names.host, user: names.user, passwordSecret: names.passwordSecret },
          database,
          destination: { bucket: BACKUP_BUCKET, key: `postgres/${database}/${runId}.dump` },
        },
        { timeoutMs: 60_000, pollIntervalMs: 100 },
      ),
    databaseExists: async (name) =>
      (await running().postgres.server.query(`SELECT 1 FROM pg_database WHERE datname = '${name}'`))
        .length === 1,
    jobNames: () =>
      cluster
        .kube()
        .list('batch/v1', 'Job', names.namespace)
        .map((job) => job.metadata.name ?? ''),
    takenDump: () => {
      if (!taken) throw new Error('no dump was taken: pass dumpBeforeAll');
      return taken;
    },
  };
  if (dumpBeforeAll !== undefined) {
    beforeAll(async () => {
      const { bucket, key, database } = await harness.dump(dumpBeforeAll);
      taken = { bucket, key, database };
    }, 60_000);
  }
  return harness;
}
