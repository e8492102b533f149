import { spotMigrationClusterHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { ensureSpotNodeGroupEventSchema } from './core/cost/spot/steps.ts';
import { ensureTargetGroup } from './core/cost/spot/target-group.ts';
import { spotCluster } from './core/cost/spot/wiring.ts';

/** spot-migration: creates the pool's new node group like the old one (or finds it, uncordoning what a migration cordoned). */
export const handler = createHandler(
  {
    name: 'ensure-spot-node-group',
    environment: spotMigrationClusterHandlerEnvironment,
    event: ensureSpotNodeGroupEventSchema,
  },
  async ({ plan, executionId }, { env }) =>
    ensureTargetGroup(spotCluster(env), plan, {
      executionId,
      timeoutSeconds: env.SPOT_NODE_GROUP_TIMEOUT_SECONDS,
    }),
);
