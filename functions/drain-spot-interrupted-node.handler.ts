import { spotInterruptionHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { drainInterruptedNode } from './core/cost/spot/interruption.ts';
import { drainInterruptedNodeEventSchema } from './core/cost/spot/steps.ts';

/** Time left at the end of the invocation to return the drain's result. */
const RETURN_MARGIN_MS = 5_000;

/** spot-interruption: cordons and drains the noticed Node before its instance goes, bounded by the notice. */
export const handler = createHandler(
  {
    name: 'drain-spot-interrupted-node',
    environment: spotInterruptionHandlerEnvironment,
    event: drainInterruptedNodeEventSchema,
  },
  async (target, { env, context }) =>
    drainInterruptedNode(kubernetesApiFor(env.CLUSTER_NAME), target, {
      rebalanceDrainSeconds: env.SPOT_REBALANCE_DRAIN_SECONDS,
      stopBy: new Date(Date.now() + context.getRemainingTimeInMillis() - RETURN_MARGIN_MS),
    }),
);
