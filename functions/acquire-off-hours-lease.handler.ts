import { dynamoDbClient } from './commons/backup-clients.ts';
import { offHoursLeaseHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { OFF_HOURS_LEASE_SCOPE, offHoursLeaseEventSchema } from './core/cost/off-hours/lease.ts';
import { acquireLock } from './core/locks/lease-lock.ts';

/** off-hours: one run per environment at a time; LockHeldError names the execution that has it. */
export const handler = createHandler(
  {
    name: 'acquire-off-hours-lease',
    environment: offHoursLeaseHandlerEnvironment,
    event: offHoursLeaseEventSchema,
  },
  async ({ environment, owner }, { env }) =>
    acquireLock(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      { scope: OFF_HOURS_LEASE_SCOPE, name: environment, owner, ttlSeconds: env.OFF_HOURS_LEASE_TTL_SECONDS },
    ),
);
