import * as z from 'zod/mini';
import { asBackupLogger, backupDestination, s3ClientIn } from './commons/backup-clients.ts';
import { dumpPostgresHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { nonEmptyString } from './commons/schemas.ts';
import { dumpKey } from './core/backup/layout.ts';
import { pruneDumps } from './core/backup/prune-dumps.ts';
import { runPgDumpJob } from './core/postgres/index.ts';

const eventSchema = z.object({ runId: nonEmptyString(), dryRun: z.boolean() });

/**
 * backup: pg_dump of the Prefect database as a Job on the cluster, into postgres/<db>/<runId>.dump
 * of the backup bucket. The Job is named after the run, so a retried invocation (after
 * PostgresJobTimeoutError) re-attaches to the running dump instead of starting a second one.
 * Once the dump is complete, the dumps past the retention are pruned (core/backup/prune-dumps.ts);
 * a pruning failure is reported with the dump, never fails it.
 */
export const handler = createHandler(
  { name: 'dump-postgres', environment: dumpPostgresHandlerEnvironment, event: eventSchema },
  async ({ runId, dryRun }, { env, logger }) => {
    const key = dumpKey(env.POSTGRES_DATABASE, runId);
    if (dryRun)
      return { state: 'SKIPPED' as const, detail: `dry run: would dump ${env.POSTGRES_DATABASE} to ${key}` };
    const [secretName = '', secretKey = ''] = env.POSTGRES_PASSWORD_SECRET.split('/');
    const dump = await runPgDumpJob(
      { kubernetes: kubernetesApiFor(env.CLUSTER_NAME), s3: s3ClientIn(env.BACKUP_BUCKET_REGION) },
      {
        namespace: env.POSTGRES_NAMESPACE,
        name: `pg-dump-${runId.toLowerCase()}`,
        serviceAccountName: env.POSTGRES_DUMP_SERVICE_ACCOUNT,
        connection: {
          host: env.POSTGRES_HOST,
          port: env.POSTGRES_PORT,
          user: env.POSTGRES_USER,
          passwordSecret: { name: secretName, key: secretKey },
        },
        region: env.BACKUP_BUCKET_REGION,
        s3EndpointUrl: env.AWS_ENDPOINT_URL_S3,
        database: env.POSTGRES_DATABASE,
        destination: { bucket: env.BACKUP_BUCKET_NAME, key },
      },
    );
    const retention = await pruneDumps(
      { ...backupDestination(env), logger: asBackupLogger(logger) },
      { database: env.POSTGRES_DATABASE, retentionDays: env.BACKUP_RETENTION_DAYS, now: new Date() },
    ).then(
      // Counts only: the dump's record goes into every manifest header of the run.
      (pruned) => ({
        keptRuns: pruned.keptRunIds.length,
        deletedRuns: pruned.deletedRunIds.length,
        deletedObjects: pruned.deletedObjects,
      }),
      (error: unknown) => {
        logger.error('pruning the postgres dumps failed; the new dump is complete', { error });
        return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      },
    );
    return { state: 'COMPLETED' as const, ...dump, retention };
  },
);
