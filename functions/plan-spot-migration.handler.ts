import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { planSpotMigration } from './core/cost/spot/plan.ts';
import { spotMigrationRequestSchema } from './core/cost/spot/request.ts';
import { spotCluster } from './core/cost/spot/wiring.ts';

/** spot-migration preflight: refuses the stateful tier and bad instance types; plans from the cluster as it is. */
export const handler = createHandler(
  {
    name: 'plan-spot-migration',
    environment: kubernetesHandlerEnvironment,
    event: spotMigrationRequestSchema,
  },
  async (request, { env }) => planSpotMigration(spotCluster(env), request),
);
