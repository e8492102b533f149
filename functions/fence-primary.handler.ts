import * as z from 'zod/mini';
import { fenceHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { failoverIdSchema } from './core/dr/failover/request.ts';
import { fenceStep } from './core/dr/fence/fence.ts';
import { FENCE_STEPS } from './core/dr/fence/outcome.ts';
import { fenceDependencies, primaryFenceClients } from './core/dr/fence/wiring.ts';

const eventSchema = z.looseObject({ failoverId: failoverIdSchema, step: z.enum(FENCE_STEPS) });

/**
 * dr-failover: one step of the primary's fence (`prefect`, `writers`, `buckets`), its originals
 * saved in the ops table first; `unreachable` when the primary does not answer.
 */
export const handler = createHandler(
  { name: 'fence-primary', environment: fenceHandlerEnvironment, event: eventSchema },
  async ({ failoverId, step }, { env, logger }) => {
    const dependencies = fenceDependencies(env, primaryFenceClients(env));
    const result = await fenceStep(
      { environment: env.ENVIRONMENT_NAME, failoverId, side: 'primary' },
      step,
      dependencies,
    );
    logger.info('primary fence step', { failoverId, step, status: result.status });
    return result;
  },
);
