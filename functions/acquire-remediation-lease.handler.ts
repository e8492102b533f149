import { dynamoDbClient } from './commons/backup-clients.ts';
import { remediationLeaseHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { acquireLock } from './core/locks/lease-lock.ts';
import { REMEDIATION_LOCK_SCOPE, remediationLeaseEventSchema } from './core/remediation/lease.ts';

/** remediate: one remediation per target at a time; LockHeldError names the execution acting on it. */
export const handler = createHandler(
  {
    name: 'acquire-remediation-lease',
    environment: remediationLeaseHandlerEnvironment,
    event: remediationLeaseEventSchema,
  },
  async ({ targetKey, owner, ttlSeconds }, { env }) =>
    acquireLock(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      { scope: REMEDIATION_LOCK_SCOPE, name: targetKey, owner, ttlSeconds },
    ),
);
