import { asBackupLogger, backupDestination } from './commons/backup-clients.ts';
import { pruneBackupsHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { pruneBackups } from './core/backup/prune.ts';
import { bucketRunSchema } from './core/backup-workflow/bucket-run.ts';

/** backup step 5: drops manifests past the retention (never the newest) and the data only they referenced. */
export const handler = createHandler(
  { name: 'prune-backups', environment: pruneBackupsHandlerEnvironment, event: bucketRunSchema },
  async ({ bucket }, { env, logger }) =>
    pruneBackups(
      { ...backupDestination(env), logger: asBackupLogger(logger) },
      { sourceBucket: bucket, retentionDays: env.BACKUP_RETENTION_DAYS, now: new Date() },
    ),
);
