import { dynamoDbClient } from './commons/backup-clients.ts';
import { releaseLockHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { OFF_HOURS_LEASE_SCOPE, offHoursLeaseEventSchema } from './core/cost/off-hours/lease.ts';
import { releaseLock } from './core/locks/lease-lock.ts';

/** off-hours: gives the environment's lease back once the outcome is recorded, whatever it is. */
export const handler = createHandler(
  {
    name: 'release-off-hours-lease',
    environment: releaseLockHandlerEnvironment,
    event: offHoursLeaseEventSchema,
  },
  async ({ environment, owner }, { env, logger }) => {
    const result = await releaseLock(
      { dynamoDb: dynamoDbClient(), tableName: env.OPS_TABLE_NAME },
      { scope: OFF_HOURS_LEASE_SCOPE, name: environment, owner },
    );
    if (!result.released) logger.warn('off-hours lease was no longer ours to release', { ...result });
    return result;
  },
);
