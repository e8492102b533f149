import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { cordonDrainNode } from './core/remediation/playbooks/cordon-drain-node.ts';
import { playbookEventSchema } from './core/remediation/playbooks/playbook.ts';

/** Time left at the end of the invocation to return the result of a drain that ran out of time. */
const RETURN_MARGIN_MS = 15_000;

/** remediate playbook: cordon a node and evict its pods within their PodDisruptionBudgets, bounded in time. */
export const handler = createHandler(
  { name: 'cordon-drain-node', environment: kubernetesHandlerEnvironment, event: playbookEventSchema },
  async (event, { env, context }) =>
    cordonDrainNode(event, {
      kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
      clusterName: env.CLUSTER_NAME,
      stopBy: new Date(Date.now() + context.getRemainingTimeInMillis() - RETURN_MARGIN_MS),
    }),
);
