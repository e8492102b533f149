import { asBackupLogger, backupDestination } from './commons/backup-clients.ts';
import { finalizeBackupHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { finalizeManifest } from './core/backup/finalize.ts';
import { bucketRunSchema, completedDump } from './core/backup-workflow/bucket-run.ts';

/** backup step 4: commits the checksummed manifest, or IncompleteBackupError if any object is missing. */
export const handler = createHandler(
  { name: 'finalize-backup-manifest', environment: finalizeBackupHandlerEnvironment, event: bucketRunSchema },
  async (run, { env, logger }) =>
    finalizeManifest(
      {
        ...backupDestination(env),
        logger: asBackupLogger(logger),
      },
      { sourceBucket: run.bucket, runId: run.runId, postgres: completedDump(run) },
    ),
);
