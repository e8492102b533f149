import { dynamoDbClient } from './commons/backup-clients.ts';
import { rightsizingLeaseHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { RIGHTSIZING_LEASE_SCOPE, rightsizingLeaseEventSchema } from './core/cost/apply/lease.ts';
import { releaseLock } from './core/locks/lease-lock.ts';

/** cost-optimise: gives the environment's lease back (reports, without failing, one that is no longer ours). */
export const handler = createHandler(
  {
    name: 'release-rightsizing-lease',
    environment: rightsizingLeaseHandlerEnvironment,
    event: rightsizingLeaseEventSchema,
  },
  async ({ owner }, { env }) =>
    releaseLock(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      { scope: RIGHTSIZING_LEASE_SCOPE, name: env.ENVIRONMENT_NAME, owner },
    ),
);
