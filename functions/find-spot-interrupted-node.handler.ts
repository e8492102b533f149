import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { findInterruptedNode } from './core/cost/spot/interruption.ts';
import { spotInterruptionEventSchema } from './core/cost/spot/interruption-event.ts';
import { parsePlatformLayout } from './core/platform/layout.ts';

/** spot-interruption: which Node (spec.providerID) the noticed instance is, if it is one of this cluster's. */
export const handler = createHandler(
  {
    name: 'find-spot-interrupted-node',
    environment: kubernetesHandlerEnvironment,
    event: spotInterruptionEventSchema,
  },
  async (event, { env }) =>
    findInterruptedNode(kubernetesApiFor(env.CLUSTER_NAME), event, {
      clusterName: env.CLUSTER_NAME,
      nodeGroupLabel: parsePlatformLayout(env.PLATFORM_LAYOUT).nodes.nodeGroupLabel,
    }),
);
