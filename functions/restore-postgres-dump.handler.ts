import * as z from 'zod/mini';
import { s3ClientIn } from './commons/backup-clients.ts';
import { postgresRestoreHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { restoreJobSettings } from './core/backup/verify/job-settings.ts';
import { dumpLocationSchema } from './core/backup/verify/postgres.ts';
import { runIdSchema } from './core/backup/verify-request.ts';
import { restoreDumpInto } from './core/postgres/index.ts';
import { databaseNameSchema } from './core/postgres/job-spec.ts';

const eventSchema = z.object({
  runId: runIdSchema(),
  dump: dumpLocationSchema,
  targetDatabase: databaseNameSchema,
});

/**
 * restore: the run's PostgreSQL dump into a new named database (RestoreTargetExistsError when it
 * exists: a restore never writes over a database), row counts compared with the dump's.
 */
export const handler = createHandler(
  { name: 'restore-postgres-dump', environment: postgresRestoreHandlerEnvironment, event: eventSchema },
  async ({ runId, dump, targetDatabase }, { env }) => {
    const result = await restoreDumpInto(
      { kubernetes: kubernetesApiFor(env.CLUSTER_NAME), s3: s3ClientIn(env.BACKUP_BUCKET_REGION) },
      {
        ...restoreJobSettings(env),
        name: `pg-restore-${runId.toLowerCase()}-${targetDatabase.toLowerCase().replace(/_/g, '-')}`.slice(
          0,
          63,
        ),
        source: { bucket: dump.bucket, key: dump.key },
        targetDatabase,
      },
    );
    return { targetDatabase, job: result.job, comparison: result.comparison };
  },
);
