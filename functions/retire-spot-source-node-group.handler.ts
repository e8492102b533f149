import { spotMigrationClusterHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { retireSourceGroup } from './core/cost/spot/retire.ts';
import { retireSpotSourceNodeGroupEventSchema } from './core/cost/spot/steps.ts';
import { spotCluster } from './core/cost/spot/wiring.ts';

/** spot-migration: scales the drained old group to zero, then deletes it; one move per call. */
export const handler = createHandler(
  {
    name: 'retire-spot-source-node-group',
    environment: spotMigrationClusterHandlerEnvironment,
    event: retireSpotSourceNodeGroupEventSchema,
  },
  async ({ plan, previous, executionId }, { env }) =>
    retireSourceGroup(spotCluster(env), plan, {
      executionId,
      deadline: previous.deadline,
      timeoutSeconds: env.SPOT_RETIRE_TIMEOUT_SECONDS,
    }),
);
