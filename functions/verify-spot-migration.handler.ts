import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { verifySpotMigrationEventSchema } from './core/cost/spot/steps.ts';
import { verifyMigration } from './core/cost/spot/verify.ts';
import { spotCluster } from './core/cost/spot/wiring.ts';

/** spot-migration: one group of the target capacity serves the pool, its Nodes Ready, nothing of the pool Pending. */
export const handler = createHandler(
  {
    name: 'verify-spot-migration',
    environment: kubernetesHandlerEnvironment,
    event: verifySpotMigrationEventSchema,
  },
  async ({ plan }, { env }) => verifyMigration(spotCluster(env), plan),
);
