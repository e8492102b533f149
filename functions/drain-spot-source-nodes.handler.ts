import { spotMigrationClusterHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { drainSourceBatch } from './core/cost/spot/drain.ts';
import { drainSpotSourceNodesEventSchema } from './core/cost/spot/steps.ts';
import { spotCluster } from './core/cost/spot/wiring.ts';

/** Time left at the end of the invocation to return the batch's results. */
const RETURN_MARGIN_MS = 15_000;

/** spot-migration: cordons the old group's Nodes and drains the next few within their budgets; never forces. */
export const handler = createHandler(
  {
    name: 'drain-spot-source-nodes',
    environment: spotMigrationClusterHandlerEnvironment,
    event: drainSpotSourceNodesEventSchema,
  },
  async ({ plan, next, results }, { env, context }) =>
    drainSourceBatch(spotCluster(env), plan, {
      next,
      results,
      timeoutSeconds: env.SPOT_DRAIN_BATCH_TIMEOUT_SECONDS,
      stopBy: new Date(Date.now() + context.getRemainingTimeInMillis() - RETURN_MARGIN_MS),
    }),
);
