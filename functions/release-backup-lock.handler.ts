import { dynamoDbClient } from './commons/backup-clients.ts';
import { releaseLockHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { BACKUP_LOCK_SCOPE, bucketRunSchema } from './core/backup-workflow/bucket-run.ts';
import { releaseLock } from './core/locks/lease-lock.ts';

/** backup: gives the bucket's lease back, on success and on every failure path. */
export const handler = createHandler(
  { name: 'release-backup-lock', environment: releaseLockHandlerEnvironment, event: bucketRunSchema },
  async ({ bucket, owner }, { env, logger }) => {
    const result = await releaseLock(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      { scope: BACKUP_LOCK_SCOPE, name: bucket, owner },
    );
    if (!result.released) logger.warn('backup lock was no longer ours to release', { ...result });
    return result;
  },
);
