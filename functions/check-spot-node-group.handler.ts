import { spotMigrationClusterHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { checkSpotNodeGroupEventSchema } from './core/cost/spot/steps.ts';
import { checkTargetGroup } from './core/cost/spot/target-group.ts';
import { spotCluster } from './core/cost/spot/wiring.ts';

/** spot-migration: is the new group ACTIVE with its Nodes Ready? SpotNodeGroupTimeoutError past the deadline. */
export const handler = createHandler(
  {
    name: 'check-spot-node-group',
    environment: spotMigrationClusterHandlerEnvironment,
    event: checkSpotNodeGroupEventSchema,
  },
  async ({ plan, deadline }, { env }) => checkTargetGroup(spotCluster(env), plan, new Date(deadline)),
);
