import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { playbookEventSchema } from './core/remediation/playbooks/playbook.ts';
import { rolloutRestart } from './core/remediation/playbooks/rollout-restart.ts';

/** remediate playbook: `kubectl rollout restart` of the alert's Deployment or StatefulSet (or a Pod's owner); a paused one is refused. */
export const handler = createHandler(
  { name: 'rollout-restart', environment: kubernetesHandlerEnvironment, event: playbookEventSchema },
  async (event, { env }) =>
    rolloutRestart(event, { kubernetes: kubernetesApiFor(env.CLUSTER_NAME), clusterName: env.CLUSTER_NAME }),
);
