import { eksClient } from './commons/aws-clients.ts';
import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { createHandler } from './commons/middleware.ts';
import { checkEksCluster } from './core/validation/eks-cluster.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';

/** validate-platform check: the EKS control plane and its managed node groups are ACTIVE and healthy. */
export const handler = createHandler(
  {
    name: 'check-eks-cluster',
    environment: kubernetesHandlerEnvironment,
    event: validatePlatformRequestSchema,
  },
  async (_request, { env }) => checkEksCluster({ eks: eksClient(), clusterName: env.CLUSTER_NAME }),
);
