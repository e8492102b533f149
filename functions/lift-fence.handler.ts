import * as z from 'zod/mini';
import { fenceHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { failoverIdSchema } from './core/dr/failover/request.ts';
import { LIFTABLE_STEPS, liftFence } from './core/dr/fence/fence.ts';
import { fenceDependencies, primaryFenceClients } from './core/dr/fence/wiring.ts';

const eventSchema = z.looseObject({
  failoverId: failoverIdSchema,
  /** The steps to lift (all when absent): dr-failback lifts `buckets` before its resync. */
  steps: z.optional(z.array(z.enum(LIFTABLE_STEPS)).check(z.minLength(1))),
});

/**
 * dr-failback, or a failover aborted after fencing: gives the primary back exactly what the fence
 * of `failoverId` saved (bucket policies, replicas and CronJob suspend flags, work pool and
 * schedule flags); `incomplete` when the primary does not answer yet.
 */
export const handler = createHandler(
  { name: 'lift-fence', environment: fenceHandlerEnvironment, event: eventSchema },
  async ({ failoverId, steps }, { env, logger }) => {
    const dependencies = fenceDependencies(env, primaryFenceClients(env));
    const result = await liftFence(
      { environment: env.ENVIRONMENT_NAME, failoverId, side: 'primary' },
      dependencies,
      steps,
    );
    logger.info('primary fence lifted', { failoverId, status: result.status });
    return { failoverId, ...result };
  },
);
