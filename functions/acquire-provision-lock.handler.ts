import { dynamoDbClient } from './commons/backup-clients.ts';
import { provisionLockHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { acquireLock } from './core/locks/lease-lock.ts';
import { PROVISION_LOCK_SCOPE, provisionLockEventSchema } from './core/provision/lock.ts';

/** provision: one run per cluster at a time; LockHeldError names the execution that has it. */
export const handler = createHandler(
  {
    name: 'acquire-provision-lock',
    environment: provisionLockHandlerEnvironment,
    event: provisionLockEventSchema,
  },
  async ({ cluster, owner }, { env }) =>
    acquireLock(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      { scope: PROVISION_LOCK_SCOPE, name: cluster, owner, ttlSeconds: env.PROVISION_LOCK_TTL_SECONDS },
    ),
);
