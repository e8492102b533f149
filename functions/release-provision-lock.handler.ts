import { dynamoDbClient } from './commons/backup-clients.ts';
import { releaseLockHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { releaseLock } from './core/locks/lease-lock.ts';
import { PROVISION_LOCK_SCOPE, provisionLockEventSchema } from './core/provision/lock.ts';

/** provision: gives the cluster's lease back once the report is built, whatever the outcome. */
export const handler = createHandler(
  {
    name: 'release-provision-lock',
    environment: releaseLockHandlerEnvironment,
    event: provisionLockEventSchema,
  },
  async ({ cluster, owner }, { env, logger }) => {
    const result = await releaseLock(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      { scope: PROVISION_LOCK_SCOPE, name: cluster, owner },
    );
    if (!result.released) logger.warn('provision lock was no longer ours to release', { ...result });
    return result;
  },
);
