import * as z from 'zod/mini';
import { dynamoDbClient } from './commons/backup-clients.ts';
import { fenceDrHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiIn } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { failoverIdSchema } from './core/dr/failover/request.ts';
import { fencePrefect } from './core/dr/fence/prefect-step.ts';
import { DEFAULT_PROBE_TIMEOUT_MS } from './core/dr/fence/reachability.ts';
import { DR_FENCE_STEPS, drFenceDependencies } from './core/dr/fence/wiring.ts';
import { fenceWriters } from './core/dr/fence/writers-step.ts';

const eventSchema = z.object({ failoverId: failoverIdSchema, step: z.enum(DR_FENCE_STEPS) });

/**
 * dr-failback: one step of the DR side's fence (`prefect`, `writers`), the fence core with side
 * `dr`, its originals saved in the ops table first; `unreachable` when the DR side does not answer.
 */
export const handler = createHandler(
  { name: 'fence-dr', environment: fenceDrHandlerEnvironment, event: eventSchema },
  async ({ failoverId, step }, { env, logger }) => {
    const probeTimeoutMs = env.FENCE_PROBE_TIMEOUT_MS ?? DEFAULT_PROBE_TIMEOUT_MS;
    const dependencies = drFenceDependencies(env, {
      dynamoDb: dynamoDbClient(),
      kubernetes: kubernetesApiIn(env.DR_REGION, env.DR_CLUSTER_NAME),
      kubernetesProbe: kubernetesApiIn(env.DR_REGION, env.DR_CLUSTER_NAME, { timeoutMs: probeTimeoutMs }),
    });
    const key = { environment: env.ENVIRONMENT_NAME, failoverId, side: 'dr' as const };
    const result =
      step === 'prefect'
        ? await fencePrefect(key, dependencies.prefect)
        : await fenceWriters(key, dependencies.writers);
    logger.info('DR fence step', { failoverId, step, status: result.status });
    return result;
  },
);
