import { dynamoDbClient } from './commons/backup-clients.ts';
import { backupLockHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { BACKUP_LOCK_SCOPE, bucketRunSchema } from './core/backup-workflow/bucket-run.ts';
import { acquireLock } from './core/locks/lease-lock.ts';

/** backup: one run per source bucket at a time; LockHeldError when another execution has it. */
export const handler = createHandler(
  { name: 'acquire-backup-lock', environment: backupLockHandlerEnvironment, event: bucketRunSchema },
  async ({ bucket, owner }, { env }) =>
    acquireLock(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      { scope: BACKUP_LOCK_SCOPE, name: bucket, owner, ttlSeconds: env.BACKUP_LOCK_TTL_SECONDS },
    ),
);
