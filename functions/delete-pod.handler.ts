import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { deletePod } from './core/remediation/playbooks/delete-pod.ts';
import { playbookEventSchema } from './core/remediation/playbooks/playbook.ts';

/** remediate playbook: delete a crash-looping pod so that its controller recreates it; never a pod without a controller. */
export const handler = createHandler(
  { name: 'delete-pod', environment: kubernetesHandlerEnvironment, event: playbookEventSchema },
  async (event, { env }) =>
    deletePod(event, { kubernetes: kubernetesApiFor(env.CLUSTER_NAME), clusterName: env.CLUSTER_NAME }),
);
