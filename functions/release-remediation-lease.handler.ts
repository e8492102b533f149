import { dynamoDbClient } from './commons/backup-clients.ts';
import { remediationLeaseHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { releaseLock } from './core/locks/lease-lock.ts';
import { REMEDIATION_LOCK_SCOPE, remediationLeaseEventSchema } from './core/remediation/lease.ts';

/** remediate: gives the target back once the run has its outcome. */
export const handler = createHandler(
  {
    name: 'release-remediation-lease',
    environment: remediationLeaseHandlerEnvironment,
    event: remediationLeaseEventSchema,
  },
  async ({ targetKey, owner }, { env }) =>
    releaseLock(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      { scope: REMEDIATION_LOCK_SCOPE, name: targetKey, owner },
    ),
);
