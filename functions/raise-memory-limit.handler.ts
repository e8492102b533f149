import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { playbookEventSchema } from './core/remediation/playbooks/playbook.ts';
import { raiseMemoryLimit } from './core/remediation/playbooks/raise-memory-limit.ts';

/** remediate playbook: raise an OOM-killed container's memory limit, capped, at most once per 24 h per workload. */
export const handler = createHandler(
  { name: 'raise-memory-limit', environment: kubernetesHandlerEnvironment, event: playbookEventSchema },
  async (event, { env }) =>
    raiseMemoryLimit(event, {
      kubernetes: kubernetesApiFor(env.CLUSTER_NAME),
      clusterName: env.CLUSTER_NAME,
    }),
);
