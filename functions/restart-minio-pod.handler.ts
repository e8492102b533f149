import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { playbookEventSchema } from './core/remediation/playbooks/playbook.ts';
import { restartMinioPod } from './core/remediation/playbooks/restart-minio-pod.ts';

/** remediate playbook: restart one MinIO pod once the others keep write quorum without it. */
export const handler = createHandler(
  { name: 'restart-minio-pod', environment: kubernetesHandlerEnvironment, event: playbookEventSchema },
  async (event, { env }) =>
    restartMinioPod(event, { kubernetes: kubernetesApiFor(env.CLUSTER_NAME), clusterName: env.CLUSTER_NAME }),
);
