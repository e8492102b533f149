import { dynamoDbClient } from './commons/backup-clients.ts';
import { rightsizingLeaseHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { RIGHTSIZING_LEASE_SCOPE, rightsizingLeaseEventSchema } from './core/cost/apply/lease.ts';
import { acquireLock } from './core/locks/lease-lock.ts';

/** cost-optimise: one run per environment at a time; LockHeldError names the execution that has it. */
export const handler = createHandler(
  {
    name: 'acquire-rightsizing-lease',
    environment: rightsizingLeaseHandlerEnvironment,
    event: rightsizingLeaseEventSchema,
  },
  async ({ owner }, { env }) =>
    acquireLock(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      {
        scope: RIGHTSIZING_LEASE_SCOPE,
        name: env.ENVIRONMENT_NAME,
        owner,
        ttlSeconds: env.RIGHTSIZING_LEASE_TTL_SECONDS,
      },
    ),
);
