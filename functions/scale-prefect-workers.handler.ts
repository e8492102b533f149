import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { playbookEventSchema } from './core/remediation/playbooks/playbook.ts';
import { scalePrefectWorkers } from './core/remediation/playbooks/scale-prefect-workers.ts';

/** remediate playbook: scale the Prefect worker Deployment by `step` up to `max` on a work-queue backlog. */
export const handler = createHandler(
  { name: 'scale-prefect-workers', environment: kubernetesHandlerEnvironment, event: playbookEventSchema },
  async (event, { env }) =>
    scalePrefectWorkers(event, {
      kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
      clusterName: env.CLUSTER_NAME,
    }),
);
