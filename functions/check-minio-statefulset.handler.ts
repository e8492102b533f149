import { kubernetesHandlerEnvironment } from './commons/environment.ts';
import { kubernetesCheckDependencies } from './commons/kubernetes-cluster-reader.ts';
import { createHandler } from './commons/middleware.ts';
import { checkMinioStatefulSet } from './core/validation/minio-statefulset.ts';
import { validatePlatformRequestSchema } from './core/validation/request.ts';

/** validate-platform check: all MinIO StatefulSet replicas ready. */
export const handler = createHandler(
  {
    name: 'check-minio-statefulset',
    environment: kubernetesHandlerEnvironment,
    event: validatePlatformRequestSchema,
  },
  async (_request, { env }) => checkMinioStatefulSet(await kubernetesCheckDependencies(env)),
);
