import { spotMigrationLeaseHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import {
  SPOT_MIGRATION_LEASE_SCOPE,
  spotMigrationLeaseEventSchema,
  spotMigrationLeaseName,
} from './core/cost/spot/lease.ts';
import { spotOpsTable } from './core/cost/spot/ops-table.ts';
import { acquireLock } from './core/locks/lease-lock.ts';

/** spot-migration: one run per pool at a time; LockHeldError names the execution that has it. */
export const handler = createHandler(
  {
    name: 'acquire-spot-migration-lease',
    environment: spotMigrationLeaseHandlerEnvironment,
    event: spotMigrationLeaseEventSchema,
  },
  async (event, { env }) =>
    acquireLock(spotOpsTable(env), {
      scope: SPOT_MIGRATION_LEASE_SCOPE,
      name: spotMigrationLeaseName(event),
      owner: event.owner,
      ttlSeconds: env.SPOT_MIGRATION_LEASE_TTL_SECONDS,
    }),
);
