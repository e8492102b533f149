import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesApiFor } from './commons/kubernetes-client.ts';
import { createHandler } from './commons/middleware.ts';
import { expandMinioPvc } from './core/remediation/playbooks/expand-minio-pvc.ts';
import { playbookEventSchema } from './core/remediation/playbooks/playbook.ts';

/** remediate playbook: grow a filling MinIO volume claim, capped, where its StorageClass allows expansion. */
export const handler = createHandler(
  { name: 'expand-minio-pvc', environment: kubernetesHandlerEnvironment, event: playbookEventSchema },
  async (event, { env }) =>
    expandMinioPvc(event, { kubernetes: kubernetesApiFor(env.CLUSTER_NAME), clusterName: env.CLUSTER_NAME }),
);
