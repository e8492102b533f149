import { releaseLockHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import {
  SPOT_MIGRATION_LEASE_SCOPE,
  spotMigrationLeaseEventSchema,
  spotMigrationLeaseName,
} from './core/cost/spot/lease.ts';
import { spotOpsTable } from './core/cost/spot/ops-table.ts';
import { releaseLock } from './core/locks/lease-lock.ts';

/** spot-migration: gives the pool's lease back once the report is built, whatever the outcome. */
export const handler = createHandler(
  {
    name: 'release-spot-migration-lease',
    environment: releaseLockHandlerEnvironment,
    event: spotMigrationLeaseEventSchema,
  },
  async (event, { env, logger }) => {
    const result = await releaseLock(spotOpsTable(env), {
      scope: SPOT_MIGRATION_LEASE_SCOPE,
      name: spotMigrationLeaseName(event),
      owner: event.owner,
    });
    if (!result.released) logger.warn('spot-migration lease was no longer ours to release', { ...result });
    return result;
  },
);
